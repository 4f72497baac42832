using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Output;
using Apperate.Actors.Gateway.Writes;
using Apperate.Actors.Schema;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary><c>/v1/datasets/:workspace[/:id[/:newId]]</c>: create, list, get, change, rename and delete datasets.</summary>
public static class DatasetEndpoints
{
    private const long MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapDatasetEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/datasets/{workspace}").WithTags("Datasets");
        group.MapPost("", CreateAsync).RequireSecretToken().WithSummary("Create a dataset.");
        group.MapGet("", ListAsync).RequireWorkspaceToken().WithSummary("List the workspace's datasets.");
        group.MapGet("/{datasetId}", GetAsync).RequireDatasetToken(TokenPermission.Read).WithSummary("Get a dataset with its stored record count.");
        group.MapPatch("/{datasetId}", PatchAsync).RequireSecretToken().WithSummary("Change a dataset additively: add properties, relax required, widen integer to number.");
        // Apperate's client updated a dataset with POST; it is the same change.
        group.MapPost("/{datasetId}", PatchAsync).RequireSecretToken().WithSummary("The same as PATCH (Apperate's updateDataset).");
        group.MapPut("/{datasetId}/{newDatasetId}", RenameAsync).RequireSecretToken().WithSummary("Rename a dataset; its records follow.");
        group.MapDelete("/{datasetId}", DeleteAsync).RequireSecretToken().WithSummary("Delete a dataset and its records.");
        // Apperate's client listed a workspace's datasets at /data/:workspace too (queryDatasets).
        app.MapGet("/data/{workspace}", ListAsync).RequireWorkspaceToken().WithTags("Datasets").WithSummary("The same as GET /v1/datasets/:workspace (Apperate's queryDatasets).");
        return app;
    }

    private static IWorkspaceGrain Workspace(IGrainFactory grains, string workspace) => grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace));

    private static async Task CreateAsync(HttpContext context, string workspace, IGrainFactory grains, DatasetCache cache)
    {
        var token = context.Caller();
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var dataset = Unwrap(body.Root);

        var errors = new List<FieldError>();
        var datasetId = OptionalString(dataset, "datasetId", errors);
        if (datasetId is null && errors.Count == 0) errors.Add(new FieldError(null, "dataset.datasetId", "is required"));
        else if (datasetId is not null && Names.Check(datasetId) is { } bad) errors.Add(new FieldError(null, "dataset.datasetId", bad));
        var title = OptionalString(dataset, "title", errors);
        var description = OptionalString(dataset, "description", errors);
        if (!dataset.TryGetProperty("schema", out var schemaJson)) errors.Add(new FieldError(null, "dataset.schema", "is required"));
        if (!dataset.TryGetProperty("columnMapping", out var mappingJson)) errors.Add(new FieldError(null, "dataset.columnMapping", "is required"));
        if (errors.Count > 0) throw Invalid(errors);

        var (schema, mapping) = SchemaJson.Parse(schemaJson, mappingJson);
        var definition = new DatasetDefinition(token.Workspace, datasetId!, title, description, schema, mapping, 0, 0, 0, "");
        var created = await Workspace(grains, workspace).CreateDatasetAsync(definition);
        cache.Forget(workspace, created.DatasetId);
        await Json.SuccessAsync(context.Response, 201, "Dataset has been created", w => w.WriteString("datasetId", created.DatasetId));
    }

    private static async Task ListAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var token = context.Caller();
        var limit = QueryOptions.Integer(context.Request, "limit", int.MaxValue, 1, int.MaxValue);
        var catalog = Workspace(grains, workspace);
        var definitions = await catalog.ListDatasetsAsync();
        // Views count as datasets here, told apart by their "type".
        var views = await catalog.ListViewsAsync();
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            var written = 0L;
            foreach (var d in definitions)
            {
                if (written == limit) break;
                if ((token.PermissionsFor(d.DatasetId) & TokenPermission.Read) == 0) continue;
                DatasetOutput.Write(w, d, null);
                written++;
            }
            foreach (var view in views)
            {
                if (written == limit) break;
                if ((token.PermissionsFor(view.Definition.ViewId) & TokenPermission.Read) == 0) continue;
                ViewOutput.Write(w, view);
                written++;
            }
            w.WriteEndArray();
        });
    }

    private static async Task GetAsync(HttpContext context, string workspace, string datasetId, IGrainFactory grains)
    {
        var info = await grains.GetGrain<IDatasetGrain>(Names.DatasetKey(workspace, datasetId)).GetInfoAsync()
            ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
        await Json.WriteAsync(context.Response, 200, w => DatasetOutput.Write(w, info.Definition, info.Records));
    }

    private static async Task PatchAsync(HttpContext context, string workspace, string datasetId, IGrainFactory grains, DatasetCache cache)
    {
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var dataset = Unwrap(body.Root);
        var grain = grains.GetGrain<IDatasetGrain>(Names.DatasetKey(workspace, datasetId));
        var current = await grain.GetDefinitionAsync() ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");

        var errors = new List<FieldError>();
        var title = OptionalString(dataset, "title", errors);
        var description = OptionalString(dataset, "description", errors);
        if (dataset.TryGetProperty("datasetId", out var newId) && !(newId.ValueKind == JsonValueKind.String && string.Equals(newId.GetString(), current.DatasetId, StringComparison.OrdinalIgnoreCase)))
            errors.Add(new FieldError(null, "dataset.datasetId", "cannot change here; rename with PUT /v1/datasets/:workspace/:id/:newId"));
        if (errors.Count > 0) throw Invalid(errors);

        var schema = current.Schema;
        var mapping = current.ColumnMapping;
        if (dataset.TryGetProperty("schema", out var schemaJson))
        {
            using var mappingDoc = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(new { key = mapping.Key, subkey = mapping.Subkey, date = mapping.Date }));
            var mappingJson = dataset.TryGetProperty("columnMapping", out var given) ? given : mappingDoc.RootElement;
            // A partial schema (only the new properties) is merged into the current one.
            using var merged = SchemaPatch.Merge(current.Schema, schemaJson);
            (schema, mapping) = SchemaJson.Parse(merged.RootElement, mappingJson);
        }
        else if (dataset.TryGetProperty("columnMapping", out _))
        {
            throw ApperateException.Conflict("columnMapping cannot change after creation");
        }
        var updated = await grain.UpdateAsync(current with { Title = title, Description = description, Schema = schema, ColumnMapping = mapping });
        cache.Forget(workspace, datasetId);
        await Json.WriteAsync(context.Response, 200, w => DatasetOutput.Write(w, updated, null));
    }

    private static async Task RenameAsync(HttpContext context, string workspace, string datasetId, string newDatasetId, IGrainFactory grains, DatasetCache cache)
    {
        if (Names.Check(newDatasetId) is { } bad) throw ProblemException.BadRequest("newDatasetId", bad);
        // Async writes accepted under the old id still on its stream are stored by the dataset grain before the id moves.
        var renamed = await Workspace(grains, workspace).RenameDatasetAsync(datasetId, newDatasetId);
        cache.Forget(workspace, datasetId);
        cache.Forget(workspace, newDatasetId);
        await Json.SuccessAsync(context.Response, 200, $"Dataset '{datasetId}' has been renamed to '{renamed.DatasetId}'", w => w.WriteString("datasetId", renamed.DatasetId));
    }

    private static async Task DeleteAsync(HttpContext context, string workspace, string datasetId, IGrainFactory grains, DatasetCache cache)
    {
        await Workspace(grains, workspace).DeleteDatasetAsync(datasetId, ViewEndpoints.Cascade(context.Request));
        cache.Forget(workspace, datasetId);
        await Json.SuccessAsync(context.Response, 200, $"Dataset '{datasetId}' has been deleted");
    }

    /// <summary>The <c>dataset</c> object of the body; a bare dataset object is accepted too.</summary>
    private static JsonElement Unwrap(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw ProblemException.BadRequest("body", "must be a JSON object");
        if (root.TryGetProperty("dataset", out var dataset))
        {
            if (dataset.ValueKind != JsonValueKind.Object) throw ProblemException.BadRequest("dataset", "must be a JSON object");
            return dataset;
        }
        return root;
    }

    private static string? OptionalString(JsonElement obj, string name, List<FieldError> errors) =>
        JsonFields.OptionalString(obj, name, $"dataset.{name}", errors);

    private static ApperateException Invalid(List<FieldError> errors) =>
        new(ErrorKind.Invalid, string.Join("; ", errors), errors);
}
