namespace Apperate.Actors.Storage.Queue;

/// <summary>One message to enqueue: its queue, the stream it belongs to and its serialized payload.</summary>
/// <param name="QueueId">The queue (a stream's queue is fixed by the stream queue mapper).</param>
/// <param name="StreamKey">The stream (a dataset): its messages get a gapless sequence of their own.</param>
/// <param name="Payload">The serialized message.</param>
public readonly record struct QueueItem(int QueueId, string StreamKey, byte[] Payload);

/// <summary>Where an enqueued message went.</summary>
/// <param name="Sequence">Its position in its queue: rising in commit order, never reused.</param>
/// <param name="StreamSequence">Its position in its stream: 1, 2, 3, … with no gap, in queue order.</param>
public readonly record struct QueuePosition(long Sequence, long StreamSequence);

/// <summary>A stored message as read back.</summary>
public sealed record QueuedMessage(int QueueId, long Sequence, string StreamKey, long StreamSequence, byte[] Payload, long Created);

/// <summary>The queue holds as many unacknowledged messages as it may: the producer should retry later.</summary>
public sealed class QueueFullException(int queueId, long pending, long limit)
    : Exception($"Queue {queueId} holds {pending} unacknowledged messages, its limit is {limit}; try again later.")
{
    public int QueueId { get; } = queueId;
}

/// <summary>
/// A durable, bounded log of messages in numbered queues, kept in a database: what is enqueued is on disk when
/// <see cref="EnqueueAsync"/> returns, is read back in order until it is acknowledged, and is gone once acknowledged.
/// </summary>
/// <remarks>
/// Concurrent enqueues are group-committed: one transaction per group. Within a queue, sequence order is commit order,
/// also across processes sharing the database (the queue's head row is locked to commit). Implementations are
/// thread-safe.
/// </remarks>
public interface IRecordQueue
{
    /// <summary>
    /// Stores <paramref name="items"/> in order, all or none, and returns their positions. Throws
    /// <see cref="QueueFullException"/> when a queue would pass its limit of unacknowledged messages.
    /// </summary>
    Task<QueuePosition[]> EnqueueAsync(IReadOnlyList<QueueItem> items, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> messages of <paramref name="queueId"/> after <paramref name="afterSequence"/>, in sequence order.</summary>
    Task<QueuedMessage[]> ReadAsync(int queueId, long afterSequence, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// The unacknowledged messages of one stream after <paramref name="afterStreamSequence"/>, in stream order, whatever
    /// their queue: what a consumer still has to apply before an operation that must come after every accepted message.
    /// </summary>
    Task<QueuedMessage[]> ReadStreamAsync(string streamKey, long afterStreamSequence, CancellationToken cancellationToken = default);

    /// <summary>Forgets delivered messages; acknowledging one twice, or one that does not exist, changes nothing.</summary>
    Task AcknowledgeAsync(int queueId, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default);

    /// <summary>The sequence before the oldest unacknowledged message of <paramref name="queueId"/>: where a new reader starts.</summary>
    Task<long> ReadStartAsync(int queueId, CancellationToken cancellationToken = default);

    /// <summary>How many messages of <paramref name="queueId"/> are not acknowledged.</summary>
    Task<long> PendingAsync(int queueId, CancellationToken cancellationToken = default);
}
