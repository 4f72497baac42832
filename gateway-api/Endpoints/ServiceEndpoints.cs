using Apperate.Actors.Gateway.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary>Something that must hold before the service takes traffic (cluster joined, stores reachable).</summary>
public interface IReadinessCheck
{
    /// <summary>Null when ready, else why not.</summary>
    Task<string?> CheckAsync(CancellationToken cancellationToken);
}

/// <summary><c>/healthz</c> (alive) and <c>/readyz</c> (ready for traffic).</summary>
public static class ServiceEndpoints
{
    public static IEndpointRouteBuilder MapServiceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (HttpContext context) => Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "live");
            w.WriteEndObject();
        })).WithTags("Service").WithSummary("Liveness: the process answers.");

        app.MapGet("/readyz", async (HttpContext context) =>
        {
            var problems = new List<string>();
            foreach (var check in context.RequestServices.GetServices<IReadinessCheck>())
            {
                try
                {
                    if (await check.CheckAsync(context.RequestAborted) is { } why) problems.Add(why);
                }
                catch (Exception ex)
                {
                    problems.Add($"{check.GetType().Name}: {ex.Message}");
                }
            }
            await Json.WriteAsync(context.Response, problems.Count == 0 ? 200 : 503, w =>
            {
                w.WriteStartObject();
                w.WriteString("status", problems.Count == 0 ? "ready" : "not ready");
                w.WriteStartArray("problems");
                foreach (var p in problems) w.WriteStringValue(p);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }).WithTags("Service").WithSummary("Readiness: cluster joined and stores reachable.");
        return app;
    }
}
