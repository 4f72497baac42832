using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Writes;
using Apperate.Actors.Storage;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary><c>POST /v1/record/:workspace/:id</c>: real-time writes.</summary>
public static class RecordEndpoints
{
    /// <summary>The largest accepted body.</summary>
    public const long MaxBodyBytes = 10 * 1024 * 1024;

    public static IEndpointRouteBuilder MapRecordEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/record/{workspace}/{datasetId}", WriteAsync).RequireDatasetToken(TokenPermission.Write).RequireRateLimiting(WriteAdmission.Policy)
            .WithTags("Records")
            .WithSummary("Write records in real time (async by default; wait=true returns after the commit).");
        return app;
    }

    private static async Task WriteAsync(HttpContext context, string workspace, string datasetId, RecordWriter writer)
    {
        // Reading, parsing and validating the records run on the write threads: reads get the cores first.
        await WriteThreads.Enter(context.RequestServices.GetService<WriteThreads>());
        var token = context.Caller();
        if (Names.Check(datasetId) is { } bad) throw Errors.ProblemException.BadRequest("datasetId", bad);

        var request = context.Request;
        var options = new RecordWriteOptions(
            QueryOptions.Bool(request, "wait", false),
            QueryOptions.Duplicates(request),
            QueryOptions.Bool(request, "createDatasetOnDemand", true),
            QueryOptions.Bool(request, "persist", true),
            QueryOptions.Bool(request, "event", true),
            QueryOptions.Bool(request, "updateState", true));
        using var body = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, context.RequestAborted);
        var written = await writer.WriteAsync(token.Workspace, datasetId, body.Root, body.Length, options);
        await Json.SuccessAsync(context.Response, 200, $"wrote {written} messages");
    }
}
