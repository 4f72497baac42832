using Apperate.Actors.Datasets;

namespace Apperate.Actors.Views;

/// <summary>A view as the catalog knows it: bound, or invalid with the reason.</summary>
public sealed record CatalogView(string ViewId, BoundView? View, string? Error);

/// <summary>What a view's SQL may name: the datasets and views of one workspace, looked up ignoring case.</summary>
public sealed class ViewCatalog
{
    private readonly Dictionary<string, DatasetDefinition> datasets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, CatalogView> views = new(StringComparer.OrdinalIgnoreCase);

    public ViewCatalog(string workspace, IEnumerable<DatasetDefinition> datasets, IEnumerable<CatalogView> views)
    {
        Workspace = workspace;
        foreach (var d in datasets) this.datasets[d.DatasetId] = d;
        foreach (var v in views) this.views[v.ViewId] = v;
    }

    /// <summary>The workspace's name.</summary>
    public string Workspace { get; }

    /// <summary>The dataset with this id, or null.</summary>
    public DatasetDefinition? FindDataset(string id) => datasets.GetValueOrDefault(id);

    /// <summary>The view with this id, or null.</summary>
    public CatalogView? FindView(string id) => views.GetValueOrDefault(id);
}
