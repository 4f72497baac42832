using Apperate.Actors.Datasets;

namespace Apperate.Actors.Query;

/// <summary>The stored position of an incremental query.</summary>
[GenerateSerializer, Alias("apperate.QueryCursorState")]
public sealed class QueryCursorState
{
    /// <summary>The request the positions belong to (its path and parameters).</summary>
    [Id(0)] public string? Fingerprint { get; set; }

    /// <summary>When the id was last used, epoch ms.</summary>
    [Id(1)] public long Used { get; set; }

    /// <summary>Per dataset (upper case): the sequence the last call read through.</summary>
    [Id(2)] public Dictionary<string, long> Positions { get; set; } = new(StringComparer.Ordinal);
}

/// <inheritdoc cref="IQueryCursorGrain" />
public sealed class QueryCursorGrain([PersistentState("queryCursor", StorageNames.GrainState)] IPersistentState<QueryCursorState> state)
    : Grain, IQueryCursorGrain
{
    /// <summary>An id unused for this long starts over.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(24);

    /// <inheritdoc />
    public async Task<QueryResult[]> QueryAsync(string workspace, string[] datasetIds, KeySelector[] selectors, DataQuery query, string fingerprint)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cursor = state.State;
        var known = cursor.Fingerprint == fingerprint && now - cursor.Used <= Expiry.TotalMilliseconds;
        var results = new QueryResult[datasetIds.Length];
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < datasetIds.Length; i++)
        {
            var key = Names.DatasetKey(workspace, datasetIds[i]);
            var grain = GrainFactory.GetGrain<IDatasetGrain>(key);
            // Read up to where the sequence stands now; the next call starts above it, so a commit landing during
            // the query is answered next time rather than twice or never.
            var status = await grain.GetLiveStatusAsync();
            long? after = known && cursor.Positions.TryGetValue(key, out var p) && p >= status.Reset && p <= status.Last ? p : null;
            results[i] = await grain.QueryAsync(selectors, query with { AfterSequence = after, ThroughSequence = status.Last });
            positions[key] = status.Last;
        }
        cursor.Fingerprint = fingerprint;
        cursor.Used = now;
        cursor.Positions = positions;
        await state.WriteStateAsync();
        return results;
    }
}
