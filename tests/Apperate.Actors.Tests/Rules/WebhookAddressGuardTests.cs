using System.Net;
using Apperate.Actors.Rules.Delivery;

namespace Apperate.Actors.Tests.Rules;

[Trait("Category", "Unit")]
public sealed class WebhookAddressGuardTests
{
    private const string AllowHint = "list it in Apperate:Rules:AllowedWebhookHosts";

    private static readonly WebhookAddressGuard Strict = new([]);

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.255.1.2")]
    [InlineData("10.1.2.3")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.168.1.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::7f00:1")]
    public void Non_public_addresses_are_refused(string address)
    {
        Assert.False(WebhookAddressGuard.IsPublic(IPAddress.Parse(address)));
        Assert.False(Strict.IsAllowed("hooks.example.com", IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("11.0.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("192.0.1.1")]
    [InlineData("192.169.0.1")]
    [InlineData("198.20.0.1")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001::200e")]
    [InlineData("::ffff:93.184.216.34")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.True(WebhookAddressGuard.IsPublic(IPAddress.Parse(address)));
        Assert.True(Strict.IsAllowed("hooks.example.com", IPAddress.Parse(address)));
    }

    [Fact]
    public void A_listed_host_name_is_allowed_whatever_its_address_ignoring_case()
    {
        var guard = new WebhookAddressGuard(["hooks.internal"]);
        Assert.True(guard.IsAllowed("HOOKS.Internal", IPAddress.Parse("10.0.0.1")));
        Assert.True(guard.IsAllowed("hooks.internal.", IPAddress.Parse("::1")));
        Assert.False(guard.IsAllowed("other.internal", IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void A_listed_address_is_allowed_also_when_mapped_to_IPv6()
    {
        var guard = new WebhookAddressGuard(["127.0.0.1", "fd00::5"]);
        Assert.True(guard.IsAllowed("anything", IPAddress.Parse("127.0.0.1")));
        Assert.True(guard.IsAllowed("anything", IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.True(guard.IsAllowed("anything", IPAddress.Parse("fd00::5")));
        Assert.False(guard.IsAllowed("anything", IPAddress.Parse("127.0.0.2")));
        Assert.False(guard.IsAllowed("anything", IPAddress.Parse("::1")));
    }

    [Fact]
    public void A_listed_block_allows_its_addresses_only()
    {
        var guard = new WebhookAddressGuard(["10.0.0.0/8", "fd00::/8"]);
        Assert.True(guard.IsAllowed("a", IPAddress.Parse("10.200.3.4")));
        Assert.True(guard.IsAllowed("a", IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.True(guard.IsAllowed("a", IPAddress.Parse("fd00::1234")));
        Assert.False(guard.IsAllowed("a", IPAddress.Parse("192.168.0.1")));
        Assert.False(guard.IsAllowed("a", IPAddress.Parse("127.0.0.1")));
        Assert.True(guard.IsAllowed("a", IPAddress.Parse("11.0.0.1")));
    }

    [Theory]
    [InlineData("hooks.example.com", true)]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("10.0.0.1/8", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("http://hooks.example.com", false)]
    [InlineData("hooks example", false)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    public void Allowlist_entries_are_host_names_addresses_or_blocks(string entry, bool valid)
    {
        Assert.Equal(valid, WebhookAddressGuard.IsValidEntry(entry));
        if (valid) _ = new WebhookAddressGuard([entry]);
        else Assert.Throws<ArgumentException>(() => new WebhookAddressGuard([entry]));
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/x", "http or https")]
    [InlineData("file:///etc/passwd", "absolute http or https")]
    [InlineData("/hooks/relative", "absolute http or https")]
    [InlineData("hooks.example.com/x", "absolute http or https")]
    [InlineData("", "absolute http or https")]
    [InlineData("http://127.0.0.1:8080/hook", AllowHint)]
    [InlineData("http://10.1.2.3/hook", AllowHint)]
    [InlineData("http://[::1]:9000/hook", AllowHint)]
    [InlineData("https://169.254.169.254/latest/meta-data", AllowHint)]
    [InlineData("http://2130706433/", AllowHint)]
    [InlineData("http://localhost/hook", AllowHint)]
    [InlineData("http://api.localhost/hook", AllowHint)]
    public async Task Urls_that_cannot_be_webhooks_are_refused_with_a_reason(string url, string reason)
    {
        Assert.Contains(reason, await Strict.CheckUrlAsync(url));
    }

    [Fact]
    public async Task A_refused_host_names_itself_in_the_reason()
    {
        Assert.Equal($"webhook host localhost resolves only to private addresses; {AllowHint}", await Strict.CheckUrlAsync("http://localhost:5000/x"));
        Assert.StartsWith("webhook address 10.1.2.3 is not public", await Strict.CheckUrlAsync("http://10.1.2.3/x"));
    }

    [Theory]
    [InlineData("http://93.184.216.34/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    [InlineData("https://does-not-exist.invalid/hook")]
    public async Task Public_and_unresolvable_destinations_are_accepted(string url)
    {
        Assert.Null(await Strict.CheckUrlAsync(url));
    }

    [Fact]
    public async Task Listed_destinations_are_accepted()
    {
        var guard = new WebhookAddressGuard(["127.0.0.1", "10.0.0.0/8", "::1"]);
        Assert.Null(await guard.CheckUrlAsync("http://127.0.0.1:8080/hook"));
        Assert.Null(await guard.CheckUrlAsync("http://10.1.2.3/hook"));
        Assert.Null(await guard.CheckUrlAsync("http://[::1]/hook"));
        Assert.Null(await guard.CheckUrlAsync("http://localhost/hook"));
        Assert.NotNull(await guard.CheckUrlAsync("http://192.168.1.1/hook"));
        Assert.Null(await new WebhookAddressGuard(["LocalHost"]).CheckUrlAsync("http://localhost:1234/hook"));
    }
}
