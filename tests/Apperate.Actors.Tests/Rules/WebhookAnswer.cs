namespace Apperate.Actors.Tests.Rules;

/// <summary>How <see cref="WebhookReceiver"/> answers a request to one path.</summary>
/// <param name="Status">The status code (ignored when <paramref name="Hang"/>).</param>
/// <param name="Headers">Response headers.</param>
/// <param name="Body">The response body.</param>
/// <param name="Delay">How long to wait before answering.</param>
/// <param name="Hang">Never answer: wait until the client aborts the request or the receiver stops.</param>
public sealed record WebhookAnswer(int Status, IReadOnlyDictionary<string, string>? Headers = null, string? Body = null, TimeSpan Delay = default, bool Hang = false)
{
    /// <summary>200 OK, at once.</summary>
    public static readonly WebhookAnswer Ok = new(200);

    /// <summary>410 Gone.</summary>
    public static readonly WebhookAnswer Gone = new(410, Body: "gone for good");

    /// <summary>No answer until the request is aborted.</summary>
    public static readonly WebhookAnswer Hanging = new(0, Hang: true);

    /// <summary>500 Internal Server Error with <paramref name="body"/>.</summary>
    public static WebhookAnswer ServerError(string body = "receiver failed") => new(500, Body: body);

    /// <summary>429 Too Many Requests with <c>Retry-After: <paramref name="retryAfter"/></c> (seconds or an HTTP date).</summary>
    public static WebhookAnswer TooManyRequests(string retryAfter) => new(429, new Dictionary<string, string> { ["Retry-After"] = retryAfter });

    /// <summary>503 Service Unavailable, with <c>Retry-After</c> when given.</summary>
    public static WebhookAnswer Unavailable(string? retryAfter = null) =>
        new(503, retryAfter is null ? null : new Dictionary<string, string> { ["Retry-After"] = retryAfter });

    /// <summary>A redirect (302 unless said otherwise) to <paramref name="location"/>.</summary>
    public static WebhookAnswer Redirect(string location, int status = 302) => new(status, new Dictionary<string, string> { ["Location"] = location });

    /// <summary>200 OK after <paramref name="delay"/>.</summary>
    public static WebhookAnswer Slow(TimeSpan delay) => new(200, Delay: delay);
}
