using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>One message of the record queue as the pulling agent delivers it: the events one producer call published.</summary>
[GenerateSerializer, Immutable, Alias("apperate.RecordQueueBatch")]
public sealed class RecordQueueBatch(StreamId streamId, List<object> events, RecordQueueToken token) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] public List<object> Events { get; } = events;

    [Id(2)] public RecordQueueToken Token { get; } = token;

    public StreamSequenceToken SequenceToken => Token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Events.Select((e, i) => (e, i)).Where(p => p.e is T).Select(p => Tuple.Create((T)p.e, (StreamSequenceToken)Token.ForEvent(p.i)));

    public bool ImportRequestContext() => false;
}
