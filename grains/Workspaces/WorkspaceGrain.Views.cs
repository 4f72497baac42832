using Apperate.Actors.Datasets;
using Apperate.Actors.Views;

namespace Apperate.Actors.Workspaces;

// Views: saved in the workspace's catalog beside the datasets (one namespace for both), bound against it on every
// change, and read by their view grains, which are told to bind again whenever the catalog changes.
public sealed partial class WorkspaceGrain
{
    /// <inheritdoc />
    public async Task<ViewCatalogSnapshot> GetViewCatalogAsync()
    {
        RequireExists();
        return new ViewCatalogSnapshot(State.Name!, await ListDatasetsAsync(), [.. State.Views.Values]);
    }

    /// <inheritdoc />
    public Task<ViewDefinition?> FindViewAsync(string viewId) =>
        Task.FromResult(State.Name is null ? null : State.Views.GetValueOrDefault(Names.Normalize(viewId)));

    /// <inheritdoc />
    public async Task<ViewInfo> ValidateViewAsync(string sql, ColumnMapping? mapping)
    {
        var resolver = new ViewResolver(await GetViewCatalogAsync());
        var view = ViewBinder.Bind("", sql, mapping, resolver.Catalog(null));
        return ViewResolver.Info(new ViewDefinition(State.Name!, "", sql, null, mapping, 0, 0, ViewResolver.Pins(view)), view, null);
    }

    /// <inheritdoc />
    public async Task<ViewInfo> CreateViewAsync(string viewId, string sql, string? title, ColumnMapping? mapping)
    {
        RequireExists();
        var id = Names.Normalize(viewId);
        if (State.Views.TryGetValue(id, out var existing)) throw ApperateException.Conflict($"View '{existing.ViewId}' already exists");
        if (State.Datasets.TryGetValue(id, out var dataset)) throw ApperateException.Conflict($"'{dataset}' is a dataset: datasets and views share one set of names");
        var resolver = new ViewResolver(await GetViewCatalogAsync());
        var view = ViewBinder.Bind(viewId, sql, mapping, resolver.Catalog(null));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var definition = new ViewDefinition(State.Name!, viewId, sql, title, mapping, now, now, ViewResolver.Pins(view));
        State.Views[id] = definition;
        await state.WriteStateAsync();
        await InvalidateViewsAsync();
        return ViewResolver.Info(definition, view, null);
    }

    /// <inheritdoc />
    public async Task<ViewInfo> ReplaceViewAsync(string viewId, string sql, string? title, ColumnMapping? mapping)
    {
        RequireExists();
        var id = Names.Normalize(viewId);
        if (!State.Views.TryGetValue(id, out var current)) throw ApperateException.NotFound($"View '{viewId}' does not exist");
        var resolver = new ViewResolver(await GetViewCatalogAsync());
        var view = ViewBinder.Bind(current.ViewId, sql, mapping, resolver.Catalog(null));
        var definition = current with
        {
            Sql = sql,
            Title = title,
            RequestedMapping = mapping,
            Updated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Sources = ViewResolver.Pins(view),
        };
        State.Views[id] = definition;
        await state.WriteStateAsync();
        await InvalidateViewsAsync();
        return ViewResolver.Info(definition, view, null);
    }

    /// <inheritdoc />
    public async Task DeleteViewAsync(string viewId, bool cascade)
    {
        RequireExists();
        var id = Names.Normalize(viewId);
        if (!State.Views.TryGetValue(id, out var view)) throw ApperateException.NotFound($"View '{viewId}' does not exist");
        var readers = ReadersToDelete($"View '{view.ViewId}'", ViewsReading(v => v.Equals(view.ViewId, StringComparison.OrdinalIgnoreCase), _ => false), cascade);
        await RemoveViewsAsync([view.ViewId, .. readers]);
    }

    /// <inheritdoc />
    public async Task<ViewInfo[]> ListViewsAsync()
    {
        var resolver = new ViewResolver(await GetViewCatalogAsync());
        return [.. State.Views.Values.OrderBy(v => v.ViewId, StringComparer.OrdinalIgnoreCase).Select(resolver.Info)];
    }

    /// <inheritdoc />
    public async Task<ViewInfo?> GetViewAsync(string viewId)
    {
        RequireExists();
        if (!State.Views.TryGetValue(Names.Normalize(viewId), out var view)) return null;
        return new ViewResolver(await GetViewCatalogAsync()).Info(view);
    }

    /// <summary>
    /// The views (ids as created) that read a view matching <paramref name="isView"/> or a dataset table matching
    /// <paramref name="isTable"/>, directly or through other views, read from what each view names (so invalid views count too).
    /// </summary>
    private List<string> ViewsReading(Func<string, bool> isView, Func<string, bool> isTable)
    {
        var reading = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool changed;
        do
        {
            changed = false;
            foreach (var view in State.Views.Values)
            {
                if (reading.Contains(view.ViewId)) continue;
                var reads = view.Sources.Values.Any(isTable)
                            || ViewResolver.SourceNames(view.Sql).Any(name => isView(name) || reading.Contains(name));
                if (reads && reading.Add(view.ViewId)) changed = true;
            }
        }
        while (changed);
        return [.. reading.Order(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>The views a dataset's deletion takes with it (<paramref name="cascade"/>), or the conflict naming them.</summary>
    private List<string> ViewsToDeleteWith(string datasetId, string table, bool cascade) =>
        ReadersToDelete($"Dataset '{datasetId}'", ViewsReading(_ => false, t => t == table), cascade);

    /// <summary>The views that read what is being deleted, when <paramref name="cascade"/> deletes them too; else the 409 naming them.</summary>
    private static List<string> ReadersToDelete(string what, List<string> readers, bool cascade) =>
        readers.Count == 0 || cascade
            ? readers
            : throw ApperateException.Conflict($"{what} is read by the view{(readers.Count == 1 ? "" : "s")} {string.Join(", ", readers)}; delete them first or use cascade=true");

    /// <summary>Removes views from the catalog and tells their grains.</summary>
    private async Task RemoveViewsAsync(IReadOnlyCollection<string> viewIds)
    {
        if (viewIds.Count == 0) return;
        foreach (var viewId in viewIds) State.Views.Remove(Names.Normalize(viewId));
        await state.WriteStateAsync();
        await InvalidateViewsAsync(viewIds);
    }

    /// <summary>A dataset id must not be a view's.</summary>
    private void RequireNotView(string normalizedId)
    {
        if (State.Views.TryGetValue(normalizedId, out var view))
            throw ApperateException.Conflict($"'{view.ViewId}' is a view: datasets and views share one set of names, and views are read-only");
    }

    /// <summary>Tells the view grains to bind again (all of the workspace's, or the ones named, e.g. just deleted).</summary>
    private Task InvalidateViewsAsync(IEnumerable<string>? also = null) =>
        Task.WhenAll(State.Views.Values.Select(v => v.ViewId).Concat(also ?? []).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(id => GrainFactory.GetGrain<IViewGrain>(Names.DatasetKey(State.Name!, id)).InvalidateAsync()));
}
