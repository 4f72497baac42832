using Apperate.Actors.Datasets;
using Apperate.Actors.Views;
using Orleans.Concurrency;

namespace Apperate.Actors.Workspaces;

/// <summary>
/// A workspace: the registry of its datasets and tokens. Keyed by the upper-case workspace name.
/// Creating, renaming and deleting datasets goes through here so that the registry and the dataset grains agree.
/// </summary>
public interface IWorkspaceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the workspace with a first secret token when it does not exist yet. Returns that token, or null when
    /// the workspace already existed. <paramref name="token"/> fixes the token text (for scripted deployments).
    /// </summary>
    Task<CreatedToken?> EnsureCreatedAsync(string displayName, string? token);

    /// <summary>The workspace name as created, or null when it does not exist.</summary>
    [AlwaysInterleave]
    Task<string?> GetNameAsync();

    /// <summary>Every dataset definition of the workspace, ordered by id.</summary>
    Task<DatasetDefinition[]> ListDatasetsAsync();

    /// <summary>Creates a dataset (a conflict when the id is taken, ignoring case).</summary>
    Task<DatasetDefinition> CreateDatasetAsync(DatasetDefinition definition);

    /// <summary>
    /// Creates the dataset when no dataset has its id (ignoring case), or returns the one that has it, whatever its
    /// schema: what every "create if missing" (records, batch loads, connectors) goes through.
    /// </summary>
    Task<EnsuredDataset> EnsureDatasetAsync(DatasetDefinition definition);

    /// <summary>Renames a dataset; its rows follow. Raises a conflict while rules watch it.</summary>
    [ResponseTimeout(CallTimeouts.Barrier)]
    Task<DatasetDefinition> RenameDatasetAsync(string datasetId, string newDatasetId);

    /// <summary>
    /// Deletes a dataset, its rows and the rules that watch it (alerts they raised are still delivered). Raises a
    /// conflict naming the views that read it, unless <paramref name="cascade"/>, which deletes those views too.
    /// </summary>
    [ResponseTimeout(CallTimeouts.Barrier)]
    Task DeleteDatasetAsync(string datasetId, bool cascade = false);

    /// <summary>Binds SQL against the catalog without saving it: the columns, index and datasets it would have. Raises 400s.</summary>
    Task<ViewInfo> ValidateViewAsync(string sql, ColumnMapping? mapping);

    /// <summary>Saves a view (a conflict when a dataset or view has its id, ignoring case). Raises 400s for SQL it cannot bind.</summary>
    Task<ViewInfo> CreateViewAsync(string viewId, string sql, string? title, ColumnMapping? mapping);

    /// <summary>Replaces a view's SQL at once, after binding it (the old one serves until then). Raises not-found and 400s.</summary>
    Task<ViewInfo> ReplaceViewAsync(string viewId, string sql, string? title, ColumnMapping? mapping);

    /// <summary>Deletes a view; a conflict naming the views that read it, unless <paramref name="cascade"/>, which deletes them too.</summary>
    Task DeleteViewAsync(string viewId, bool cascade);

    /// <summary>Every view with its binding, ordered by id.</summary>
    Task<ViewInfo[]> ListViewsAsync();

    /// <summary>One view with its binding, or null.</summary>
    Task<ViewInfo?> GetViewAsync(string viewId);

    /// <summary>The saved view, or null (no binding: a cheap existence check).</summary>
    [AlwaysInterleave]
    Task<ViewDefinition?> FindViewAsync(string viewId);

    /// <summary>The datasets and saved views, for binding views.</summary>
    [AlwaysInterleave]
    Task<ViewCatalogSnapshot> GetViewCatalogAsync();

    /// <summary>Creates a token; the returned text is never shown again.</summary>
    Task<CreatedToken> CreateTokenAsync(TokenType type, string? name, Dictionary<string, TokenPermission> permissions);

    /// <summary>Every token, without its text.</summary>
    Task<TokenInfo[]> ListTokensAsync();

    /// <summary>Revokes a token at once and returns it. Raises not-found for an unknown id.</summary>
    Task<TokenInfo> RevokeTokenAsync(string tokenId);

    /// <summary>Remembers a batch-load job (the newest 1,000 are kept).</summary>
    Task RegisterJobAsync(string jobId);

    /// <summary>The remembered batch-load job ids, oldest first.</summary>
    Task<string[]> ListJobsAsync();

    /// <summary>Records a connector name (as created) in the registry; repeating it changes nothing.</summary>
    Task AddConnectorAsync(string name);

    /// <summary>Removes a connector name from the registry (ignoring case).</summary>
    Task RemoveConnectorAsync(string name);

    /// <summary>The connector names as created, ordered ignoring case.</summary>
    Task<string[]> ListConnectorsAsync();

    /// <summary>Records a rule and the dataset it watches in the registry (again for an edit that changes the dataset).</summary>
    Task AddRuleAsync(string ruleId, string datasetId);

    /// <summary>Removes a rule from the registry.</summary>
    Task RemoveRuleAsync(string ruleId);

    /// <summary>The ids of the workspace's rules.</summary>
    Task<string[]> ListRulesAsync();
}

/// <summary>The dataset <see cref="IWorkspaceGrain.EnsureDatasetAsync"/> found or created.</summary>
/// <param name="Definition">Its definition.</param>
/// <param name="Created">Whether this call created it.</param>
[GenerateSerializer, Alias("apperate.EnsuredDataset")]
public sealed record EnsuredDataset([property: Id(0)] DatasetDefinition Definition, [property: Id(1)] bool Created);
