using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Output;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary>
/// <c>/v1/views/:workspace[/:id]</c>: SQL views over the workspace's datasets, saved in its catalog and read with
/// <c>GET /v1/data/:workspace/:view</c> like a dataset.
/// </summary>
public static class ViewEndpoints
{
    private const long MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapViewEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/views/{workspace}").WithTags("Views");
        group.MapPost("", CreateAsync).RequireSecretToken().WithSummary("Create a view: a SQL SELECT over the workspace's datasets and views.");
        group.MapPost("/validate", ValidateAsync).RequireSecretToken().WithSummary("Check a view's SQL without saving it: its columns, index and datasets, or a 400 with the position.");
        group.MapGet("", ListAsync).RequireWorkspaceToken().WithSummary("List the workspace's views with their status.");
        group.MapGet("/{datasetId}", GetAsync).RequireDatasetToken(TokenPermission.Read).WithSummary("Get a view: its SQL, schema, index, the datasets it reads and its status.");
        group.MapPut("/{datasetId}", ReplaceAsync).RequireSecretToken().WithSummary("Replace a view's SQL: validated first, then swapped at once.");
        group.MapDelete("/{datasetId}", DeleteAsync).RequireSecretToken().WithSummary("Delete a view (cascade=true also deletes the views that read it).");
        return app;
    }

    private static IWorkspaceGrain Workspace(IGrainFactory grains, string workspace) => grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace));

    private sealed record ViewRequest(string? ViewId, string Sql, string? Title, ColumnMapping? Mapping);

    private static async Task CreateAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var request = await ReadAsync(context, viewIdRequired: true);
        var created = await Workspace(grains, workspace).CreateViewAsync(request.ViewId!, request.Sql, request.Title, request.Mapping);
        await Json.SuccessAsync(context.Response, 201, "View has been created", w => w.WriteString("viewId", created.Definition.ViewId));
    }

    private static async Task ValidateAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var request = await ReadAsync(context, viewIdRequired: false);
        var view = await Workspace(grains, workspace).ValidateViewAsync(request.Sql, request.Mapping);
        await Json.WriteAsync(context.Response, 200, w => ViewOutput.WriteValidation(w, view));
    }

    private static async Task ListAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var token = context.Caller();
        var views = await Workspace(grains, workspace).ListViewsAsync();
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var view in views)
                if ((token.PermissionsFor(view.Definition.ViewId) & TokenPermission.Read) != 0) ViewOutput.Write(w, view);
            w.WriteEndArray();
        });
    }

    private static async Task GetAsync(HttpContext context, string workspace, string datasetId, IGrainFactory grains)
    {
        var view = await Workspace(grains, workspace).GetViewAsync(datasetId) ?? throw ApperateException.NotFound($"View '{datasetId}' does not exist");
        await Json.WriteAsync(context.Response, 200, w => ViewOutput.Write(w, view));
    }

    private static async Task ReplaceAsync(HttpContext context, string workspace, string datasetId, IGrainFactory grains)
    {
        var request = await ReadAsync(context, viewIdRequired: false);
        if (request.ViewId is { } id && !id.Equals(datasetId, StringComparison.OrdinalIgnoreCase))
            throw ProblemException.BadRequest("viewId", "cannot change; create a new view and delete this one");
        var replaced = await Workspace(grains, workspace).ReplaceViewAsync(datasetId, request.Sql, request.Title, request.Mapping);
        await Json.SuccessAsync(context.Response, 200, "View has been replaced", w => w.WriteString("viewId", replaced.Definition.ViewId));
    }

    private static async Task DeleteAsync(HttpContext context, string workspace, string datasetId, IGrainFactory grains)
    {
        await Workspace(grains, workspace).DeleteViewAsync(datasetId, Cascade(context.Request));
        await Json.SuccessAsync(context.Response, 200, $"View '{datasetId}' has been deleted");
    }

    /// <summary><c>cascade=true</c> (also for <c>DELETE /datasets</c>).</summary>
    public static bool Cascade(HttpRequest request) =>
        QueryOptions.Bool(request, "cascade", false);

    private static async Task<ViewRequest> ReadAsync(HttpContext context, bool viewIdRequired)
    {
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var root = body.Root;
        if (root.ValueKind != JsonValueKind.Object) throw ProblemException.BadRequest("body", "must be a JSON object");
        var errors = new List<FieldError>();
        var viewId = String(root, "viewId", errors);
        if (viewId is null && viewIdRequired && errors.Count == 0) errors.Add(new FieldError(null, "viewId", "is required"));
        else if (viewId is not null && Names.Check(viewId) is { } bad) errors.Add(new FieldError(null, "viewId", bad));
        var sql = String(root, "sql", errors);
        if (sql is null && !errors.Any(e => e.Field == "sql")) errors.Add(new FieldError(null, "sql", "is required"));
        var title = String(root, "title", errors);
        ColumnMapping? mapping = null;
        if (root.TryGetProperty("columnMapping", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new FieldError(null, "columnMapping", "must be an object with key, and optionally subkey and date"));
            }
            else
            {
                var key = String(m, "key", errors, "columnMapping.");
                if (key is null && !errors.Any(e => e.Field == "columnMapping.key")) errors.Add(new FieldError(null, "columnMapping.key", "is required"));
                var subkey = String(m, "subkey", errors, "columnMapping.");
                var date = String(m, "date", errors, "columnMapping.");
                foreach (var p in m.EnumerateObject())
                    if (p.Name is not ("key" or "subkey" or "date")) errors.Add(new FieldError(null, $"columnMapping.{p.Name}", "is not a columnMapping field (key, subkey, date)"));
                if (key is not null) mapping = new ColumnMapping(key, subkey, date);
            }
        }
        if (errors.Count > 0) throw new ApperateException(ErrorKind.Invalid, string.Join("; ", errors), errors);
        return new ViewRequest(viewId, sql!, title, mapping);
    }

    private static string? String(JsonElement obj, string name, List<FieldError> errors, string prefix = "") =>
        JsonFields.OptionalString(obj, name, prefix + name, errors);
}
