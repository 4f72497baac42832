using Apperate.Actors.Common;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Output;
using Apperate.Actors.Gateway.Writes;
using Apperate.Actors.Query;
using Apperate.Actors.Views;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary><c>GET</c> and <c>DELETE /v1/data/:workspace/:ids[/:keys[/:subkeys]]</c>: queries and record deletion.</summary>
public static class DataEndpoints
{
    public static IEndpointRouteBuilder MapDataEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/data/{workspace}/{datasets}/{keys?}/{subkeys?}", QueryAsync).RequireWorkspaceToken()
            .WithTags("Data")
            .WithSummary("Query records: one newest record by default; last, first, limit, ranges, filters, batch lists, CSV; queryId answers only what changed since the last call with that id.");
        app.MapDelete("/data/{workspace}/{datasetId}/{key}/{subkey?}/{date?}", DeleteAsync).RequireDatasetToken(TokenPermission.Delete)
            .WithTags("Data")
            .WithSummary("Delete the records of a key (and subkey, date, or from/to range).");
        return app;
    }

    private static async Task QueryAsync(HttpContext context, string workspace, string datasets, string? keys, string? subkeys, DatasetCache cache, IGrainFactory grains)
    {
        var token = context.Caller();
        var request = QueryParser.Parse(datasets, PathSegment.Unescape(keys), PathSegment.Unescape(subkeys), QueryOptions.All(context.Request), DateTimeOffset.UtcNow);
        foreach (var id in request.Datasets) TokenAuthenticator.Authorize(token, workspace, id, TokenPermission.Read);

        // Each distinct dataset is asked once for all selectors; results come back in request order.
        var distinct = request.Datasets.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var byId = new Dictionary<string, QueryResult>(StringComparer.OrdinalIgnoreCase);
        if (request.QueryId is { } queryId)
        {
            foreach (var id in distinct)
            {
                if (await cache.GetAsync(workspace, id) is not null) continue;
                if (await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).FindViewAsync(id) is not null)
                    throw ApperateException.Invalid("queryId", $"'{id}' is a view: incremental queries read datasets only");
                throw ApperateException.NotFound($"Dataset '{id}' does not exist");
            }
            var changed = await grains.GetGrain<IQueryCursorGrain>(IQueryCursorGrain.Key(workspace, queryId))
                .QueryAsync(workspace, distinct, request.Selectors, request.Query, Fingerprint(context.Request));
            for (var i = 0; i < distinct.Length; i++) byId[distinct[i]] = changed[i];
        }
        else
        {
            var tasks = distinct.Select(id => QueryOneAsync(cache, grains, workspace, id, request)).ToArray();
            for (var i = 0; i < distinct.Length; i++) byId[distinct[i]] = await tasks[i];
        }
        var results = request.Datasets.Select(id => byId[id]).ToArray();

        var response = context.Response;
        response.StatusCode = 200;
        if (request.Format == "csv")
        {
            response.ContentType = "text/csv; charset=utf-8";
            await RecordOutput.WriteCsvAsync(response.Body, results, request.IncludeSystemRecordProperties, context.RequestAborted);
        }
        else
        {
            response.ContentType = "application/json; charset=utf-8";
            await RecordOutput.WriteJsonAsync(response.Body, results, request.IncludeSystemRecordProperties, context.RequestAborted);
        }
    }

    /// <summary>What an incremental query's id is tied to: the path and every parameter but the token and the id, in a fixed order.</summary>
    private static string Fingerprint(HttpRequest request) =>
        request.Path.Value!.ToUpperInvariant() + "?" + string.Join('&', request.Query
            .Where(p => !p.Key.Equals("token", StringComparison.OrdinalIgnoreCase) && !p.Key.Equals("queryId", StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Key.ToLowerInvariant() + "=" + p.Value.ToString())
            .Order(StringComparer.Ordinal));

    private static async Task<QueryResult> QueryOneAsync(DatasetCache datasets, IGrainFactory views, string workspace, string datasetId, ParsedDataRequest request)
    {
        try
        {
            if (await datasets.GetAsync(workspace, datasetId) is { } entry) return await entry.Grain.QueryAsync(request.Selectors, request.Query);
            // Not a dataset: a view of that name reads like one.
            return await views.GetGrain<IViewGrain>(Names.DatasetKey(workspace, datasetId)).QueryAsync(request.Selectors, request.Query);
        }
        catch (ApperateException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            throw ApperateException.NotFound($"Dataset or view '{datasetId}' does not exist");
        }
    }

    private static async Task DeleteAsync(HttpContext context, string workspace, string datasetId, string key, string? subkey, string? date,
        IGrainFactory grains)
    {
        var (from, to) = Window(context.Request, PathSegment.Unescape(date));
        var datasetKey = Names.DatasetKey(workspace, datasetId);
        // Async writes accepted before this delete (by any process) are stored first by the dataset grain, so they are deleted too.
        var deleted = await grains.GetGrain<IDatasetGrain>(datasetKey)
            .DeleteRecordsAsync(new KeySelector(PathSegment.Unescape(key)!, PathSegment.Unescape(subkey)), from, to);
        await Json.SuccessAsync(context.Response, 200, $"deleted {deleted} records", w => w.WriteNumber("deleted", deleted));
    }

    /// <summary>
    /// The date window of a delete: a <c>date</c> path segment (<c>YYYY-MM-DD</c> = that whole day; a date-time or
    /// epoch ms = that instant) or <c>from</c>/<c>to</c> parameters (inclusive; a day as <c>to</c> means its end).
    /// </summary>
    private static (long? From, long? To) Window(HttpRequest request, string? date)
    {
        if (date is not null)
        {
            if (request.Query.ContainsKey("from") || request.Query.ContainsKey("to"))
                throw ProblemException.BadRequest("date", "give either a date segment or from/to, not both");
            // A day is that whole day; an instant is just that instant.
            return (Bound(date, "date", endOfDay: false), Bound(date, "date", endOfDay: true));
        }
        long? from = null, to = null;
        if (request.Query.TryGetValue("from", out var f) && !string.IsNullOrEmpty(f[0])) from = Bound(f[0]!, "from", endOfDay: false);
        if (request.Query.TryGetValue("to", out var t) && !string.IsNullOrEmpty(t[0])) to = Bound(t[0]!, "to", endOfDay: true);
        if (from > to) throw ProblemException.BadRequest("from", "is after 'to'");
        return (from, to);
    }

    private static long Bound(string text, string name, bool endOfDay) =>
        DateValues.TryParseBound(text, endOfDay, out var ms)
            ? ms
            : throw ProblemException.BadRequest(name, $"'{text}' is not YYYY-MM-DD, an ISO date-time or epoch milliseconds");
}
