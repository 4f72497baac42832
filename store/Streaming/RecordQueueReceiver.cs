using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Orleans.Serialization;
using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>
/// Reads one queue of the <see cref="IRecordQueue"/> for its pulling agent, as a log: from the oldest unacknowledged
/// message on, in sequence order. A delivered message is acknowledged once the record store has applied it (its stream
/// position is recorded with the records), not merely once it was handed over: a dataset grain takes the next delivery
/// while it commits the last. A new owner of the queue (another silo, a restart) reads again from the oldest
/// unacknowledged message, so what was not stored is delivered again, and what was is skipped. Messages this process
/// published are delivered from <see cref="PublishedEvents"/> when it still holds them (the same events, not built again).
/// </summary>
public sealed class RecordQueueReceiver(IRecordQueue queue, int queueNumber, Serializer serializer, IRecordStore store, PublishedEvents? published = null)
    : IQueueAdapterReceiver
{
    private readonly List<(long Sequence, string Stream, long StreamSequence)> _delivered = [];
    private readonly SemaphoreSlim _acknowledging = new(1, 1);
    private long _readPosition;

    public async Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(timeout);
        _readPosition = await queue.ReadStartAsync(queueNumber, cancel.Token).ConfigureAwait(false);
    }

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        // Delivered messages whose records were still being committed at the last acknowledgement: try them again.
        if (_delivered.Count > 0) await AcknowledgeAppliedAsync(cancellationToken).ConfigureAwait(false);
        var messages = await queue.ReadAsync(queueNumber, _readPosition, Math.Max(1, maxCount), cancellationToken).ConfigureAwait(false);
        var batches = new List<IBatchContainer>(messages.Length);
        foreach (var m in messages)
        {
            var events = published?.Take(queueNumber, m.Sequence) ?? RecordQueueAdapter.Events(serializer, m.Payload);
            batches.Add(new RecordQueueBatch(StreamIdOf(m.StreamKey), events, new RecordQueueToken(m.Sequence, 0, m.StreamSequence)));
            _readPosition = m.Sequence;
        }
        return batches;
    }

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return;
        await _acknowledging.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var message in messages)
                if (message is RecordQueueBatch batch)
                    _delivered.Add((batch.Token.SequenceNumber, batch.StreamId.GetKeyAsString(), batch.Token.StreamSequence));
        }
        finally
        {
            _acknowledging.Release();
        }
        await AcknowledgeAppliedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Acknowledges the delivered messages the store has applied; the others wait for a later round.</summary>
    private async Task AcknowledgeAppliedAsync(CancellationToken cancellationToken)
    {
        await _acknowledging.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (_, stream, _) in _delivered)
                if (!applied.ContainsKey(stream)) applied[stream] = await store.AppliedAsync(stream, cancellationToken).ConfigureAwait(false);
            var done = _delivered.Where(d => d.StreamSequence <= applied[d.Stream]).Select(d => d.Sequence).ToArray();
            if (done.Length == 0) return;
            await queue.AcknowledgeAsync(queueNumber, done, cancellationToken).ConfigureAwait(false);
            _delivered.RemoveAll(d => d.StreamSequence <= applied[d.Stream]);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Left for the next round; a message acknowledged late is only read again by a new owner, and skipped.
        }
        finally
        {
            _acknowledging.Release();
        }
    }

    public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    [Obsolete("Orleans calls the overload with a CancellationToken.")]
    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    [Obsolete("Orleans calls the overload with a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    [Obsolete("Orleans calls the overload with a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    [Obsolete("Orleans calls the overload with a CancellationToken.")]
    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    private static StreamId StreamIdOf(string key)
    {
        // RecordQueueAdapter.StreamKey writes StreamId.ToString(): "<namespace>/<key>".
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? StreamId.Create("", key) : StreamId.Create(key[..slash], key[(slash + 1)..]);
    }
}
