using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Rules;

namespace Apperate.Actors.Tests.Telemetry;

/// <summary>
/// One real silo of its own (its counters move only with these tests) with <c>/metrics</c> behind the token check, the
/// Orleans dashboard on, loopback webhooks allowed, and metrics, traces and logs exported every fraction of a second
/// to an <see cref="OtlpReceiver"/>; and a webhook receiver for alerts.
/// </summary>
public sealed class TelemetryFixture : IAsyncLifetime
{
    public OtlpReceiver Collector { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public Api Api => Silo.Api;

    public async Task InitializeAsync()
    {
        Collector = await OtlpReceiver.StartAsync();
        Receiver = await WebhookReceiver.StartAsync();
        Silo = new SiloProcess(
            extraArguments:
            [
                .. RulesSiloFixture.Arguments,
                "--Apperate:Telemetry:Metrics=Token",
                "--Apperate:Telemetry:Dashboard=true",
                $"--Apperate:Telemetry:OtlpEndpoint={Collector.BaseUrl}",
                "--Apperate:Telemetry:OtlpProtocol=http/protobuf",
                // Structured logs: one JSON object per entry, with its trace id.
                "--Logging:Console:FormatterName=json",
            ],
            environment: new Dictionary<string, string>
            {
                // OpenTelemetry's own settings: export every 500 ms instead of every minute (metrics) or 5 s (spans, logs).
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            });
        await Silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Receiver.DisposeAsync();
        await Collector.DisposeAsync();
    }
}

/// <summary>The tests of the telemetry silo, one at a time (counters are read before and after).</summary>
[CollectionDefinition(Name)]
public sealed class TelemetryCollection : ICollectionFixture<TelemetryFixture>
{
    public const string Name = "Telemetry silo process";
}
