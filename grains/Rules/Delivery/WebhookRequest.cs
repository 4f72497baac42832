namespace Apperate.Actors.Rules.Delivery;

/// <summary>One webhook attempt for <see cref="WebhookSender"/>.</summary>
/// <param name="Url">The destination.</param>
/// <param name="WebhookId">The <c>webhook-id</c>: the alert id, the same on every attempt so receivers can de-duplicate.</param>
/// <param name="Secret">The output's <c>whsec_</c> signing secret.</param>
/// <param name="Headers">The output's extra headers; they never replace <c>Content-Type</c> or the <c>webhook-*</c> headers.</param>
/// <param name="Body">The JSON body, sent as is.</param>
public sealed record WebhookRequest(Uri Url, string WebhookId, string Secret, IReadOnlyDictionary<string, string>? Headers, byte[] Body);
