using System.Collections.Concurrent;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Streaming;

/// <summary>
/// The events this process published onto the record queue, by queue position, until a receiver of this process reads
/// their message: it then delivers them as published instead of deserializing the payload it read back (the payload
/// stays what is durable, and what every other process reads). Saves the stream's largest allocation (the rows built
/// again) whenever the silo that accepted a write also owns its queue, as in embedded mode. Bounded by rows: past
/// <paramref name="maxRows"/> the oldest are dropped, and their messages are deserialized as usual.
/// </summary>
public sealed class PublishedEvents(int maxRows = PublishedEvents.DefaultMaxRows)
{
    /// <summary>Rows held at most by default: a few deliveries' worth per queue.</summary>
    public const int DefaultMaxRows = 200_000;

    private readonly ConcurrentDictionary<(int Queue, long Sequence), (List<object> Events, int Rows)> _items = new();
    private readonly ConcurrentQueue<(int Queue, long Sequence)> _order = new();
    private int _rows;

    /// <summary>How many messages' events are held.</summary>
    public int Count => _items.Count;

    /// <summary>Holds the events of the message at <paramref name="sequence"/> of queue <paramref name="queue"/>.</summary>
    public void Add(int queue, long sequence, List<object> events)
    {
        var rows = 0;
        foreach (var e in events) rows += e is RecordBatch batch ? batch.Rows.Length : 1;
        if (!_items.TryAdd((queue, sequence), (events, rows))) return;
        _order.Enqueue((queue, sequence));
        Interlocked.Add(ref _rows, rows);
        // Forget the oldest: those already taken, then, past the bound, those not taken yet (another process reads them).
        while (_order.TryPeek(out var oldest) && (!_items.ContainsKey(oldest) || Volatile.Read(ref _rows) > maxRows || _order.Count > maxRows))
        {
            if (!_order.TryDequeue(out oldest)) break;
            if (_items.TryRemove(oldest, out var dropped)) Interlocked.Add(ref _rows, -dropped.Rows);
        }
    }

    /// <summary>The events published as the message at <paramref name="sequence"/>, or null when this process does not hold them.</summary>
    public List<object>? Take(int queue, long sequence)
    {
        if (!_items.TryRemove((queue, sequence), out var item)) return null;
        Interlocked.Add(ref _rows, -item.Rows);
        return item.Events;
    }
}
