using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Per destination host (the URL's host name, ignoring case): at most <see cref="RulesOptions.MaxConcurrencyPerHost"/>
/// requests at once, waiting in order, and a circuit breaker that opens after
/// <see cref="RulesOptions.BreakerThreshold"/> consecutive failures; then one probe goes out every
/// <see cref="RulesOptions.BreakerProbeInterval"/> and the first success closes it.
/// </summary>
/// <remarks>
/// One instance per silo. The limits protect receivers (and this silo's sockets) from a burst of alerts across many
/// rules pointing at one host; the breaker keeps a dead host from taking a slot and a timeout for every alert of every
/// rule that points at it. A refusal by the breaker is not an attempt: the caller postpones the alert to
/// <see cref="HostLease.RetryAt"/> and its retry schedule is untouched.
/// </remarks>
public sealed class WebhookHosts(IOptions<RulesOptions> options, TimeProvider time)
{
    private readonly int _maxInFlight = options.Value.MaxConcurrencyPerHost;
    private readonly int _threshold = options.Value.BreakerThreshold;
    private readonly TimeSpan _probeInterval = options.Value.BreakerProbeInterval;
    private readonly ConcurrentDictionary<string, Host> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Waits for a slot for one request to <paramref name="host"/> (first come, first served). While the host's breaker
    /// is open, answers at once with a lease that is not granted, unless a probe is due: then this request is the probe.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled while waiting.</exception>
    public ValueTask<HostLease> EnterAsync(string host, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = _hosts.GetOrAdd(host, _ => new Host());
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (state)
        {
            var probe = false;
            if (state.Open)
            {
                var now = time.GetUtcNow();
                if (state.Probing || now < state.NextProbeAt) return ValueTask.FromResult(HostLease.Postponed(state.NextProbeAt));
                // Callers that come while the probe is out are told to come back one interval later.
                state.Probing = true;
                state.NextProbeAt = now + _probeInterval;
                probe = true;
            }
            if (state.InFlight < _maxInFlight && state.Waiters.Count == 0)
            {
                state.InFlight++;
                return ValueTask.FromResult(Lease(state, probe));
            }
            waiter = new Waiter(probe);
            node = state.Waiters.AddLast(waiter);
        }
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(() => Abandon(state, node, cancellationToken));
            if (waiter.Completion.Task.IsCompleted) waiter.Registration.Unregister();
        }
        return new ValueTask<HostLease>(waiter.Completion.Task);
    }

    /// <summary>What is known about <paramref name="host"/> now.</summary>
    public HostStatus Status(string host)
    {
        if (!_hosts.TryGetValue(host, out var state)) return new HostStatus(0, 0, 0, false, null);
        lock (state)
            return new HostStatus(state.InFlight, state.Waiters.Count, state.Failures, state.Open, state.Open ? state.NextProbeAt : null);
    }

    private HostLease Lease(Host state, bool probe) => new(success => Release(state, probe, success), probe);

    private void Release(Host state, bool probe, bool? success)
    {
        lock (state)
        {
            state.InFlight--;
            var now = time.GetUtcNow();
            if (probe) state.Probing = false;
            if (success == true)
            {
                state.Failures = 0;
                state.Open = false;
            }
            else if (success == false)
            {
                state.Failures++;
                if (state.Open && probe) state.NextProbeAt = now + _probeInterval;
                else if (!state.Open && state.Failures >= _threshold)
                {
                    state.Open = true;
                    state.NextProbeAt = now + _probeInterval;
                }
            }
            else if (probe)
            {
                // A probe that ended without a verdict (its caller gave up) proved nothing: the next caller probes.
                state.NextProbeAt = now;
            }
            Admit(state);
        }
    }

    private void Admit(Host state)
    {
        while (state.Waiters.First is { } node)
        {
            var waiter = node.Value;
            if (state.Open && !waiter.Probe)
            {
                state.Waiters.RemoveFirst();
                waiter.Complete(HostLease.Postponed(state.NextProbeAt));
                continue;
            }
            if (state.InFlight >= _maxInFlight) break;
            state.Waiters.RemoveFirst();
            state.InFlight++;
            waiter.Complete(Lease(state, waiter.Probe));
        }
    }

    private void Abandon(Host state, LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        lock (state)
        {
            if (node.List is null) return;
            state.Waiters.Remove(node);
            if (node.Value.Probe)
            {
                state.Probing = false;
                state.NextProbeAt = time.GetUtcNow();
            }
            node.Value.Completion.TrySetCanceled(cancellationToken);
            Admit(state);
        }
    }

    private sealed class Host
    {
        public int InFlight;
        public int Failures;
        public bool Open;
        public bool Probing;
        public DateTimeOffset NextProbeAt;
        public readonly LinkedList<Waiter> Waiters = new();
    }

    private sealed class Waiter(bool probe)
    {
        public bool Probe => probe;

        public TaskCompletionSource<HostLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public void Complete(HostLease lease)
        {
            // Unregister, not Dispose: Dispose would wait for a running cancellation callback, which waits for our lock.
            Registration.Unregister();
            Completion.TrySetResult(lease);
        }
    }
}

/// <summary>A host's state in <see cref="WebhookHosts"/>.</summary>
/// <param name="InFlight">Requests holding a slot.</param>
/// <param name="Waiting">Requests waiting for one.</param>
/// <param name="ConsecutiveFailures">Host failures since the last success.</param>
/// <param name="Open">True while the breaker is open.</param>
/// <param name="NextProbeAt">While open: when the next probe may go.</param>
public readonly record struct HostStatus(int InFlight, int Waiting, int ConsecutiveFailures, bool Open, DateTimeOffset? NextProbeAt);
