namespace Apperate.Actors.Datasets;

/// <summary>
/// An incremental query (<c>GET /data …?queryId=</c>): where the last call with this id stood in each dataset's commit
/// sequence. Keyed by <see cref="Key"/>. Calls with one id run one at a time, so each change is answered once.
/// </summary>
public interface IQueryCursorGrain : IGrainWithStringKey
{
    /// <summary>The grain key of a query id in a workspace.</summary>
    static string Key(string workspace, string queryId) => Names.Normalize(workspace) + "/" + queryId;

    /// <summary>
    /// Runs <paramref name="query"/> for each dataset with <paramref name="selectors"/>. The first call of an id (or
    /// one whose <paramref name="fingerprint"/> differs from the last call's, or after 24 hours unused) answers like
    /// the query without the id; each later call answers only the records added or replaced since the previous call.
    /// Results come back in <paramref name="datasetIds"/> order.
    /// </summary>
    [ResponseTimeout(CallTimeouts.Scan)]
    Task<QueryResult[]> QueryAsync(string workspace, string[] datasetIds, KeySelector[] selectors, DataQuery query, string fingerprint);
}
