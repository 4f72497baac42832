using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>
/// Where an event of the record queue stands: its message's sequence in the queue (the order the pulling agent's cache
/// needs, rising across the whole queue), the event's index in the message, and the message's sequence in its stream
/// (gapless per dataset: what a consumer dedupes and orders by).
/// </summary>
[GenerateSerializer, Immutable, Alias("apperate.RecordQueueToken")]
public sealed class RecordQueueToken(long sequenceNumber, int eventIndex, long streamSequence) : StreamSequenceToken
{
    /// <summary>The message's position in its stream: 1, 2, 3, … with no gap.</summary>
    [Id(2)] public long StreamSequence { get; } = streamSequence;

    [Id(0)] public override long SequenceNumber { get; protected set; } = sequenceNumber;

    [Id(1)] public override int EventIndex { get; protected set; } = eventIndex;

    /// <summary>The token of the <paramref name="index"/>th event of the same message.</summary>
    public RecordQueueToken ForEvent(int index) => new(SequenceNumber, index, StreamSequence);

    public override bool Equals(StreamSequenceToken? other) =>
        other is not null && other.SequenceNumber == SequenceNumber && other.EventIndex == EventIndex;

    public override int CompareTo(StreamSequenceToken? other)
    {
        if (other is null) return 1;
        var bySequence = SequenceNumber.CompareTo(other.SequenceNumber);
        return bySequence != 0 ? bySequence : EventIndex.CompareTo(other.EventIndex);
    }

    public override bool Equals(object? obj) => obj is StreamSequenceToken token && Equals(token);

    public override int GetHashCode() => HashCode.Combine(SequenceNumber, EventIndex);

    public override string ToString() => $"[{SequenceNumber}:{EventIndex}, stream {StreamSequence}]";
}
