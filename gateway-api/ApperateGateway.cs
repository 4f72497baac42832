using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Endpoints;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Hosting;
using Apperate.Actors.Gateway.WebConsole;
using Apperate.Actors.Gateway.Writes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Apperate.Actors.Gateway;

/// <summary>Registers and maps the HTTP API; used by the co-hosting silo and by the standalone gateway alike.</summary>
public static class ApperateGateway
{
    /// <summary>
    /// Adds the gateway's services. Needs an Orleans client (co-hosted or standalone) in the container; call it after
    /// <c>UseOrleans</c>/<c>UseOrleansClient</c>.
    /// </summary>
    public static IServiceCollection AddApperateGateway(this IServiceCollection services)
    {
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<DatasetCache>();
        services.AddSingleton<StreamPublisher>();
        services.AddSingleton<RecordWriter>();
        services.AddWriteAdmission();
        services.AddSingleton<Live.LiveFeeds>();
        // Browsers call the API from any site (publishable tokens are made for that): any origin, no cookies.
        services.AddCors(options => options.AddDefaultPolicy(policy => policy.AllowAnyOrigin().AllowAnyHeader().AllowAnyMethod()));
        services.AddOptions<Live.LiveOptions>().BindConfiguration(Live.LiveOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<Live.LiveOptions>, Live.LiveOptionsValidator>());
        services.AddSingleton<Ingest.IngestRunner>();
        services.AddSingleton<Ingest.BackgroundLoads>();
        services.AddHostedService(sp => sp.GetRequiredService<Ingest.BackgroundLoads>());
        services.TryAddSingleton(new Ingest.IngestSpool(Path.Combine(Path.GetTempPath(), "apperate-ingest")));
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Apperate.Actors API";
            document.Info.Description = "Datasets with a time-series unique index, real-time writes, queries, tokens, data-source connectors, rules that send alerts on write events, and live subscriptions over server-sent events.";
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>Adds the middleware and every endpoint.</summary>
    public static WebApplication UseApperateGateway(this WebApplication app)
    {
        app.UseMiddleware<ProblemMiddleware>();
        // Unmatched routes and wrong methods answer with problem details too.
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Response.ContentLength is null && string.IsNullOrEmpty(http.Response.ContentType))
                await ProblemMiddleware.WriteAsync(http, http.Response.StatusCode,
                    http.Response.StatusCode == 404 ? $"No endpoint at {http.Request.Path}" : $"{http.Request.Method} is not supported at {http.Request.Path}", []);
        });
        app.Use((context, next) =>
        {
            if (context.Request.Path.Equals("/v1/openapi-doc", StringComparison.OrdinalIgnoreCase)) context.Request.Path = "/openapi/v1.json";
            return next(context);
        });
        app.UseConsole();
        app.UseRouting();
        app.UseCors();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapServiceEndpoints();
        app.MapMetrics();
        // Every /v1 endpoint passes the token check; each declares what it asks of the token (TokenRequirements.Require…).
        var v1 = app.MapGroup("/v1").AddEndpointFilter<TokenFilter>();
        v1.MapDatasetEndpoints();
        v1.MapRecordEndpoints();
        v1.MapDataEndpoints();
        v1.MapViewEndpoints();
        v1.MapSseEndpoints();
        v1.MapTokenEndpoints();
        v1.MapJobEndpoints();
        v1.MapConnectorEndpoints();
        v1.MapRuleEndpoints();
        return app;
    }
}
