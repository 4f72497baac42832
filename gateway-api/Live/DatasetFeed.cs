using System.Threading.Channels;
using Apperate.Actors.Datasets;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Gateway.Live;

/// <summary>
/// This process's follower of one dataset: it registers with the dataset grain, receives each commit once (whatever the
/// number of subscribers here), and hands the commits to its subscribers in sequence order with no gap. Commits the
/// fan-out lost or reordered are read from the store by sequence. It renews its registration every
/// <see cref="LiveFeeds.RenewEvery"/>, which also finds commits it never heard of (the grain moved to another silo).
/// </summary>
public sealed partial class DatasetFeed : IDatasetFeedObserver
{
    private readonly LiveFeeds _owner;
    private readonly IDatasetGrain _grain;
    private readonly ILogger _logger;
    private readonly Channel<LiveCommit> _inbox = Channel.CreateUnbounded<LiveCommit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Audience _audience = Audience.Empty;
    private IDatasetFeedObserver? _reference;
    private long _last;
    private bool _closed;

    internal DatasetFeed(LiveFeeds owner, string key, IDatasetGrain grain, ILogger logger)
    {
        _owner = owner;
        Key = key;
        _grain = grain;
        _logger = logger;
        Ready = StartAsync();
    }

    /// <summary>The dataset (<see cref="Names.DatasetKey"/>).</summary>
    public string Key { get; }

    /// <summary>Completes once the feed follows the dataset; faults when it cannot (the dataset does not exist).</summary>
    public Task Ready { get; }

    /// <summary>The last sequence handed to the subscribers: every commit up to it has been offered.</summary>
    public long Last => Volatile.Read(ref _last);

    /// <inheritdoc />
    public Task OnCommittedAsync(LiveCommit commit)
    {
        _inbox.Writer.TryWrite(commit);
        return Task.CompletedTask;
    }

    /// <summary>Adds a subscriber; false when the feed is closing (ask <see cref="LiveFeeds"/> for a new one).</summary>
    internal bool TryAdd(LiveSubscriber subscriber)
    {
        lock (_gate)
        {
            if (_closed) return false;
            Volatile.Write(ref _audience, new Audience([.. _audience.Subscribers, subscriber]));
            return true;
        }
    }

    /// <summary>Removes a subscriber; true when it was the last one and the feed is now closed.</summary>
    internal bool Remove(LiveSubscriber subscriber)
    {
        lock (_gate)
        {
            var left = Array.FindAll(_audience.Subscribers, s => s != subscriber);
            Volatile.Write(ref _audience, new Audience(left));
            if (left.Length > 0 || _closed) return false;
            _closed = true;
        }
        Stop();
        return true;
    }

    /// <summary>Closes the feed and ends every subscription (they reconnect and resume).</summary>
    internal void Close(Exception? error = null)
    {
        LiveSubscriber[] subscribers;
        lock (_gate)
        {
            if (_closed && _audience.Subscribers.Length == 0) return;
            _closed = true;
            subscribers = _audience.Subscribers;
            Volatile.Write(ref _audience, Audience.Empty);
        }
        foreach (var s in subscribers) s.Complete(error);
        Stop();
        _owner.Forget(this);
    }

    private void Stop()
    {
        _stop.Cancel();
        _inbox.Writer.TryComplete();
        if (_reference is { } reference) _ = UnfollowAsync(reference);
    }

    private async Task UnfollowAsync(IDatasetFeedObserver reference)
    {
        try
        {
            await _grain.UnfollowAsync(reference);
        }
        catch (Exception ex)
        {
            // The registration expires by itself.
            LogUnfollowFailed(ex, Key);
        }
    }

    private async Task StartAsync()
    {
        _reference = _owner.CreateReference(this);
        var status = await _grain.FollowAsync(_reference);
        Volatile.Write(ref _last, status.Last);
        _ = RunAsync();
        _ = RenewAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var commit in _inbox.Reader.ReadAllAsync(_stop.Token))
            {
                var last = Last;
                if (commit.Last <= last) continue; // late or repeated: already offered
                if (commit.Previous > last) await CatchUpAsync(commit.Previous);
                last = Last;
                Offer(commit.Properties, commit.Records.Length > 0 && commit.Records[0].Id <= last ? Array.FindAll(commit.Records, r => r.Id > last) : commit.Records, false);
                Offer(commit.Properties, commit.Events, true);
                Volatile.Write(ref _last, commit.Last);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The store could not be read: end the subscriptions, which resume from their positions when they reconnect.
            LogFeedFailed(ex, Key);
            Close(ex);
        }
    }

    /// <summary>Offers what was committed after <see cref="Last"/> up to <paramref name="through"/>, read from the store.</summary>
    private async Task CatchUpAsync(long through)
    {
        await foreach (var (properties, rows) in _grain.ReadAsync(Last, through))
        {
            Offer(properties, rows, false);
            Volatile.Write(ref _last, rows[^1].Id);
        }
        Volatile.Write(ref _last, through);
    }

    private void Offer(PropertyDefinition[] properties, StoredRow[] rows, bool events)
    {
        if (rows.Length == 0) return;
        var audience = Volatile.Read(ref _audience);
        foreach (var s in audience.All) s.Deliver(properties, rows, events);
        if (audience.ByKey.Count == 0) return;
        // Subscribers to keys are found by each row's key, so a commit costs one lookup per row however many follow.
        Dictionary<LiveSubscriber, List<StoredRow>>? kept = null;
        foreach (var row in rows)
        {
            if (!audience.ByKey.TryGetValue(row.Key, out var followers)) continue;
            kept ??= [];
            foreach (var s in followers)
            {
                if (!kept.TryGetValue(s, out var list)) kept[s] = list = [];
                list.Add(row);
            }
        }
        if (kept is null) return;
        foreach (var (s, list) in kept) s.Deliver(properties, [.. list], events);
    }

    /// <summary>The subscribers as the feed looks them up: those of every key, and the others by key.</summary>
    private sealed class Audience
    {
        public static readonly Audience Empty = new([]);

        public Audience(LiveSubscriber[] subscribers)
        {
            Subscribers = subscribers;
            All = Array.FindAll(subscribers, s => s.Keys is null);
            var byKey = new Dictionary<string, List<LiveSubscriber>>(StringComparer.Ordinal);
            foreach (var s in subscribers)
            {
                if (s.Keys is null) continue;
                foreach (var key in s.Keys)
                {
                    if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
                    list.Add(s);
                }
            }
            ByKey = byKey.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        }

        /// <summary>Every subscriber (the feed's list; the lookups below are derived from it).</summary>
        public LiveSubscriber[] Subscribers { get; }

        public LiveSubscriber[] All { get; }

        public Dictionary<string, LiveSubscriber[]> ByKey { get; }
    }

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(_owner.RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    var status = await _grain.FollowAsync(_reference!);
                    // Commits this feed never heard of: catch up to where the grain stands.
                    if (status.Last > Last) _inbox.Writer.TryWrite(new LiveCommit(status.Last, status.Last, [], [], []));
                }
                catch (ApperateException ex) when (ex.Kind == ErrorKind.NotFound)
                {
                    Close();
                    return;
                }
                catch (Exception ex) when (!_stop.IsCancellationRequested)
                {
                    LogRenewFailed(ex, Key);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live feed of {Dataset} failed; its subscribers were disconnected and resume when they reconnect")]
    private partial void LogFeedFailed(Exception ex, string dataset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renewing the live feed of {Dataset} failed; it is tried again")]
    private partial void LogRenewFailed(Exception ex, string dataset);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unfollowing {Dataset} failed")]
    private partial void LogUnfollowFailed(Exception ex, string dataset);
}
