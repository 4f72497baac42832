namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// The answer of <see cref="WebhookHosts.EnterAsync"/>: either a slot for one request to the host (<see cref="Granted"/>),
/// to be given back with <see cref="Complete"/>, or a refusal while the host's breaker is open, with the time of its
/// next probe (<see cref="RetryAt"/>).
/// </summary>
/// <remarks>
/// <see cref="Dispose"/> gives the slot back without a verdict, so a <c>using</c> keeps a slot from leaking when the
/// request throws; only <see cref="Complete"/> moves the breaker.
/// </remarks>
public sealed class HostLease : IDisposable
{
    private readonly Action<bool?>? _release;
    private int _released;

    internal HostLease(Action<bool?> release, bool isProbe)
    {
        _release = release;
        Granted = true;
        IsProbe = isProbe;
    }

    private HostLease(DateTimeOffset retryAt) => RetryAt = retryAt;

    /// <summary>True: the request may be sent now. False: the host's breaker is open; try again at <see cref="RetryAt"/> without counting an attempt.</summary>
    public bool Granted { get; }

    /// <summary>When not <see cref="Granted"/>: when the host will next be probed.</summary>
    public DateTimeOffset? RetryAt { get; }

    /// <summary>True when this request is the probe of a host whose breaker is open: its success closes the breaker.</summary>
    public bool IsProbe { get; }

    /// <summary>Gives the slot back and tells the breaker how the host did.</summary>
    /// <param name="success">
    /// False for a failure of the host (timeout, connection error, 5xx, 408, 429); true for anything else, including a
    /// 4xx that is the request's fault (see <see cref="DeliveryOutcome.IsHostFailure"/>).
    /// </param>
    public void Complete(bool success) => Release(success);

    /// <summary>Gives the slot back, if <see cref="Complete"/> has not, without a verdict.</summary>
    public void Dispose() => Release(null);

    internal static HostLease Postponed(DateTimeOffset retryAt) => new(retryAt);

    private void Release(bool? success)
    {
        if (_release is not null && Interlocked.Exchange(ref _released, 1) == 0) _release(success);
    }
}
