using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Sends one webhook attempt, signed per Standard Webhooks, with the <see cref="RulesOptions.HttpClientName"/> client
/// (no redirects, no proxy, connections through <see cref="WebhookAddressGuard"/>), and says how it ended.
/// </summary>
/// <remarks>
/// It neither retries nor waits for a host slot: the delivery grain owns the schedule and <see cref="WebhookHosts"/> the
/// per-host limits, so an attempt here is exactly one request. The timestamp and signature are made per attempt, as
/// receivers reject old timestamps.
/// </remarks>
public sealed partial class WebhookSender(IHttpClientFactory clients, IOptions<RulesOptions> options, TimeProvider time, ILogger<WebhookSender> logger)
{
    /// <summary>At most this much of a response body is read, for the error text.</summary>
    public const int MaxResponseBytes = 1024;

    private const int MaxErrorBodyChars = 200;

    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(24);

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length", "transfer-encoding", "host",
    };

    private readonly TimeSpan _timeout = options.Value.Timeout;

    /// <summary>POSTs <paramref name="request"/> once and classifies the answer.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled (the caller is stopping; this is not an outcome).</exception>
    public async Task<DeliveryOutcome> SendAsync(WebhookRequest request, CancellationToken cancellationToken = default)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.TryAddWithoutValidation("webhook-id", request.WebhookId);
        message.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        message.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Sign(request.Secret, request.WebhookId, timestamp, request.Body));
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            if (!Reserved.Contains(name) && !value.AsSpan().ContainsAny('\r', '\n', '\0'))
                message.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(_timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        DeliveryOutcome outcome;
        try
        {
            using var response = await clients.CreateClient(RulesOptions.HttpClientName)
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            outcome = await ClassifyAsync(response, linked.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not our timeout: the handler's shorter connect timeout, whose message says so.
            var error = timeout.IsCancellationRequested ? $"timed out after {_timeout.TotalSeconds:0.###} s" : ex.Message;
            outcome = new DeliveryOutcome(DeliveryOutcomeKind.Failed, null, error, null);
        }
        catch (HttpRequestException ex)
        {
            outcome = new DeliveryOutcome(DeliveryOutcomeKind.Failed, null, ex.Message, null);
        }
        if (outcome.Kind != DeliveryOutcomeKind.Delivered) LogAttemptFailed(request.WebhookId, request.Url.Host, outcome.Error);
        return outcome;
    }

    private async Task<DeliveryOutcome> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300) return new DeliveryOutcome(DeliveryOutcomeKind.Delivered, status, null, null);
        var error = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP {status} {response.ReasonPhrase ?? response.StatusCode.ToString()}");
        if (status is >= 300 and < 400)
            error.Append(": redirects are not followed").Append(response.Headers.Location is { } location ? $" (Location: {location})" : "");
        else if (await ReadBodyAsync(response, cancellationToken) is { Length: > 0 } body)
            error.Append(": ").Append(body);
        var retryAfter = status is 429 or 503 ? RetryAfter(response.Headers.RetryAfter) : null;
        return new DeliveryOutcome(status == 410 ? DeliveryOutcomeKind.Gone : DeliveryOutcomeKind.Failed, status, error.ToString(), retryAfter);
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is not { } value ? null : value < TimeSpan.Zero ? TimeSpan.Zero : value > MaxRetryAfter ? MaxRetryAfter : value;
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxResponseBytes];
        var length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (length < buffer.Length && await stream.ReadAsync(buffer.AsMemory(length), cancellationToken) is var read and > 0)
                length += read;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            // The status already says what matters; a body cut short is still worth showing.
        }
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        var printable = string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        }).Trim();
        return printable.Length <= MaxErrorBodyChars ? printable : printable[..MaxErrorBodyChars];
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {WebhookId} to {Host} failed: {Error}")]
    private partial void LogAttemptFailed(string webhookId, string host, string? error);
}
