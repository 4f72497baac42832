using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;
using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Views;

/// <summary>
/// Reads one view: binds it against its workspace's catalog (the workspace grain, which saves views, tells this grain
/// when the catalog changes) and queries the record store with the bound view, never with the user's text.
/// </summary>
public sealed class ViewGrain(IRecordStore store) : Grain, IViewGrain
{
    /// <summary>How long a binding is kept without news from the workspace (a lost invalidation heals after this).</summary>
    private static readonly TimeSpan KeepFor = TimeSpan.FromSeconds(10);

    private Task<ViewInfoAndBinding?>? binding;
    private DateTime boundAt;

    private sealed record ViewInfoAndBinding(ViewInfo Info, BoundView? View);

    private string Workspace => this.GetPrimaryKeyString().Split('/')[0];

    private string ViewId => this.GetPrimaryKeyString().Split('/')[1];

    /// <inheritdoc />
    public async Task<QueryResult> QueryAsync(KeySelector[] selectors, DataQuery query)
    {
        var found = await BindingAsync() ?? throw ApperateException.NotFound($"View '{ViewId}' does not exist");
        var view = found.View ?? throw ApperateException.Conflict($"View '{found.Info.Definition.ViewId}' is invalid: {found.Info.Error}");
        var properties = view.Properties;
        if (query.Properties is { } names)
        {
            var projected = new PropertyDefinition[names.Length];
            for (var i = 0; i < names.Length; i++)
                projected[i] = Array.Find(properties, p => p.Name.Equals(names[i], StringComparison.OrdinalIgnoreCase))
                    ?? throw ApperateException.Invalid("filter", $"view '{found.Info.Definition.ViewId}' has no column '{names[i]}'");
            properties = projected;
            query = query with { Properties = Array.ConvertAll(projected, p => p.Name) };
        }
        query = query with { Limit = Math.Min(query.Limit ?? IViewGrain.MaxRows, IViewGrain.MaxRows) };
        var groups = new StoredRow[selectors.Length][];
        for (var i = 0; i < selectors.Length; i++) groups[i] = await store.QueryViewAsync(view, selectors[i], query);
        return new QueryResult(found.Info.Definition.ViewId, properties, groups);
    }

    /// <inheritdoc />
    public async Task<ViewInfo?> GetInfoAsync() => (await BindingAsync())?.Info;

    /// <inheritdoc />
    public Task InvalidateAsync()
    {
        binding = null;
        return Task.CompletedTask;
    }

    private Task<ViewInfoAndBinding?> BindingAsync()
    {
        if (binding is null || binding.IsFaulted || DateTime.UtcNow - boundAt > KeepFor)
        {
            boundAt = DateTime.UtcNow;
            binding = BindAsync();
        }
        return binding;
    }

    private async Task<ViewInfoAndBinding?> BindAsync()
    {
        var workspace = GrainFactory.GetGrain<IWorkspaceGrain>(Workspace);
        // Most names asked here are not views (GET /data of a dataset that does not exist): answer those cheaply and go.
        if (await workspace.FindViewAsync(ViewId) is null)
        {
            DeactivateOnIdle();
            return null;
        }
        var snapshot = await workspace.GetViewCatalogAsync();
        var definition = Array.Find(snapshot.Views, v => v.ViewId.Equals(ViewId, StringComparison.OrdinalIgnoreCase));
        if (definition is null) return null;
        var found = new ViewResolver(snapshot).Find(definition.ViewId)!;
        return new ViewInfoAndBinding(ViewResolver.Info(definition, found.View, found.Error), found.View);
    }
}
