using System.Collections.Concurrent;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using Apperate.Actors.Workspaces;
using Orleans.Streams;

namespace Apperate.Actors.Gateway.Writes;

/// <summary>
/// Dataset definitions and their compiled validators, cached briefly so writes validate without a grain call.
/// </summary>
/// <remarks>
/// Schema changes are additive, so a record valid under a cached definition stays valid; a write that names a
/// property the cached schema lacks refreshes the entry once before failing. Changes made through this gateway
/// evict the entry at once.
/// <para>
/// An entry also keeps the dataset grain's reference and its record stream: Orleans builds a new proxy (with its
/// argument copiers) on every <c>GetGrain</c>, which measured at about a third of the CPU of a one-record write.
/// </para>
/// </remarks>
public sealed class DatasetCache(IClusterClient client)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>A dataset as writers and readers see it.</summary>
    /// <param name="Definition">The definition as of <paramref name="Expires"/> minus <see cref="CacheFor"/>.</param>
    /// <param name="Validator">The validator compiled from the definition's schema.</param>
    /// <param name="Expires">When the entry must be refreshed (<see cref="Environment.TickCount64"/> ms).</param>
    /// <param name="Grain">The dataset grain.</param>
    /// <param name="Stream">The dataset's record stream (async writes).</param>
    public sealed record Entry(DatasetDefinition Definition, RecordValidator Validator, long Expires, IDatasetGrain Grain, IAsyncStream<RecordBatch> Stream);

    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    /// <summary>The dataset's definition and validator, or null when it does not exist.</summary>
    public async ValueTask<Entry?> GetAsync(string workspace, string datasetId, bool refresh = false)
    {
        var key = Names.DatasetKey(workspace, datasetId);
        var now = Environment.TickCount64;
        var cached = _entries.GetValueOrDefault(key);
        if (!refresh && cached is not null && cached.Expires >= now) return cached;
        var grain = cached?.Grain ?? client.GetGrain<IDatasetGrain>(key);
        var definition = await grain.GetDefinitionAsync();
        if (definition is null)
        {
            _entries.TryRemove(key, out _);
            return null;
        }
        Entry entry;
        if (_entries.TryGetValue(key, out var old) && old.Definition.Version == definition.Version && old.Definition.TableName == definition.TableName)
            entry = old with { Expires = now + (long)CacheFor.TotalMilliseconds };
        else
            entry = new Entry(definition, RecordValidator.For(definition.Schema, definition.ColumnMapping), now + (long)CacheFor.TotalMilliseconds,
                grain, old?.Stream ?? client.GetStreamProvider(RecordStreams.Provider).GetStream<RecordBatch>(StreamId.Create(RecordStreams.Namespace, key)));
        _entries[key] = entry;
        return entry;
    }

    /// <summary>
    /// Creates a dataset a write names that does not exist yet (<c>createDatasetOnDemand</c>, for records and batch
    /// loads alike) with the schema inferred from what is written, and returns it; when another request created it
    /// meanwhile, returns that one.
    /// </summary>
    public async Task<Entry> CreateOnDemandAsync(string workspace, string datasetId, DatasetSchema schema, ColumnMapping mapping)
    {
        await client.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace))
            .EnsureDatasetAsync(new DatasetDefinition(workspace, datasetId, null, null, schema, mapping, 0, 0, 0, ""));
        return await GetAsync(workspace, datasetId, refresh: true)
            ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
    }

    /// <summary>Evicts a dataset after a change made through this gateway.</summary>
    public void Forget(string workspace, string datasetId) => _entries.TryRemove(Names.DatasetKey(workspace, datasetId), out _);
}
