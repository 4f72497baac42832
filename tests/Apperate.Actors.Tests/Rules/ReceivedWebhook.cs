using System.Text;

namespace Apperate.Actors.Tests.Rules;

/// <summary>One request as <see cref="WebhookReceiver"/> got it.</summary>
/// <param name="Path">The request path.</param>
/// <param name="WebhookId">The <c>webhook-id</c> header.</param>
/// <param name="Timestamp">The <c>webhook-timestamp</c> header.</param>
/// <param name="Signature">The <c>webhook-signature</c> header.</param>
/// <param name="Headers">Every request header (names ignoring case; repeated headers joined with commas).</param>
/// <param name="Body">The raw body.</param>
/// <param name="ReceivedAt">When the request arrived (wall clock).</param>
/// <param name="SignatureValid">True when the StandardWebhooks library verified the request with the path's registered secret.</param>
/// <param name="VerificationError">Why it did not verify: the library's message, or that no secret is registered for the path.</param>
/// <param name="AnsweredWith">The status code the receiver answered (or is about to); 0 when it hangs.</param>
public sealed record ReceivedWebhook(
    string Path,
    string? WebhookId,
    string? Timestamp,
    string? Signature,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    DateTimeOffset ReceivedAt,
    bool SignatureValid,
    string? VerificationError,
    int AnsweredWith)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);
}
