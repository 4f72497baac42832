using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Output;
using Apperate.Actors.Gateway.Rules;
using Apperate.Actors.Rules;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary>
/// <c>/v1/rules…</c>: Apperate's Rules API (create and edit, list, info, pause, resume, delete, log output, schema,
/// lookup) and the extensions (test, deliveries, redeliver). The workspace is the token's; every call needs a secret
/// token, which Apperate's clients send in the JSON body of the POSTs.
/// </summary>
public static class RuleEndpoints
{
    private const long MaxBodyBytes = 1024 * 1024;
    private const int MaxLookup = 10_000;
    private const int MaxEntries = 10_000;

    public static IEndpointRouteBuilder MapRuleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/rules").WithTags("Rules");
        group.MapPost("/create", SaveAsync).RequireSecretToken(MaxBodyBytes).WithSummary("Create a rule, or edit one (with id). Token in the body or the query.");
        group.MapGet("", ListAsync).RequireSecretToken().WithSummary("List the workspace's rules with their counters.");
        group.MapGet("/info/{id}", InfoAsync).RequireSecretToken().WithSummary("One rule with its definition (secrets never shown), as a one-element array.");
        group.MapPost("/pause", (HttpContext c, IGrainFactory g) => PauseAsync(c, g, true)).RequireSecretToken(MaxBodyBytes).WithSummary("Pause a rule: {ruleId, token}.");
        group.MapPost("/resume", (HttpContext c, IGrainFactory g) => PauseAsync(c, g, false)).RequireSecretToken(MaxBodyBytes).WithSummary("Resume a rule: {ruleId, token}.");
        group.MapDelete("/{id}", DeleteAsync).RequireSecretToken().WithSummary("Delete a rule; alerts it already raised are still delivered.");
        group.MapGet("/output/{id}", OutputAsync).RequireSecretToken().WithSummary("The alerts of the rule's logs outputs (last, from, to).");
        group.MapGet("/schema", SchemaAsync).RequireSecretToken().WithSummary("Operators, output methods and the facts of the workspace's datasets.");
        group.MapGet("/lookup/{fact}", LookupAsync).RequireSecretToken().WithSummary("The values of a lookup fact (a dataset's keys).");
        group.MapPost("/test", TestAsync).RequireSecretToken(MaxBodyBytes).WithSummary("Evaluate a rule body on records: each condition's result and what would be sent; nothing is stored or sent.");
        group.MapGet("/deliveries/{id}", DeliveriesAsync).RequireSecretToken().WithSummary("The rule's webhook and dataset deliveries, newest first, with every attempt.");
        group.MapPost("/deliveries/{deliveryId}/redeliver", RedeliverAsync).RequireSecretToken().WithSummary("Send an alert again now, with the same webhook-id.");
        return app;
    }

    private static IRuleGrain Rule(IGrainFactory grains, TokenInfo token, string id) =>
        grains.GetGrain<IRuleGrain>(RuleKeys.Grain(token.Workspace, RuleIds.Check(id)));

    private static async Task SaveAsync(HttpContext context, IGrainFactory grains)
    {
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var (request, _) = RuleJson.Parse(body.Root);
        var token = context.Caller();
        var id = request.Id ?? Guid.NewGuid().ToString();
        var saved = await Rule(grains, token, id).SaveAsync(request);
        var verb = saved.Created ? "created" : "updated";
        await Json.SuccessAsync(context.Response, 200, $"{verb} rule '{saved.Definition.Name}'", w =>
        {
            w.WriteString("id", saved.Definition.Id);
            w.WritePropertyName("outputs");
            RuleOutputJson.WriteOutputs(w, saved.Definition.Outputs);
        });
    }

    private static async Task ListAsync(HttpContext context, IGrainFactory grains)
    {
        var token = context.Caller();
        var rules = await grains.GetGrain<IWorkspaceRulesGrain>(Names.Normalize(token.Workspace)).ListAsync();
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var info in rules) RuleOutputJson.WriteSummary(w, info, detailed: false);
            w.WriteEndArray();
        });
    }

    private static async Task InfoAsync(HttpContext context, string id, IGrainFactory grains)
    {
        var token = context.Caller();
        var info = await Rule(grains, token, id).GetInfoAsync() ?? throw ApperateException.NotFound($"Rule '{id}' does not exist");
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            RuleOutputJson.WriteSummary(w, info, detailed: true);
            w.WriteEndArray();
        });
    }

    private static async Task PauseAsync(HttpContext context, IGrainFactory grains, bool paused)
    {
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        if (body.Root.ValueKind != JsonValueKind.Object) throw ProblemException.BadRequest("body", "expected {\"ruleId\": …, \"token\": …}");
        var token = context.Caller();
        if (!body.Root.TryGetProperty("ruleId", out var r) || r.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(r.GetString()))
            throw ProblemException.BadRequest("ruleId", "the id of the rule is required");
        await Rule(grains, token, r.GetString()!).SetPausedAsync(paused);
        await WriteSuccessAsync(context);
    }

    private static async Task DeleteAsync(HttpContext context, string id, IGrainFactory grains)
    {
        var token = context.Caller();
        await Rule(grains, token, id).DeleteAsync();
        await WriteSuccessAsync(context);
    }

    private static async Task OutputAsync(HttpContext context, string id, IGrainFactory grains)
    {
        var token = context.Caller();
        var last = (int)QueryOptions.Integer(context.Request, "last", 100, 1, MaxEntries);
        var from = Bound(context.Request, "from", endOfDay: false);
        var to = Bound(context.Request, "to", endOfDay: true);
        var entries = await Rule(grains, token, id).GetLogOutputAsync(from, to, last);
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var entry in entries) w.WriteRawValue(entry, skipInputValidation: true);
            w.WriteEndArray();
        });
    }

    private static async Task SchemaAsync(HttpContext context, IGrainFactory grains)
    {
        var token = context.Caller();
        var schema = await grains.GetGrain<IWorkspaceRulesGrain>(Names.Normalize(token.Workspace)).GetSchemaAsync();
        await Json.WriteAsync(context.Response, 200, w => w.WriteRawValue(schema, skipInputValidation: true));
    }

    private static async Task LookupAsync(HttpContext context, string fact, IGrainFactory grains)
    {
        var token = context.Caller();
        var limit = (int)QueryOptions.Integer(context.Request, "limit", MaxLookup, 1, MaxLookup);
        var values = await grains.GetGrain<IWorkspaceRulesGrain>(Names.Normalize(token.Workspace)).LookupAsync(PathSegment.Unescape(fact)!, limit);
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var value in values) w.WriteStringValue(value);
            w.WriteEndArray();
        });
    }

    private static async Task TestAsync(HttpContext context, IGrainFactory grains)
    {
        using var body = await RequestBody.ReadJsonAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        var (request, _) = RuleJson.Parse(body.Root);
        var token = context.Caller();
        if (!body.Root.TryGetProperty("records", out var records))
            throw ProblemException.BadRequest("records", "give the records to evaluate: an array of objects of the rule's dataset");
        var result = await grains.GetGrain<IWorkspaceRulesGrain>(Names.Normalize(token.Workspace)).TestAsync(request, records.GetRawText());
        await Json.WriteAsync(context.Response, 200, w => w.WriteRawValue(result, skipInputValidation: true));
    }

    private static async Task DeliveriesAsync(HttpContext context, string id, IGrainFactory grains)
    {
        var token = context.Caller();
        var limit = (int)QueryOptions.Integer(context.Request, "limit", 100, 1, MaxEntries);
        var attempts = await Rule(grains, token, id).GetDeliveriesAsync(limit);
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var attempt in attempts) RuleOutputJson.WriteAttempt(w, attempt);
            w.WriteEndArray();
        });
    }

    private static async Task RedeliverAsync(HttpContext context, string deliveryId, IGrainFactory grains)
    {
        var token = context.Caller();
        await grains.GetGrain<IWorkspaceRulesGrain>(Names.Normalize(token.Workspace)).RedeliverAsync(RuleIds.Check(deliveryId, "Delivery"));
        await WriteSuccessAsync(context);
    }

    private static Task WriteSuccessAsync(HttpContext context) => Json.WriteAsync(context.Response, 200, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", true);
        w.WriteEndObject();
    });

    private static long? Bound(HttpRequest request, string name, bool endOfDay)
    {
        if (!request.Query.TryGetValue(name, out var values) || string.IsNullOrEmpty(values[0])) return null;
        return DateValues.TryParseBound(values[0]!, endOfDay, out var at)
            ? at
            : throw ProblemException.BadRequest(name, $"'{values[0]}' is not a date (YYYY-MM-DD), an ISO date-time or epoch milliseconds");
    }
}
