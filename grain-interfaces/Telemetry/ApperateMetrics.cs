using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Apperate.Actors.Telemetry;

/// <summary>
/// The service's own meter, <see cref="MeterName"/>: every instrument in one place, recorded where the work happens
/// (gateway, dataset grains, record queue, jobs, connectors, rules, live feeds) and exported with Orleans' and ASP.NET
/// Core's meters (Prometheus <c>/metrics</c>, OTLP). Names follow OpenTelemetry's conventions; Prometheus shows them
/// with dots as underscores and the unit and <c>_total</c> appended (<c>apperate_records_stored_total</c>).
/// </summary>
public static class ApperateMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "Apperate.Actors";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Records a real-time write request accepted (async: on the record stream; <c>wait=true</c>: committed). Tags: workspace, dataset, mode (async | wait).</summary>
    public static readonly Counter<long> RecordsAccepted = Meter.CreateCounter<long>("apperate.records.accepted", "{record}",
        "Records accepted by real-time write requests");

    /// <summary>Records committed to a dataset's table (new or replacing a record), from every source. Tags: workspace, dataset.</summary>
    public static readonly Counter<long> RecordsStored = Meter.CreateCounter<long>("apperate.records.stored", "{record}",
        "Records committed to datasets");

    /// <summary>Records refused: a write request's invalid records (nothing of it is written) or a batch load's invalid lines. Tags: workspace, dataset, source (write | job).</summary>
    public static readonly Counter<long> RecordsFailed = Meter.CreateCounter<long>("apperate.records.failed", "{record}",
        "Records refused as invalid");

    /// <summary>Records per commit of a dataset grain (requests and stream items arriving together share one).</summary>
    public static readonly Histogram<long> WriteBatchSize = Meter.CreateHistogram<long>("apperate.write.batch.size", "{record}",
        "Records per dataset commit", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10, 100, 1_000, 5_000, 10_000, 50_000] });

    /// <summary>How long a dataset commit took in the record store (rules and live capture included).</summary>
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("apperate.write.commit.duration", "s",
        "Duration of dataset commits", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    /// <summary>Requests answered 429 (write admission, a full record queue, other limits). Tags: reason.</summary>
    public static readonly Counter<long> Throttled = Meter.CreateCounter<long>("apperate.requests.throttled", "{request}",
        "Requests refused with 429 Too Many Requests");

    /// <summary>Rows a batch load has read. Tags: workspace, dataset, outcome (loaded | invalid).</summary>
    public static readonly Counter<long> JobRows = Meter.CreateCounter<long>("apperate.jobs.rows", "{row}",
        "Rows read by batch loads");

    /// <summary>Rule evaluations (one per rule and record it was evaluated on). Tags: workspace.</summary>
    public static readonly Counter<long> RuleEvaluations = Meter.CreateCounter<long>("apperate.rules.evaluations", "{evaluation}",
        "Rule evaluations on write events");

    /// <summary>Alerts raised by rules (one per output an alert goes to). Tags: workspace, method.</summary>
    public static readonly Counter<long> Alerts = Meter.CreateCounter<long>("apperate.rules.alerts", "{alert}",
        "Alerts raised by rules");

    /// <summary>Alert delivery attempts that failed (each retry counts). Tags: workspace, method.</summary>
    public static readonly Counter<long> DeliveryFailures = Meter.CreateCounter<long>("apperate.alerts.delivery.failures", "{attempt}",
        "Failed alert delivery attempts");

    /// <summary>Live subscribers connected to this process (server-sent events). Tags: workspace.</summary>
    public static readonly UpDownCounter<long> LiveSubscribers = Meter.CreateUpDownCounter<long>("apperate.live.subscribers", "{subscriber}",
        "Live subscribers connected");

    private static readonly ConcurrentDictionary<int, long> QueueDepths = new();
    private static readonly ConcurrentDictionary<string, ConnectorGauge> Connectors = new(StringComparer.Ordinal);

    static ApperateMetrics()
    {
        Meter.CreateObservableGauge("apperate.queue.depth", ObserveQueueDepths, "{message}",
            "Async write messages waiting in the record queue, per queue, as this process last saw them");
        Meter.CreateObservableGauge("apperate.connector.lag", ObserveConnectorLag, "s",
            "How far behind its source a running connector is (now minus the date of the last record it wrote)");
        Meter.CreateObservableGauge("apperate.connector.state", ObserveConnectorStates, "{connector}",
            "1 for each connector active in this process, tagged with its state");
    }

    /// <summary>The record queue's depth after a commit that touched <paramref name="queueId"/>.</summary>
    public static void SetQueueDepth(int queueId, long pending) => QueueDepths[queueId] = pending;

    /// <summary>A connector's state and lag (seconds; null when unknown); <paramref name="state"/> null forgets it (deactivated).</summary>
    public static void SetConnector(string workspace, string connector, string? state, double? lagSeconds)
    {
        var key = workspace + "/" + connector;
        if (state is null) Connectors.TryRemove(key, out _);
        else Connectors[key] = new ConnectorGauge(workspace, connector, state, lagSeconds);
    }

    private static IEnumerable<Measurement<long>> ObserveQueueDepths() =>
        QueueDepths.Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("queue", q.Key)));

    private static IEnumerable<Measurement<double>> ObserveConnectorLag() =>
        Connectors.Values.Where(c => c.LagSeconds is not null)
            .Select(c => new Measurement<double>(c.LagSeconds!.Value, new("workspace", c.Workspace), new("connector", c.Connector)));

    private static IEnumerable<Measurement<long>> ObserveConnectorStates() =>
        Connectors.Values.Select(c => new Measurement<long>(1, new("workspace", c.Workspace), new("connector", c.Connector), new("state", c.State)));

    private sealed record ConnectorGauge(string Workspace, string Connector, string State, double? LagSeconds);
}
