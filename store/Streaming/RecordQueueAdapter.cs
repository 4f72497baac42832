using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Orleans.Serialization;
using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>
/// Publishes stream events into the <see cref="IRecordQueue"/>: one queue message per producer call, in the queue the
/// stream maps to. The call returns once the message is durable; a full queue throws <see cref="QueueFullException"/>
/// back to the producer. Receivers (silos only) acknowledge what <paramref name="store"/> has applied; what this process
/// published, its own receivers deliver from <paramref name="published"/> without deserializing it again.
/// </summary>
public sealed class RecordQueueAdapter(string name, IRecordQueue queue, Serializer serializer, IStreamQueueMapper mapper, IRecordStore? store = null,
    PublishedEvents? published = null) : IQueueAdapter
{
    public string Name { get; } = name;

    /// <summary>A reader starts at the oldest unacknowledged message, never at a token.</summary>
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new RecordQueueReceiver(queue, QueueNumber(queueId), serializer,
        store ?? throw new InvalidOperationException("Reading the record stream needs the record store, whose recorded positions say what is applied."),
        published);

    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null) throw new ArgumentException("The record queue gives messages their sequence; a producer cannot.", nameof(token));
        var list = events.Cast<object>().ToList();
        // Consumers order and dedupe by the message's stream sequence, which every event of a message shares.
        if (list.Count != 1) throw new ArgumentException("The record queue takes one event per message.", nameof(events));
        var payload = serializer.SerializeToArray(list);
        var queueNumber = QueueNumber(mapper.GetQueueForStream(streamId));
        var positions = await queue.EnqueueAsync([new QueueItem(queueNumber, StreamKey(streamId), payload)]).ConfigureAwait(false);
        published?.Add(queueNumber, positions[0].Sequence, list);
    }

    /// <summary>The events of a stored message.</summary>
    public static List<object> Events(Serializer serializer, byte[] payload) => serializer.Deserialize<List<object>>(payload) ?? [];

    /// <summary>The queue's number in the record queue's tables.</summary>
    public static int QueueNumber(QueueId queueId) => (int)queueId.GetNumericId();

    /// <summary>The stream's key in the record queue's tables (namespace and key, as Orleans prints them).</summary>
    public static string StreamKey(StreamId streamId) => streamId.ToString();
}
