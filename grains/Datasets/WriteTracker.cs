namespace Apperate.Actors.Datasets;

/// <summary>
/// Counts async write items accepted onto the record stream by this process and those committed by dataset grains
/// here, so a graceful shutdown can stop taking writes and wait until everything accepted has been stored.
/// </summary>
/// <remarks>
/// The counts are per process: exact in embedded mode, where the gateway and the dataset grains share the silo.
/// </remarks>
public sealed class WriteTracker
{
    private long _accepted;
    private long _completed;
    private volatile bool _draining;
    private readonly object _gate = new();

    /// <summary>True once shutdown has begun: new writes are refused with 503.</summary>
    public bool IsDraining => _draining;

    /// <summary>Items accepted but not yet committed.</summary>
    public long Outstanding => Interlocked.Read(ref _accepted) - Interlocked.Read(ref _completed);

    /// <summary>An item was accepted onto the stream.</summary>
    public void Accepted() => Interlocked.Increment(ref _accepted);

    /// <summary>A publish attempt failed after <see cref="Accepted"/> was counted (nothing was queued).</summary>
    public void AcceptFailed() => Completed();

    /// <summary>An accepted item was committed (or finally failed and was logged).</summary>
    public void Completed()
    {
        Interlocked.Increment(ref _completed);
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Stops taking writes and waits until every accepted item has been handled, or the timeout passes.</summary>
    /// <returns>The number of items still outstanding (0 when fully drained).</returns>
    public async Task<long> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _draining = true;
        var deadline = DateTime.UtcNow + timeout;
        while (Outstanding > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            // Commits signal the monitor; waking every 20 ms as well keeps this simple and bounded.
            await Task.Run(() => { lock (_gate) { if (Outstanding > 0) Monitor.Wait(_gate, 20); } }, CancellationToken.None);
        }
        return Outstanding;
    }
}
