using System.Threading.Channels;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Gateway.Live;

/// <summary>Records handed to one subscriber: stored records (with their sequences) or events that were not stored.</summary>
/// <param name="Properties">The schema's properties the rows' values are aligned with.</param>
/// <param name="Rows">The rows, in commit order.</param>
/// <param name="Events">True for <c>persist=false</c> events (no sequence to resume from).</param>
public sealed record LiveBatch(PropertyDefinition[] Properties, StoredRow[] Rows, bool Events);

/// <summary>
/// One live connection's queue. The dataset's feed delivers the records of the keys asked for, commit by commit, up to <see cref="LiveOptions.QueueLimit"/> records waiting. A subscriber that falls further behind is cut off
/// (<see cref="Overflowed"/>; its connection is closed) rather than slowing the feed: it loses nothing, because it
/// resumes from the last sequence it received.
/// </summary>
public sealed class LiveSubscriber
{
    private readonly Channel<LiveBatch> _queue = Channel.CreateUnbounded<LiveBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string>? _keys;
    private readonly bool _events;
    private readonly Action _cutOff;
    private readonly int _capacity;
    private int _waiting;

    /// <param name="keys">The keys to keep; null keeps every key.</param>
    /// <param name="events">Whether <c>persist=false</c> events are wanted.</param>
    /// <param name="capacity">Records that may wait before the subscriber is cut off.</param>
    /// <param name="cutOff">Called once, from the feed, when the subscriber overflows: closes its connection.</param>
    public LiveSubscriber(IReadOnlyCollection<string>? keys, bool events, int capacity, Action cutOff)
    {
        _capacity = capacity;
        _keys = keys is null ? null : new HashSet<string>(keys, StringComparer.Ordinal);
        _events = events;
        _cutOff = cutOff;
    }

    /// <summary>True once the subscriber fell more than its capacity behind.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>What the feed delivered for this subscriber, in order; completes when the feed ends or the subscriber is cut off.</summary>
    public ChannelReader<LiveBatch> Reader => _queue.Reader;

    /// <summary>Called by the reader for each batch it took: those records no longer count as waiting.</summary>
    public void Consumed(LiveBatch batch) => Interlocked.Add(ref _waiting, -batch.Rows.Length);

    /// <summary>The keys this subscriber follows; null for every key.</summary>
    public IReadOnlyCollection<string>? Keys => _keys;

    /// <summary>Queues one commit's rows of this subscriber's keys (the feed finds them by key), in commit order.</summary>
    public void Deliver(PropertyDefinition[] properties, StoredRow[] kept, bool events)
    {
        if (kept.Length == 0 || Overflowed || (events && !_events)) return;
        if (Interlocked.Add(ref _waiting, kept.Length) > _capacity)
        {
            Overflowed = true;
            _queue.Writer.TryComplete();
            _cutOff();
            return;
        }
        _queue.Writer.TryWrite(new LiveBatch(properties, kept, events));
    }

    /// <summary>Ends the subscription (the feed stopped): the reader sees the end after what is queued.</summary>
    public void Complete(Exception? error = null) => _queue.Writer.TryComplete(error);
}
