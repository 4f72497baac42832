using Apperate.Actors.Connectors;
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
/// <c>/v1/connectors[/:type]</c> (the types' JSON Schemas) and <c>/v1/connectors/connector[/:name]</c> (create, list,
/// get, change, delete). The workspace is the token's; managing connectors needs a secret token.
/// </summary>
public static class ConnectorEndpoints
{
    private const long MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapConnectorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/connectors").WithTags("Connectors");
        group.MapGet("", SchemasAsync).RequireToken().WithSummary("The JSON Schemas of every connector type.");
        group.MapGet("/connector", ListAsync).RequireSecretToken().WithSummary("List the workspace's connectors.");
        group.MapGet("/{type}", SchemaAsync).RequireToken().WithSummary("The JSON Schema of one connector type (COINBASE, ETHEREUM, MYSQL), as a one-element array.");
        group.MapPost("/connector/{name}", CreateAsync).RequireSecretToken().WithSummary("Create a connector; its streams are discovered in the background.");
        group.MapGet("/connector/{name}", GetAsync).RequireSecretToken().WithSummary("Get a connector: status, streams, stats (config with displayConfigs=true, secrets masked).");
        group.MapPut("/connector/{name}", UpdateAsync).RequireSecretToken().WithSummary("Select a stream, run or stop the connector, or change its definition.");
        group.MapDelete("/connector/{name}", DeleteAsync).RequireSecretToken().WithSummary("Stop and delete a connector (its dataset stays).");
        return app;
    }

    private static IConnectorGrain Connector(IGrainFactory grains, TokenInfo token, string name) =>
        grains.GetGrain<IConnectorGrain>(ConnectorNames.GrainKey(token.Workspace, name));

    private static async Task SchemasAsync(HttpContext context)
    {
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var type in ConnectorSchemas.Types) w.WriteRawValue(ConnectorSchemas.Find(type)!.ToJsonString());
            w.WriteEndArray();
        });
    }

    private static async Task SchemaAsync(HttpContext context, string type)
    {
        var schema = ConnectorSchemas.Find(type.ToUpperInvariant())
            ?? throw ApperateException.NotFound($"Unknown connector type '{type}'; the types are {string.Join(", ", ConnectorSchemas.Types)}");
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            w.WriteRawValue(schema.ToJsonString());
            w.WriteEndArray();
        });
    }

    private static async Task ListAsync(HttpContext context, IGrainFactory grains)
    {
        var token = context.Caller();
        var names = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(token.Workspace)).ListConnectorsAsync();
        var connectors = await Task.WhenAll(names.Select(n => Connector(grains, token, n).GetAsync()));
        var displayConfigs = QueryOptions.Bool(context.Request, "displayConfigs", false);
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var c in connectors) if (c is not null) ConnectorOutput.Write(w, c, displayConfigs);
            w.WriteEndArray();
        });
    }

    private static async Task CreateAsync(HttpContext context, string name, IGrainFactory grains)
    {
        var token = context.Caller();
        if (Names.CheckConnector(name) is { } bad) throw ProblemException.BadRequest("name", bad);
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var created = await Connector(grains, token, name).CreateAsync(token.Workspace, name, body.Root.GetRawText());
        await Json.SuccessAsync(context.Response, 201, $"created connector '{created.Id}'");
    }

    private static async Task GetAsync(HttpContext context, string name, IGrainFactory grains)
    {
        var token = context.Caller();
        var connector = await FindAsync(grains, token, name);
        var displayConfigs = QueryOptions.Bool(context.Request, "displayConfigs", false);
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            ConnectorOutput.Write(w, connector, displayConfigs);
            w.WriteEndArray();
        });
    }

    private static async Task UpdateAsync(HttpContext context, string name, IGrainFactory grains)
    {
        var token = context.Caller();
        await FindAsync(grains, token, name);
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var updated = await Connector(grains, token, name).UpdateAsync(body.Root.GetRawText());
        await Json.WriteAsync(context.Response, 200, w => ConnectorOutput.WriteChange(w, updated));
    }

    private static async Task DeleteAsync(HttpContext context, string name, IGrainFactory grains)
    {
        var token = context.Caller();
        var connector = await FindAsync(grains, token, name);
        await Connector(grains, token, name).DeleteAsync();
        await Json.SuccessAsync(context.Response, 200, $"deleted connector '{connector.Id}'");
    }

    private static async Task<ConnectorInfo> FindAsync(IGrainFactory grains, TokenInfo token, string name)
    {
        if (Names.CheckConnector(name) is not null) throw ApperateException.NotFound($"Connector '{name}' does not exist");
        return await Connector(grains, token, name).GetAsync() ?? throw ApperateException.NotFound($"Connector '{name}' does not exist");
    }
}
