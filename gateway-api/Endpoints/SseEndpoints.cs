using System.Net.ServerSentEvents;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Live;
using Apperate.Actors.Gateway.Writes;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary><c>GET /v1/sse/:workspace/:dataset[/:key]</c>: a dataset's records live, as server-sent events, resumable by sequence.</summary>
public static class SseEndpoints
{
    public static IEndpointRouteBuilder MapSseEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/sse/{workspace}/{datasetId}/{key?}", SubscribeAsync)
            .WithTags("Live")
            .WithSummary("Follow a dataset live: a snapshot (or a replay after Last-Event-ID), then every committed record, as server-sent events.");
        return app;
    }

    private static async Task<ServerSentEventsResult<string>> SubscribeAsync(HttpContext context, string workspace, string datasetId, string? key,
        TokenAuthenticator auth, DatasetCache datasets, LiveFeeds feeds)
    {
        // Everything that can fail with a 4xx does so before the stream starts.
        var token = await auth.AuthenticateAsync(context);
        TokenAuthenticator.Authorize(token, workspace, datasetId, TokenPermission.Read);
        var dataset = await datasets.GetAsync(workspace, datasetId) ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
        var request = SseRequest.Parse(context.Request, PathSegment.Unescape(key), dataset.Definition);

        var subscriber = new LiveSubscriber(request.Keys, request.IncludeEvents, feeds.Options.QueueLimit, context.Abort);
        var feed = await feeds.SubscribeAsync(Names.DatasetKey(workspace, datasetId), dataset.Grain, subscriber);
        try
        {
            var status = await dataset.Grain.GetLiveStatusAsync();
            var session = new SseSession(dataset.Grain, feed, subscriber, request, status, feeds.Options.HeartbeatInterval);
            return TypedResults.ServerSentEvents(Frames(session, feeds, feed, subscriber, context.RequestAborted));
        }
        catch
        {
            feeds.Unsubscribe(feed, subscriber);
            throw;
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> Frames(SseSession session, LiveFeeds feeds, DatasetFeed feed, LiveSubscriber subscriber,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in session.RunAsync(cancellationToken)) yield return frame;
        }
        finally
        {
            feeds.Unsubscribe(feed, subscriber);
        }
    }
}
