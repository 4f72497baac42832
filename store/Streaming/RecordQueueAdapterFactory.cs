using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Serialization;
using Orleans.Streams;

namespace Apperate.Actors.Streaming;

/// <summary>
/// The persistent stream provider over the <see cref="IRecordQueue"/> (registered with <c>AddPersistentStreams(name,
/// RecordQueueAdapterFactory.Create, …)</c> on silos and clients alike): the stock pulling agents, cache and hash-ring
/// queue mapper, with our adapter and receivers.
/// </summary>
public sealed class RecordQueueAdapterFactory(string name, IRecordQueue queue, Serializer serializer, HashRingStreamQueueMapperOptions mapperOptions,
    SimpleQueueCacheOptions cacheOptions, ILoggerFactory loggerFactory, IRecordStore? store) : IQueueAdapterFactory
{
    private readonly HashRingBasedStreamQueueMapper _mapper = new(mapperOptions, name);
    private readonly SimpleQueueAdapterCache _cache = new(cacheOptions, name, loggerFactory);

    // Only where receivers run (silos): a client that only publishes would hold events nobody takes.
    private readonly PublishedEvents? _published = store is null ? null : new PublishedEvents();

    /// <summary>The factory the stream provider named <paramref name="name"/> uses (its options by that name).</summary>
    public static RecordQueueAdapterFactory Create(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<IRecordQueue>(),
        services.GetRequiredService<Serializer>(),
        services.GetOptionsByName<HashRingStreamQueueMapperOptions>(name),
        services.GetOptionsByName<SimpleQueueCacheOptions>(name),
        services.GetRequiredService<ILoggerFactory>(),
        // Silos have the record store; a client (the standalone gateway) only publishes.
        services.GetService<IRecordStore>());

    [Obsolete("Orleans calls CreateAdapter(CancellationToken), which defaults to this.")]
    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(new RecordQueueAdapter(name, queue, serializer, _mapper, store, _published));

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());
}
