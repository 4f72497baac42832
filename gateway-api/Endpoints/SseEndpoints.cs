using System.Net.ServerSentEvents;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Live;
using Apperate.Actors.Gateway.Writes;
using Apperate.Actors.Telemetry;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary><c>GET /v1/sse/:workspace/:dataset[/:key]</c>: a dataset's records live, as server-sent events, resumable by sequence.</summary>
public static class SseEndpoints
{
    public static IEndpointRouteBuilder MapSseEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sse/{workspace}/{datasetId}/{key?}", SubscribeAsync).RequireDatasetToken(TokenPermission.Read)
            .WithTags("Live")
            .WithSummary("Follow a dataset live: a snapshot (or a replay after Last-Event-ID), then every committed record, as server-sent events.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The parameters are read from the query string and headers by SseRequest, so they are listed here.
                operation.Parameters ??= [];
                foreach (var (name, location, description) in Parameters)
                    operation.Parameters.Add(new OpenApiParameter { Name = name, In = location, Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
                return Task.CompletedTask;
            });
        return app;
    }

    private static readonly (string Name, ParameterLocation In, string Description)[] Parameters =
    [
        ("token", ParameterLocation.Query, "a token with read permission on the dataset (EventSource cannot send headers); or Authorization: Bearer"),
        ("symbols", ParameterLocation.Query, "comma list of keys to follow; none follows every key"),
        ("nosnapshot", ParameterLocation.Query, "true: no snapshot, only what commits from now on"),
        ("snapshotAsOf", ParameterLocation.Query, "the snapshot is every record written since then (epoch ms, ISO date-time or YYYY-MM-DD)"),
        ("Last-Event-ID", ParameterLocation.Header, "resume: every record committed after this id, then live; an id that cannot be resumed gets event: reset"),
        ("lastEventId", ParameterLocation.Query, "the same as the Last-Event-ID header, for clients that cannot set it"),
        ("filter", ParameterLocation.Query, "comma list of the properties each record carries"),
        ("interval", ParameterLocation.Query, "1Second, 5Second or 1Minute: at most the latest record per key per interval"),
        ("includeEvents", ParameterLocation.Query, "true: also persist=false events, as frames without an id"),
        ("includeSystemRecordProperties", ParameterLocation.Query, "true: add _systemRecordProperties to each record"),
    ];

    private static async Task<ServerSentEventsResult<string>> SubscribeAsync(HttpContext context, string workspace, string datasetId, string? key,
        DatasetCache datasets, LiveFeeds feeds)
    {
        // Everything that can fail with a 4xx does so before the stream starts.
        var dataset = await datasets.GetAsync(workspace, datasetId) ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
        var request = SseRequest.Parse(context.Request, PathSegment.Unescape(key), dataset.Definition);

        var subscriber = new LiveSubscriber(request.Keys, request.IncludeEvents, feeds.Options.QueueLimit, context.Abort);
        var feed = await feeds.SubscribeAsync(Names.DatasetKey(workspace, datasetId), dataset.Grain, subscriber);
        try
        {
            var status = await dataset.Grain.GetLiveStatusAsync();
            var session = new SseSession(dataset.Grain, feed, subscriber, request, status, feeds.Options.HeartbeatInterval);
            return TypedResults.ServerSentEvents(Frames(workspace, session, feeds, feed, subscriber, context.RequestAborted));
        }
        catch
        {
            feeds.Unsubscribe(feed, subscriber);
            throw;
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Frames(string workspace, SseSession session, LiveFeeds feeds, DatasetFeed feed, LiveSubscriber subscriber,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tag = new KeyValuePair<string, object?>("workspace", workspace);
        ApperateMetrics.LiveSubscribers.Add(1, tag);
        try
        {
            await foreach (var frame in session.RunAsync(cancellationToken)) yield return frame;
        }
        finally
        {
            ApperateMetrics.LiveSubscribers.Add(-1, tag);
            feeds.Unsubscribe(feed, subscriber);
        }
    }
}
