using Apperate.Actors.Datasets;

namespace Apperate.Actors.Views;

/// <summary>A view as the catalog knows it: bound, or invalid with the reason.</summary>
public sealed record CatalogView(string ViewId, BoundView? View, string? Error);

/// <summary>
/// What a view's SQL may name: the datasets and views of one workspace, looked up ignoring case. A view saved earlier
/// pins the datasets it named to their tables, so it keeps reading a dataset that was renamed since.
/// </summary>
public sealed class ViewCatalog
{
    private readonly Dictionary<string, DatasetDefinition> datasets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DatasetDefinition> byTable = new(StringComparer.Ordinal);
    private readonly Func<string, CatalogView?> findView;
    private readonly IReadOnlyDictionary<string, string> pinned;

    /// <summary>A catalog of datasets and views already bound.</summary>
    public ViewCatalog(string workspace, IEnumerable<DatasetDefinition> datasets, IEnumerable<CatalogView> views)
        : this(workspace, datasets, Lookup(views), null)
    {
    }

    /// <param name="workspace">The workspace's name.</param>
    /// <param name="datasets">Its datasets.</param>
    /// <param name="findView">Finds (binding on demand) a view by id, ignoring case.</param>
    /// <param name="pinned">Source names (upper case) to the dataset tables they meant when the view was saved.</param>
    public ViewCatalog(string workspace, IEnumerable<DatasetDefinition> datasets, Func<string, CatalogView?> findView, IReadOnlyDictionary<string, string>? pinned)
    {
        Workspace = workspace;
        foreach (var d in datasets)
        {
            this.datasets[d.DatasetId] = d;
            byTable[d.TableName] = d;
        }
        this.findView = findView;
        this.pinned = pinned ?? new Dictionary<string, string>();
    }

    private static Func<string, CatalogView?> Lookup(IEnumerable<CatalogView> views)
    {
        var byId = views.ToDictionary(v => v.ViewId, StringComparer.OrdinalIgnoreCase);
        return id => byId.GetValueOrDefault(id);
    }

    /// <summary>The workspace's name.</summary>
    public string Workspace { get; }

    /// <summary>The dataset a source name means: the one it was pinned to (null when that one is gone), else the one with that id.</summary>
    public DatasetDefinition? FindDataset(string name) =>
        pinned.TryGetValue(Names.Normalize(name), out var table) ? byTable.GetValueOrDefault(table) : datasets.GetValueOrDefault(name);

    /// <summary>The view with this id, or null.</summary>
    public CatalogView? FindView(string id) => findView(id);
}
