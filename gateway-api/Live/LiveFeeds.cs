using System.Collections.Concurrent;
using Apperate.Actors.Datasets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Live;

/// <summary>
/// This process's live feeds, one per dataset that has subscribers here. A feed starts with its first subscriber and
/// stops with its last. When the process stops, every subscription ends so connections close promptly (clients resume
/// elsewhere from their last sequence).
/// </summary>
public sealed class LiveFeeds
{
    private readonly IGrainFactory _grains;
    private readonly ILogger<DatasetFeed> _logger;
    private readonly ConcurrentDictionary<string, DatasetFeed> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public LiveFeeds(IGrainFactory grains, IOptions<LiveOptions> options, ILogger<DatasetFeed> logger, IHostApplicationLifetime lifetime)
    {
        _grains = grains;
        _logger = logger;
        Options = options.Value;
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var feed in _feeds.Values) feed.Close();
        });
    }

    /// <summary>The settings of live subscriptions.</summary>
    public LiveOptions Options { get; }

    /// <summary>How often a feed renews its registration with the dataset grain (and checks it missed nothing).</summary>
    public TimeSpan RenewEvery => Options.RenewInterval;

    /// <summary>The number of datasets followed.</summary>
    public int Count => _feeds.Count;

    /// <summary>
    /// Adds <paramref name="subscriber"/> to the feed of <paramref name="grain"/>'s dataset, starting the feed when it
    /// is the first. Every commit the feed offers from now on reaches the subscriber. Faults with not-found when the
    /// dataset does not exist.
    /// </summary>
    public async Task<DatasetFeed> SubscribeAsync(string datasetKey, IDatasetGrain grain, LiveSubscriber subscriber)
    {
        DatasetFeed feed;
        lock (_gate)
        {
            while (true)
            {
                feed = _feeds.GetOrAdd(datasetKey, key => new DatasetFeed(this, key, grain, _logger));
                if (feed.TryAdd(subscriber)) break;
                _feeds.TryRemove(new KeyValuePair<string, DatasetFeed>(datasetKey, feed));
            }
        }
        try
        {
            await feed.Ready;
        }
        catch
        {
            Unsubscribe(feed, subscriber);
            feed.Close();
            throw;
        }
        return feed;
    }

    /// <summary>Removes a subscriber; the feed stops when it was the last.</summary>
    public void Unsubscribe(DatasetFeed feed, LiveSubscriber subscriber)
    {
        lock (_gate)
        {
            if (feed.Remove(subscriber)) _feeds.TryRemove(new KeyValuePair<string, DatasetFeed>(feed.Key, feed));
        }
    }

    internal void Forget(DatasetFeed feed)
    {
        lock (_gate) _feeds.TryRemove(new KeyValuePair<string, DatasetFeed>(feed.Key, feed));
    }

    internal IDatasetFeedObserver CreateReference(DatasetFeed feed) => _grains.CreateObjectReference<IDatasetFeedObserver>(feed);
}
