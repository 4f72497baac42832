using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Apperate.Actors.Gateway.Hosting;

/// <summary>
/// Metrics, traces and logs for the silo and the standalone gateway, in one place: OpenTelemetry with the service's
/// meter (<see cref="ApperateMetrics"/>), Orleans', ASP.NET Core's, HttpClient's and the runtime's; the Prometheus
/// scrape endpoint <c>/metrics</c> (<see cref="TelemetryOptions.Metrics"/>); an OTLP exporter for metrics, traces and
/// logs when a collector is configured; and the trace id on every log line written during a request.
/// </summary>
public static class ApperateTelemetry
{
    /// <summary>Where Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Orleans' activity source of application grain calls, traced when an OTLP collector is configured (its runtime
    /// source, membership and directory calls, is left out: hundreds of spans a second on an idle silo).
    /// </summary>
    private const string OrleansGrainCalls = "Microsoft.Orleans.Application";

    /// <summary>Who may read <c>/metrics</c> with these options in this mode.</summary>
    public static OperatorAccess MetricsAccess(ApperateOptions options, bool cluster) =>
        options.Telemetry.Metrics ?? (cluster ? OperatorAccess.Token : OperatorAccess.Open);

    /// <summary>
    /// True when traces are exported (an OTLP collector is configured): the silo and the client then propagate the trace
    /// context through grain calls (<c>AddActivityPropagation</c>), which costs a little on every call otherwise.
    /// </summary>
    public static bool Tracing(ApperateOptions options) => OtlpEndpoint(options) is not null;

    /// <summary>Registers OpenTelemetry for <paramref name="serviceName"/> (<c>apperate-silo</c>, <c>apperate-gateway</c>).</summary>
    public static void AddApperateTelemetry(this WebApplicationBuilder builder, ApperateOptions options, bool cluster, string serviceName)
    {
        // Log entries written during a request (and, with traces on, in the grain calls it makes) carry its trace and
        // span ids: the JSON console (Logging:Console:FormatterName=json) writes them in "Scopes", OTLP log records
        // carry them natively.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);

        var otlp = OtlpEndpoint(options);
        var access = MetricsAccess(options, cluster);
        builder.Services.AddSingleton(new MetricsEndpoint(access));
        var prometheus = access != OperatorAccess.Off;
        // Metrics are collected only for an exporter: with /metrics off and no collector, instruments have no listener
        // and cost nothing.
        if (!prometheus && otlp is null) return;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ApperateMetrics.MeterName, "Microsoft.Orleans")
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation();
                if (prometheus) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (otlp is null) return;
        telemetry.WithLogging().WithTracing(tracing => tracing
                .AddSource(OrleansGrainCalls)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsOperatorPath(context.Request.Path))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter(Protocol(options), new Uri(otlp));
    }

    /// <summary>Maps <c>/metrics</c> behind its access setting (nothing is mapped when it is off or telemetry was not added).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        var access = app.Services.GetService<MetricsEndpoint>()?.Access ?? OperatorAccess.Off;
        if (access == OperatorAccess.Off) return app;
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: access == OperatorAccess.Token
            ? branch => branch.Use(async (context, next) =>
            {
                await OperatorGuard.CheckAsync(context);
                await next(context);
            })
            : null, optionsName: null)
            .WithDisplayName("Prometheus metrics");
        return app;
    }

    /// <summary>How <c>/metrics</c> is served, as <see cref="AddApperateTelemetry"/> decided.</summary>
    private sealed record MetricsEndpoint(OperatorAccess Access);

    private static bool IsOperatorPath(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");

    private static string? OtlpEndpoint(ApperateOptions options) =>
        options.Telemetry.OtlpEndpoint is { Length: > 0 } configured ? configured
        : Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;

    private static OtlpExportProtocol Protocol(ApperateOptions options) =>
        (options.Telemetry.OtlpProtocol ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL")) == "http/protobuf"
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
}
