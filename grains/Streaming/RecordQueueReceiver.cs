using Apperate.Actors.Storage.Queue;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>
/// Reads one queue of the <see cref="IRecordQueue"/> for its pulling agent, as a log: from the oldest unacknowledged
/// message on, in sequence order, and acknowledges what every consumer has handled. A new owner of the queue (another
/// silo, a restart) reads again from the oldest unacknowledged message, so what was not handled is delivered again.
/// </summary>
public sealed class RecordQueueReceiver(IRecordQueue queue, int queueNumber, Serializer serializer) : IQueueAdapterReceiver
{
    private long _readPosition;

    public async Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(timeout);
        _readPosition = await queue.ReadStartAsync(queueNumber, cancel.Token).ConfigureAwait(false);
    }

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var messages = await queue.ReadAsync(queueNumber, _readPosition, Math.Max(1, maxCount), cancellationToken).ConfigureAwait(false);
        var batches = new List<IBatchContainer>(messages.Length);
        foreach (var m in messages)
        {
            var events = RecordQueueAdapter.Events(serializer, m.Payload);
            batches.Add(new RecordQueueBatch(StreamIdOf(m.StreamKey), events, new RecordQueueToken(m.Sequence, 0, m.StreamSequence)));
            _readPosition = m.Sequence;
        }
        return batches;
    }

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return;
        var sequences = messages.Select(m => m.SequenceToken.SequenceNumber).ToArray();
        // The agent ignores a failure here; a message left unacknowledged is delivered again to the queue's next owner,
        // and consumers skip what they already applied. So try a few times, then leave it.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await queue.AcknowledgeAsync(queueNumber, sequences, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(100 * attempt, cancellationToken).ConfigureAwait(false);
            }
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
