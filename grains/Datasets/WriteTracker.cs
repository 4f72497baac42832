using System.Collections.Concurrent;

namespace Apperate.Actors.Datasets;

/// <summary>
/// Counts async write items accepted onto the record stream by this process and those committed by dataset grains
/// here, in total and per dataset. A graceful shutdown stops taking writes and waits until everything accepted is
/// stored; a delete or rename waits until the dataset's accepted writes are stored, so they are not left behind.
/// </summary>
/// <remarks>
/// The counts are per process: exact in embedded mode, where the gateway and the dataset grains share the silo.
/// </remarks>
public sealed class WriteTracker
{
    private sealed class Counter
    {
        public long Accepted;
        public long Completed;
    }

    private readonly Counter _total = new();
    private readonly Counter _records = new();
    private readonly ConcurrentDictionary<string, Counter> _datasets = new();
    private readonly object _gate = new();
    private volatile bool _draining;

    /// <summary>True once shutdown has begun: new writes are refused with 503.</summary>
    public bool IsDraining => _draining;

    /// <summary>Items accepted but not yet committed.</summary>
    public long Outstanding => Interlocked.Read(ref _total.Accepted) - Interlocked.Read(ref _total.Completed);

    /// <summary>Records in accepted items not yet committed: what a drain still has to store.</summary>
    public long OutstandingRecords => Interlocked.Read(ref _records.Accepted) - Interlocked.Read(ref _records.Completed);

    /// <summary>An item of <paramref name="records"/> records for the dataset with grain key <paramref name="datasetKey"/> was accepted onto the stream.</summary>
    public void Accepted(string datasetKey, int records = 1)
    {
        Interlocked.Add(ref _records.Accepted, records);
        Interlocked.Increment(ref _total.Accepted);
        Interlocked.Increment(ref _datasets.GetOrAdd(datasetKey, static _ => new Counter()).Accepted);
    }

    /// <summary>A publish attempt failed after <see cref="Accepted"/> was counted (nothing was queued).</summary>
    public void AcceptFailed(string datasetKey, int records = 1) => Completed(datasetKey, records);

    /// <summary>An accepted item was committed (or finally failed and was logged).</summary>
    public void Completed(string datasetKey, int records = 1)
    {
        Interlocked.Add(ref _records.Completed, records);
        Interlocked.Increment(ref _total.Completed);
        Interlocked.Increment(ref _datasets.GetOrAdd(datasetKey, static _ => new Counter()).Completed);
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Stops taking writes and waits until every accepted item has been handled, or the timeout passes.</summary>
    /// <returns>The number of items still outstanding (0 when fully drained).</returns>
    public async Task<long> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _draining = true;
        await WaitAsync(() => Outstanding, timeout, cancellationToken);
        return Outstanding;
    }

    /// <summary>
    /// Waits until every item accepted so far for one dataset has been handled, or the timeout passes.
    /// Items accepted later are not waited for.
    /// </summary>
    /// <returns>True when they all were.</returns>
    public async Task<bool> WaitForDatasetAsync(string datasetKey, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!_datasets.TryGetValue(datasetKey, out var counter)) return true;
        var target = Interlocked.Read(ref counter.Accepted);
        await WaitAsync(() => target - Interlocked.Read(ref counter.Completed), timeout, cancellationToken);
        return Interlocked.Read(ref counter.Completed) >= target;
    }

    private async Task WaitAsync(Func<long> outstanding, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (outstanding() > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            // Commits pulse the monitor; waking every 20 ms as well keeps this simple and bounded.
            await Task.Run(() => { lock (_gate) { if (outstanding() > 0) Monitor.Wait(_gate, 20); } }, CancellationToken.None);
        }
    }
}
