using Apperate.Actors.Datasets;
using Orleans.Concurrency;

namespace Apperate.Actors.Views;

/// <summary>
/// Reads one view, keyed like a dataset (<c>WORKSPACE/VIEW</c>, upper case). The view is saved in its workspace's
/// catalog (<see cref="Workspaces.IWorkspaceGrain"/>); this grain binds it against the catalog, keeps the result until
/// the catalog changes, and runs queries through the record store.
/// </summary>
public interface IViewGrain : IGrainWithStringKey
{
    /// <summary>The most rows one selector of a view query returns.</summary>
    const int MaxRows = 1_000;

    /// <summary>
    /// Runs one query for each selector (results in selector order, at most <see cref="MaxRows"/> rows each). Raises
    /// not-found when the view does not exist and a conflict naming the reason when it is invalid.
    /// </summary>
    [AlwaysInterleave]
    [ResponseTimeout(CallTimeouts.Scan)]
    Task<QueryResult> QueryAsync(KeySelector[] selectors, DataQuery query);

    /// <summary>The view as bound now, or null when it does not exist.</summary>
    [AlwaysInterleave]
    Task<ViewInfo?> GetInfoAsync();

    /// <summary>Forgets the binding: the catalog changed. The next call binds again.</summary>
    [AlwaysInterleave]
    Task InvalidateAsync();
}
