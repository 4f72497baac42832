using System.Text;
using Apperate.Actors.Rules.Delivery;
using StandardWebhooks;

namespace Apperate.Actors.Tests.Rules;

[Trait("Category", "Unit")]
public sealed class WebhookSignatureTests
{
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorPayload = """{"test": 2432232314}""";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signs_the_published_Standard_Webhooks_test_vector()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(VectorSecret, VectorId, VectorTimestamp, Encoding.UTF8.GetBytes(VectorPayload)));
    }

    [Fact]
    public void A_secret_without_its_prefix_signs_the_same()
    {
        var bare = VectorSecret[WebhookSignature.SecretPrefix.Length..];
        Assert.Equal(VectorSignature, WebhookSignature.Sign(bare, VectorId, VectorTimestamp, Encoding.UTF8.GetBytes(VectorPayload)));
    }

    [Fact]
    public void A_secret_that_is_not_base64_cannot_sign()
    {
        var ex = Assert.Throws<FormatException>(() => WebhookSignature.Sign("whsec_not base64!", VectorId, VectorTimestamp, [1, 2, 3]));
        Assert.DoesNotContain("not base64!", ex.Message);
    }

    [Fact]
    public void A_body_signed_now_verifies_with_the_independent_library_and_a_changed_body_does_not()
    {
        var secret = WebhookSignature.NewSecret();
        var body = Encoding.UTF8.GetBytes("""{"type":"rule.triggered","data":{"ruleName":"büro ☕","price":50000.12}}""");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = WebhookSignature.Sign(secret, "alert-1", timestamp, body);

        Assert.Null(WebhookReceiver.Verify(secret, "alert-1", timestamp.ToString(), signature, body));
        Assert.Equal(signature, new StandardWebhook(secret).Sign("alert-1", DateTimeOffset.FromUnixTimeSeconds(timestamp), Encoding.UTF8.GetString(body)));

        var changed = Encoding.UTF8.GetBytes("""{"type":"rule.triggered","data":{"ruleName":"büro ☕","price":50000.13}}""");
        Assert.NotNull(WebhookReceiver.Verify(secret, "alert-1", timestamp.ToString(), signature, changed));
        Assert.NotNull(WebhookReceiver.Verify(secret, "alert-2", timestamp.ToString(), signature, body));
        Assert.NotNull(WebhookReceiver.Verify(WebhookSignature.NewSecret(), "alert-1", timestamp.ToString(), signature, body));
    }

    [Fact]
    public void New_secrets_are_prefixed_32_random_bytes()
    {
        var a = WebhookSignature.NewSecret();
        var b = WebhookSignature.NewSecret();
        Assert.StartsWith("whsec_", a);
        Assert.Equal(32, Convert.FromBase64String(a["whsec_".Length..]).Length);
        Assert.NotEqual(a, b);
        Assert.True(WebhookSignature.IsValidSecret(a));
    }

    [Theory]
    [InlineData(VectorSecret, true)]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true)]
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", true)]
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false)]
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", false)]
    [InlineData("whsec_not base64 at all, not at all", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Secrets_are_base64_of_24_to_64_bytes(string? secret, bool valid)
    {
        Assert.Equal(valid, WebhookSignature.IsValidSecret(secret));
    }
}
