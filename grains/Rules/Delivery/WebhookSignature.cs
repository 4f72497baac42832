using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Standard Webhooks 1.0 signatures: <c>v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c> under the
/// key of a <c>whsec_</c> secret.
/// </summary>
/// <remarks>
/// Receivers verify with any Standard Webhooks library (or Svix's), so the format is the spec's to the byte: the key is
/// the base64-decoded part after <c>whsec_</c>, the timestamp is decimal unix seconds, the body is the exact bytes sent.
/// </remarks>
public static class WebhookSignature
{
    /// <summary>The prefix of a Standard Webhooks secret.</summary>
    public const string SecretPrefix = "whsec_";

    private const int MinKeyBytes = 24;
    private const int MaxKeyBytes = 64;

    /// <summary>The <c>webhook-signature</c> header value for one attempt.</summary>
    /// <param name="secret"><c>whsec_</c> and the base64 key, or the base64 key alone.</param>
    /// <param name="webhookId">The <c>webhook-id</c> header value.</param>
    /// <param name="timestampSeconds">The <c>webhook-timestamp</c> header value.</param>
    /// <param name="body">The request body exactly as sent.</param>
    /// <exception cref="FormatException">The secret is not base64.</exception>
    public static string Sign(string secret, string webhookId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        var key = DecodeKey(secret);
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{webhookId}.{timestampSeconds}."));
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(mac);
        return "v1," + Convert.ToBase64String(mac);
    }

    /// <summary>A new secret: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>True when <paramref name="secret"/> (with or without <c>whsec_</c>) is base64 of 24 to 64 bytes.</summary>
    /// <remarks>Standard Webhooks asks for 24 to 64 bytes: shorter keys are guessable, longer ones HMAC would hash anyway.</remarks>
    public static bool IsValidSecret(string? secret)
    {
        if (secret is null) return false;
        var text = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret.AsSpan(SecretPrefix.Length) : secret.AsSpan();
        Span<byte> key = stackalloc byte[MaxKeyBytes];
        return Convert.TryFromBase64Chars(text, key, out var length) && length >= MinKeyBytes;
    }

    private static byte[] DecodeKey(string secret)
    {
        var text = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            // The framework's message would be about base64 in general; this one says which value is wrong, without showing it.
            throw new FormatException("The webhook secret is not whsec_ followed by base64.");
        }
    }
}
