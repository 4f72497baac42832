using System.Collections.Concurrent;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Gateway.Writes;

/// <summary>
/// Dataset definitions and their compiled validators, cached briefly so writes validate without a grain call.
/// </summary>
/// <remarks>
/// Schema changes are additive, so a record valid under a cached definition stays valid; a write that names a
/// property the cached schema lacks refreshes the entry once before failing. Changes made through this gateway
/// evict the entry at once.
/// </remarks>
public sealed class DatasetCache(IGrainFactory grains)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    public sealed record Entry(DatasetDefinition Definition, RecordValidator Validator, long Expires);

    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    /// <summary>The dataset's definition and validator, or null when it does not exist.</summary>
    public async ValueTask<Entry?> GetAsync(string workspace, string datasetId, bool refresh = false)
    {
        var key = Names.DatasetKey(workspace, datasetId);
        var now = Environment.TickCount64;
        if (!refresh && _entries.TryGetValue(key, out var entry) && entry.Expires >= now) return entry;
        var definition = await grains.GetGrain<IDatasetGrain>(key).GetDefinitionAsync();
        if (definition is null)
        {
            _entries.TryRemove(key, out _);
            return null;
        }
        if (_entries.TryGetValue(key, out var old) && old.Definition.Version == definition.Version && old.Definition.TableName == definition.TableName)
            entry = old with { Expires = now + (long)CacheFor.TotalMilliseconds };
        else
            entry = new Entry(definition, RecordValidator.For(definition.Schema, definition.ColumnMapping), now + (long)CacheFor.TotalMilliseconds);
        _entries[key] = entry;
        return entry;
    }

    /// <summary>Evicts a dataset after a change made through this gateway.</summary>
    public void Forget(string workspace, string datasetId) => _entries.TryRemove(Names.DatasetKey(workspace, datasetId), out _);
}
