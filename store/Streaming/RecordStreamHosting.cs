using Apperate.Actors.Datasets;
using Orleans.Configuration;
using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>
/// The record stream's provider, registered the same way by every process that publishes to it or consumes it: the
/// silos (pulling agents deliver to the dataset grains) and the standalone gateway (publishes only). The process
/// registers the <see cref="Storage.Queue.IRecordQueue"/> it runs over (SQLite in embedded mode, the cluster's MariaDB).
/// </summary>
public static class RecordStreamHosting
{
    /// <summary>
    /// Queues the datasets' streams are spread over; every process of a cluster must use the same number. Each is polled
    /// every <see cref="PollInterval"/>, also while idle; each dataset's items are delivered on their own whatever queue
    /// they share, so a few queues serve many datasets.
    /// </summary>
    public const int Queues = 4;

    /// <summary>
    /// Items the pulling agent hands a dataset grain in one delivery: while one delivery commits the grain takes the next,
    /// so a backlog of one-record items is stored a few hundred per commit.
    /// </summary>
    public const int ItemsPerDelivery = 256;

    /// <summary>
    /// Items each queue's agent keeps read ahead in memory (Orleans: 4,096). An item holds at most 2,000 records, so
    /// this bounds the memory a backlog takes.
    /// </summary>
    public const int CachedItems = 2 * ItemsPerDelivery;

    /// <summary>How often each queue is polled: a few ms between an async write's answer and its commit, for a little idle work.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Adds the record stream provider to a silo, with pulling agents that deliver until delivery succeeds.</summary>
    public static ISiloBuilder AddRecordStreams(this ISiloBuilder silo) =>
        silo.AddPersistentStreams(RecordStreams.Provider, RecordQueueAdapterFactory.Create, streams =>
        {
            Configure(streams);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                o.GetQueueMsgsTimerPeriod = PollInterval;
                o.BatchContainerBatchSize = ItemsPerDelivery;
                // An item is never given up on: a dataset grain that cannot store it now (store down, silo dying) gets
                // it again until it does. Items it refuses for what they are are logged and passed over by the grain.
                o.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan;
            }));
        });

    /// <summary>Adds the record stream provider to a client (publishing only).</summary>
    public static IClientBuilder AddRecordStreams(this IClientBuilder client) =>
        client.AddPersistentStreams(RecordStreams.Provider, RecordQueueAdapterFactory.Create, Configure);

    private static void Configure(IPersistentStreamConfigurator streams)
    {
        // The dataset grain subscribes implicitly by namespace: no pub-sub grain, no subscription state.
        streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        streams.Configure<HashRingStreamQueueMapperOptions>(o => o.Configure(m => m.TotalQueueCount = Queues));
        streams.Configure<SimpleQueueCacheOptions>(o => o.Configure(c => c.CacheSize = CachedItems));
    }
}
