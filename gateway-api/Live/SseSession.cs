using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Gateway.Live;

/// <summary>
/// One live subscription, from its first frame to its end: the snapshot or the replay from the store, then the live
/// commits from its queue with no gap and no repeat (everything at or below the position the start reached is
/// skipped), heartbeats, and conflation.
/// </summary>
/// <remarks>
/// The subscriber joined its feed before <paramref name="status"/> was read, so every commit above the feed's position
/// at that moment reaches its queue, and everything up to <see cref="LiveStatus.Last"/> is in the store: the start is
/// read from the store up to that sequence, and the queue is followed from above it.
/// </remarks>
public sealed class SseSession(IDatasetGrain grain, DatasetFeed feed, LiveSubscriber subscriber, SseRequest request, LiveStatus status, TimeSpan heartbeatEvery)
{
    /// <summary>The most records one live frame carries when several commits are waiting.</summary>
    private const int MaxFrameRecords = 1_000;

    private readonly LiveFrames _frames = new(request.Filter, request.IncludeSystem);

    /// <summary>The frames, until the client goes away, the subscriber is cut off or the feed ends.</summary>
    public async IAsyncEnumerable<SseItem<string>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return LiveFrames.First(status.Last);

        var resume = request.LastEventId;
        if (resume is { } asked && (asked > status.Last || asked < status.Reset))
        {
            yield return LiveFrames.Reset(status.Last, asked);
            resume = null;
        }
        if (resume is { } after)
        {
            await foreach (var frame in ReplayAsync(after, cancellationToken)) yield return frame;
        }
        else if (request.Snapshot == SnapshotKind.Latest)
        {
            var (properties, rows) = await LatestAsync();
            if (rows.Count > 0) yield return _frames.Records(properties, rows, status.Last);
        }
        else if (request.Snapshot == SnapshotKind.UpdatedSince)
        {
            await foreach (var frame in ReplayAsync(0, cancellationToken, request.SnapshotAsOf)) yield return frame;
        }

        await foreach (var frame in LiveAsync(status.Last, cancellationToken)) yield return frame;
    }

    /// <summary>What was committed after <paramref name="after"/> up to the start's position, in commit order.</summary>
    private async IAsyncEnumerable<SseItem<string>> ReplayAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken, long? updatedSince = null)
    {
        await foreach (var (properties, rows) in grain.ReadAsync(after, status.Last, request.Keys, updatedSince, cancellationToken))
            yield return _frames.Records(properties, rows, rows[^1].Id);
    }

    /// <summary>The latest record of each key asked for, or the latest 100 records, as of the start's position.</summary>
    private async Task<(PropertyDefinition[] Properties, List<StoredRow> Rows)> LatestAsync()
    {
        QueryResult result = request.Keys is { } keys
            ? await grain.QueryAsync(Array.ConvertAll(keys, k => new KeySelector(k, null)), DataQuery.Latest with { ThroughSequence = status.Last })
            : await grain.QueryAsync([KeySelector.All], DataQuery.Latest with { Limit = 100, ThroughSequence = status.Last });
        return (result.Properties, [.. result.Groups.SelectMany(g => g)]);
    }

    private async IAsyncEnumerable<SseItem<string>> LiveAsync(long position, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = subscriber.Reader;
        var heartbeatDue = DateTime.UtcNow + heartbeatEvery;
        var interval = request.Interval;
        var flushDue = interval is { } first ? DateTime.UtcNow + first : DateTime.MaxValue;
        Dictionary<(string, string), StoredRow>? conflated = interval is null ? null : [];
        PropertyDefinition[]? conflatedProperties = null;
        var pending = new List<StoredRow>();

        while (true)
        {
            var now = DateTime.UtcNow;
            if (conflated is { Count: > 0 } && now >= flushDue)
            {
                var rows = conflated.Values.OrderBy(r => r.Id).ToList();
                conflated.Clear();
                yield return _frames.Records(conflatedProperties!, rows, rows[^1].Id);
            }
            if (now >= flushDue) flushDue = now + interval!.Value;
            if (now >= heartbeatDue)
            {
                yield return LiveFrames.Heartbeat(Math.Max(feed.Last, position));
                heartbeatDue = now + heartbeatEvery;
            }

            if (!reader.TryRead(out var batch))
            {
                var wait = (heartbeatDue < flushDue ? heartbeatDue : flushDue) - DateTime.UtcNow;
                if (wait > TimeSpan.Zero && !await WaitAsync(reader, wait, cancellationToken)) yield break;
                continue;
            }

            subscriber.Consumed(batch);
            if (batch.Events)
            {
                yield return _frames.Records(batch.Properties, batch.Rows, null);
                continue;
            }

            // Several commits waiting go out as one frame (same schema), up to a frame's worth of records.
            var properties = batch.Properties;
            pending.Clear();
            Take(batch, position, pending);
            while (pending.Count < MaxFrameRecords && reader.TryPeek(out var next) && !next.Events && LiveFrames.Same(next.Properties, properties) && reader.TryRead(out next))
            {
                subscriber.Consumed(next);
                Take(next, position, pending);
            }
            if (pending.Count == 0) continue;
            position = pending[^1].Id;

            if (conflated is not null)
            {
                if (conflated.Count > 0 && !LiveFrames.Same(conflatedProperties!, properties))
                {
                    // The schema changed: what is held goes out under the schema it was written with.
                    var held = conflated.Values.OrderBy(r => r.Id).ToList();
                    conflated.Clear();
                    yield return _frames.Records(conflatedProperties!, held, held[^1].Id);
                }
                conflatedProperties = properties;
                foreach (var row in pending) conflated[(row.Key, row.Subkey)] = row;
                continue;
            }
            yield return _frames.Records(properties, pending, position);
        }
    }

    private static void Take(LiveBatch batch, long position, List<StoredRow> into)
    {
        foreach (var row in batch.Rows)
            if (row.Id > position) into.Add(row);
    }

    /// <summary>Waits for the queue up to <paramref name="timeout"/>; false when it ended (the feed stopped or the subscriber was cut off).</summary>
    private static async Task<bool> WaitAsync(System.Threading.Channels.ChannelReader<LiveBatch> reader, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            return await reader.WaitToReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }
}
