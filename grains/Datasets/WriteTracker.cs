using System.Collections.Concurrent;

namespace Apperate.Actors.Datasets;

/// <summary>
/// The async write items this process put on the record stream and not yet acknowledged as stored, in total and per
/// dataset. A graceful shutdown stops taking writes and waits until everything accepted is stored; a delete or rename
/// waits until the dataset's accepted writes are stored, so they are not left behind; the gateway refuses async
/// writes (429) while too many are outstanding.
/// </summary>
/// <remarks>
/// <para>
/// Every item carries a <see cref="WriteReceipt"/>: this process's <see cref="ProcessId"/> and the item's sequence
/// number. The dataset grain that stores it acknowledges it: directly when it runs in this process (embedded mode),
/// through the <see cref="IWriteAcknowledgements"/> observer otherwise (a cluster, a standalone gateway). An item is
/// acknowledged at most once, whichever way it was stored.
/// </para>
/// <para>
/// Memory streams are not durable: a silo that dies (or stops while other processes' items wait in the stream queues
/// it hosts) takes those items with it. In cluster mode the tracker keeps every unacknowledged item, so
/// <see cref="WriteRecovery"/> can store the ones left unacknowledged too long with a direct grain call.
/// </para>
/// </remarks>
public sealed class WriteTracker
{
    private sealed class Counter
    {
        public long Accepted;
        public long Completed;
    }

    /// <param name="Batch">The item itself, kept only when it may have to be stored again (cluster mode).</param>
    private sealed record Item(string DatasetKey, int Records, RecordBatch? Batch, long AcceptedAt);

    private readonly Counter _total = new();
    private readonly Counter _records = new();
    private readonly ConcurrentDictionary<string, Counter> _datasets = new();
    private readonly ConcurrentDictionary<long, Item> _items = new();
    private readonly object _gate = new();
    private long _sequence;
    private volatile bool _draining;
    private volatile IWriteAcknowledgements? _acknowledgements;

    private readonly bool _cluster;

    /// <summary>The embedded mode's tracker: every dataset grain runs in this process and nothing is lost on the way to it.</summary>
    public WriteTracker() : this(cluster: false)
    {
    }

    /// <param name="cluster">
    /// True (cluster mode, standalone gateways): every receipt names this process's <see cref="IWriteAcknowledgements"/>
    /// observer, since the dataset grain may run elsewhere, and every item is kept until acknowledged, so
    /// <see cref="WriteRecovery"/> can store it again. Both cost (a reference serialized and materialized per stream
    /// item, items kept alive for the garbage collector: ~15 % of batched write throughput together), so the embedded
    /// mode does neither.
    /// </param>
    public WriteTracker(bool cluster) => _cluster = cluster;

    /// <summary>This process's id on the receipts of the items it publishes.</summary>
    public Guid ProcessId { get; } = Guid.NewGuid();

    /// <summary>True once shutdown has begun: new writes are refused with 503.</summary>
    public bool IsDraining => _draining;

    /// <summary>True once dataset grains in other processes can acknowledge this process's items.</summary>
    public bool CanReceiveAcknowledgements => _acknowledgements is not null;

    /// <summary>Items accepted but not yet acknowledged.</summary>
    public long Outstanding => Interlocked.Read(ref _total.Accepted) - Interlocked.Read(ref _total.Completed);

    /// <summary>Records in accepted items not yet acknowledged: what a drain still has to store.</summary>
    public long OutstandingRecords => Interlocked.Read(ref _records.Accepted) - Interlocked.Read(ref _records.Completed);

    /// <summary>Sets where dataset grains in other processes send acknowledgements (see <see cref="WriteRecovery"/>).</summary>
    public void Attach(IWriteAcknowledgements acknowledgements) => _acknowledgements = acknowledgements;

    /// <summary>
    /// Counts <paramref name="item"/>, bound for the dataset with grain key <paramref name="datasetKey"/>, as accepted and
    /// returns it with its receipt: publish that one.
    /// </summary>
    public RecordBatch Accept(string datasetKey, RecordBatch item)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var receipted = item with { Receipt = new WriteReceipt(ProcessId, sequence, _cluster ? _acknowledgements : null) };
        _items[sequence] = new Item(datasetKey, item.Rows.Length, _cluster ? item : null, Environment.TickCount64);
        Interlocked.Add(ref _records.Accepted, item.Rows.Length);
        Interlocked.Increment(ref _total.Accepted);
        Interlocked.Increment(ref _datasets.GetOrAdd(datasetKey, static _ => new Counter()).Accepted);
        return receipted;
    }

    /// <summary>The item with this sequence number is stored, finally failed, or was never published; a second acknowledgement changes nothing.</summary>
    /// <returns>True when it was outstanding.</returns>
    public bool Acknowledge(long sequence)
    {
        if (!_items.TryRemove(sequence, out var item)) return false;
        Interlocked.Add(ref _records.Completed, item.Records);
        Interlocked.Increment(ref _total.Completed);
        Interlocked.Increment(ref _datasets.GetOrAdd(item.DatasetKey, static _ => new Counter()).Completed);
        lock (_gate) Monitor.PulseAll(_gate);
        return true;
    }

    /// <summary>True while the item with this sequence number is accepted and not yet acknowledged.</summary>
    public bool IsOutstanding(long sequence) => _items.ContainsKey(sequence);

    /// <summary>
    /// Outstanding items accepted at least <paramref name="age"/> ago, oldest first, without their receipts; none in the embedded
    /// mode, which does not keep them.
    /// </summary>
    public IReadOnlyList<(long Sequence, string DatasetKey, RecordBatch Batch)> AcceptedBefore(TimeSpan age)
    {
        var cutoff = Environment.TickCount64 - (long)age.TotalMilliseconds;
        return _items.Where(e => e.Value.Batch is not null && e.Value.AcceptedAt <= cutoff).OrderBy(e => e.Key)
            .Select(e => (e.Key, e.Value.DatasetKey, e.Value.Batch!)).ToList();
    }

    /// <summary>Stops taking writes and waits until every accepted item has been acknowledged, or the timeout passes.</summary>
    /// <returns>The number of items still outstanding (0 when fully drained).</returns>
    public async Task<long> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _draining = true;
        await WaitAsync(() => Outstanding, timeout, cancellationToken);
        return Outstanding;
    }

    /// <summary>
    /// Waits until every item accepted so far for one dataset has been acknowledged, or the timeout passes.
    /// Items accepted later are not waited for.
    /// </summary>
    /// <returns>True when they all were.</returns>
    public async Task<bool> WaitForDatasetAsync(string datasetKey, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!_datasets.TryGetValue(datasetKey, out var counter)) return true;
        var upTo = Interlocked.Read(ref _sequence);
        // Acknowledgements from other processes may arrive out of order: look for the items themselves.
        long Waiting() => Interlocked.Read(ref counter.Accepted) == Interlocked.Read(ref counter.Completed) ? 0
            : _items.Count(e => e.Key <= upTo && e.Value.DatasetKey == datasetKey);
        await WaitAsync(Waiting, timeout, cancellationToken);
        return Waiting() == 0;
    }

    private async Task WaitAsync(Func<long> outstanding, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (outstanding() > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            // Acknowledgements pulse the monitor; waking every 20 ms as well keeps this simple and bounded.
            await Task.Run(() => { lock (_gate) { if (outstanding() > 0) Monitor.Wait(_gate, 20); } }, CancellationToken.None);
        }
    }
}
