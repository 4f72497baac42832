using Apperate.Actors.Datasets;

namespace Apperate.Actors.Views;

/// <summary>
/// Binds the saved views of a workspace against its catalog, views over views included: each view is bound once,
/// after the views it reads; a view that cannot be bound (or reads one that cannot) is invalid with the reason.
/// </summary>
public sealed class ViewResolver
{
    private readonly ViewCatalogSnapshot snapshot;
    private readonly Dictionary<string, ViewDefinition> definitions;
    private readonly Dictionary<string, CatalogView> bound = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> binding = new(StringComparer.OrdinalIgnoreCase);

    public ViewResolver(ViewCatalogSnapshot snapshot)
    {
        this.snapshot = snapshot;
        definitions = snapshot.Views.ToDictionary(v => v.ViewId, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The saved view <paramref name="viewId"/> bound (or invalid), or null when there is no such view.</summary>
    public CatalogView? Find(string viewId)
    {
        if (bound.TryGetValue(viewId, out var done)) return done;
        if (!definitions.TryGetValue(viewId, out var definition)) return null;
        // A cycle can only come from views saved before one of them changed; it makes each of them invalid.
        if (!binding.Add(viewId)) return new CatalogView(definition.ViewId, null, $"the view '{definition.ViewId}' reads itself through other views");
        try
        {
            var result = Bind(definition.ViewId, definition.Sql, definition.RequestedMapping, definition.Sources);
            return bound[viewId] = result.View is null ? new CatalogView(definition.ViewId, null, result.Error) : new CatalogView(definition.ViewId, result.View, null);
        }
        finally
        {
            binding.Remove(viewId);
        }
    }

    /// <summary>Binds SQL as the view <paramref name="viewId"/> (saved or not); a 400 of the binder becomes the error.</summary>
    public (BoundView? View, string? Error) Bind(string viewId, string sql, ColumnMapping? mapping, IReadOnlyDictionary<string, string>? pinned)
    {
        try
        {
            return (ViewBinder.Bind(viewId, sql, mapping, Catalog(pinned)), null);
        }
        catch (ApperateException e) when (e.Kind == ErrorKind.Invalid)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The catalog SQL is bound against: the snapshot's datasets and its views, bound on demand.</summary>
    public ViewCatalog Catalog(IReadOnlyDictionary<string, string>? pinned) => new(snapshot.Workspace, snapshot.Datasets, Find, pinned);

    /// <summary>A saved view with what binding it gave.</summary>
    public ViewInfo Info(ViewDefinition definition)
    {
        var found = Find(definition.ViewId)!;
        return Info(definition, found.View, found.Error);
    }

    /// <summary>A view with what binding it gave.</summary>
    public static ViewInfo Info(ViewDefinition definition, BoundView? view, string? error) => view is null
        ? new ViewInfo(definition, [], null, [], [], error)
        : new ViewInfo(definition, view.Properties, view.ColumnMapping, [.. view.Datasets.Select(d => d.DatasetId)], [.. view.Views], null);

    /// <summary>The source names a view's SQL gives (FROM and JOIN), as written; none when it no longer parses.</summary>
    public static IEnumerable<string> SourceNames(string sql)
    {
        SelectStatement statement;
        try
        {
            statement = ViewParser.Parse(sql);
        }
        catch (ApperateException)
        {
            return [];
        }
        return [statement.From.Name, .. statement.Joins.Select(j => j.Table.Name)];
    }

    /// <summary>The sources of a bound view to pin: each dataset source's name to its table.</summary>
    public static Dictionary<string, string> Pins(BoundView view) =>
        view.Sources.Where(s => s.Table is not null).GroupBy(s => Names.Normalize(s.Name)).ToDictionary(g => g.Key, g => g.First().Table!);
}
