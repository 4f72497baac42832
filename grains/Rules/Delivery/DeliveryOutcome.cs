namespace Apperate.Actors.Rules.Delivery;

/// <summary>How one webhook attempt ended.</summary>
public enum DeliveryOutcomeKind
{
    /// <summary>The receiver answered 2xx within the timeout.</summary>
    Delivered,
    /// <summary>The receiver answered 410 Gone: the output is to be disabled, not retried.</summary>
    Gone,
    /// <summary>Anything else: to be retried per the schedule.</summary>
    Failed,
}

/// <summary>The result of one attempt by <see cref="WebhookSender"/>.</summary>
/// <param name="Kind">Delivered, gone or failed.</param>
/// <param name="HttpStatus">The receiver's status code, when it answered.</param>
/// <param name="Error">What went wrong, short enough for <c>lastError</c>; null when delivered.</param>
/// <param name="RetryAfter">The receiver's <c>Retry-After</c> on a 429 or 503 (at most 24 h): the next attempt waits at least this.</param>
public sealed record DeliveryOutcome(DeliveryOutcomeKind Kind, int? HttpStatus, string? Error, TimeSpan? RetryAfter)
{
    /// <summary>
    /// True when the attempt says the host is in trouble (no answer, a timeout, 5xx, 408, 429): what counts toward its
    /// breaker in <see cref="WebhookHosts"/>.
    /// </summary>
    /// <remarks>Other 4xx (and 3xx) are answers about this request from a host that works; they must not cut off other rules' alerts to it.</remarks>
    public bool IsHostFailure => Kind == DeliveryOutcomeKind.Failed && HttpStatus is null or >= 500 or 408 or 429;
}
