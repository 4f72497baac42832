namespace Apperate.Actors.Gateway.Errors;

/// <summary>An HTTP-level failure (401, 403, 413, 415, 429, 503) raised by the gateway itself.</summary>
public sealed class ProblemException(int status, string detail, IReadOnlyList<FieldError>? errors = null, TimeSpan? retryAfter = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public IReadOnlyList<FieldError> Errors { get; } = errors ?? [];
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ProblemException BadRequest(string field, string reason) => new(400, $"{field}: {reason}", [new FieldError(null, field, reason)]);
}
