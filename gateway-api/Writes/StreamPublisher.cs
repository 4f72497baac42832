using System.Collections.Concurrent;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Storage.Queue;
using Orleans.Streams;

namespace Apperate.Actors.Gateway.Writes;

/// <summary>
/// Publishes async writes to the datasets' record streams: requests to one dataset that arrive while its items are on
/// their way into the record queue are merged into the next stream items (group publish, like the dataset grain's
/// group commit), and up to <see cref="MaxItemsInFlight"/> items per dataset are handed over at once, in order. Each request is answered once the item holding its records is on the stream, that is on disk in the
/// record queue: from then on the dataset grain stores it exactly once, whatever process dies.
/// </summary>
/// <remarks>
/// <para>
/// Every stream item costs a serialization, a call to the queue, a copy, a deserialization and a delivery call, whatever
/// its size; one item per one-record request made the stream most of the service's CPU. Merged items keep each
/// request's records together and in order, and stay within <see cref="RecordStreams.MaxItemRows"/> records and
/// <see cref="RecordWriter.MaxStreamItemBodyBytes"/> of request body.
/// </para>
/// </remarks>
public sealed class StreamPublisher
{
    private readonly ConcurrentDictionary<string, DatasetQueue> _queues = new(StringComparer.Ordinal);

    /// <summary>Publishes <paramref name="batch"/> (parsed from <paramref name="bodyBytes"/> bytes of request body); completes when it is on the stream.</summary>
    /// <exception cref="ProblemException">429 when the record queue is full; nothing of the batch was queued.</exception>
    public Task PublishAsync(string datasetKey, IAsyncStream<RecordBatch> stream, RecordBatch batch, long bodyBytes)
    {
        var pending = new Pending(batch, bodyBytes);
        var queue = _queues.GetOrAdd(datasetKey, static _ => new DatasetQueue());
        queue.Enqueue(stream, pending);
        return pending.Completion.Task;
    }

    private sealed class Pending(RecordBatch batch, long bodyBytes)
    {
        public RecordBatch Batch { get; } = batch;
        public long BodyBytes { get; } = bodyBytes;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Items of one dataset handed to the record queue and not yet committed, at most.</summary>
    private const int MaxItemsInFlight = 4;

    private sealed class DatasetQueue
    {
        private readonly object _gate = new();
        private readonly List<Pending> _pending = [];
        private IAsyncStream<RecordBatch>? _stream;
        private bool _running;

        public void Enqueue(IAsyncStream<RecordBatch> stream, Pending pending)
        {
            lock (_gate)
            {
                _pending.Add(pending);
                _stream = stream;
                if (_running) return;
                _running = true;
            }
            // The first request publishes on its own thread; requests arriving meanwhile wait for the next round.
            _ = RunAsync();
        }

        private async Task RunAsync()
        {
            // Items handed to the record queue, oldest first. The queue commits what waits for it in one transaction, in
            // the order it was handed over, so several items in flight cost one commit and keep their order.
            var inFlight = new Queue<Task>();
            while (true)
            {
                Pending[]? group = null;
                IAsyncStream<RecordBatch>? stream = null;
                lock (_gate)
                {
                    if (_pending.Count > 0)
                    {
                        group = [.. _pending];
                        _pending.Clear();
                        stream = _stream!;
                    }
                    else if (inFlight.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                }
                if (group is null)
                {
                    // Requests arriving meanwhile merge into the next items.
                    await inFlight.Dequeue();
                    continue;
                }
                foreach (var item in Merge(group))
                {
                    while (inFlight.Count >= MaxItemsInFlight) await inFlight.Dequeue();
                    inFlight.Enqueue(PublishItemAsync(stream!, item));
                }
            }
        }

        private async Task PublishItemAsync(IAsyncStream<RecordBatch> stream, List<Pending> item)
        {
            var batch = item.Count == 1 ? item[0].Batch : Concat(item);
            Exception? failure = null;
            try
            {
                await stream.OnNextAsync(batch);
            }
            catch (QueueFullException)
            {
                failure = new ProblemException(429, "The write queue is full; nothing was written. Retry after a moment, or use wait=true.", retryAfter: TimeSpan.FromSeconds(1));
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            foreach (var pending in item)
            {
                if (failure is null) pending.Completion.TrySetResult();
                else pending.Completion.TrySetException(failure);
            }
        }

        /// <summary>Splits a group into stream items: same columns and options, within the item limits, in arrival order.</summary>
        private static List<List<Pending>> Merge(Pending[] group)
        {
            var items = new List<List<Pending>>();
            List<Pending>? open = null;
            int rows = 0;
            long bytes = 0;
            foreach (var pending in group)
            {
                var batch = pending.Batch;
                if (open is null || !SameShape(open[0].Batch, batch) ||
                    rows + batch.Rows.Length > RecordStreams.MaxItemRows || bytes + pending.BodyBytes > RecordWriter.MaxStreamItemBodyBytes)
                {
                    open = [];
                    items.Add(open);
                    rows = 0;
                    bytes = 0;
                }
                open.Add(pending);
                rows += batch.Rows.Length;
                bytes += pending.BodyBytes;
            }
            return items;
        }

        private static bool SameShape(RecordBatch a, RecordBatch b) =>
            a.Duplicates == b.Duplicates && a.Persist == b.Persist && a.NoEvents == b.NoEvents && a.FreezeState == b.FreezeState &&
            a.Columns.AsSpan().SequenceEqual(b.Columns);

        private static RecordBatch Concat(List<Pending> item)
        {
            var rows = new RecordRow[item.Sum(p => p.Batch.Rows.Length)];
            var at = 0;
            foreach (var pending in item)
            {
                pending.Batch.Rows.CopyTo(rows, at);
                at += pending.Batch.Rows.Length;
            }
            return item[0].Batch with { Rows = rows };
        }
    }
}
