namespace Apperate.Actors.Bench;

/// <summary>
/// Cluster mode (<c>--cluster</c>): the write scenarios that matter (async single-record, batched 100/request,
/// <c>wait=true</c>) through a cluster's standalone gateway, then the failover group, into the report's cluster
/// section beside the embedded figures of the same run. See bench/README.md, "Cluster mode".
/// </summary>
internal sealed partial class Bench
{
    /// <summary>The cluster part of a run: adds the cluster section to the embedded part's report (<c>--append</c>) or to a new one.</summary>
    private async Task<int> RunClusterAsync()
    {
        _clock.Start();
        _work = o.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "apperate-bench-" + _suffix);
        Directory.CreateDirectory(_work);
        Directory.CreateDirectory(o.OutDirectory);
        _report = await OpenReportAsync();
        var cluster = _report.Cluster = new ClusterReport
        {
            Silos = o.SiloUrls.Count,
            Started = DateTimeOffset.UtcNow,
            ScenarioSeconds = Duration,
            Command = Redact(o.ClusterCommand),
            Bench = Redact(BenchCommand()),
        };
        var loadAtStart = LoadAverage();

        using var control = LoadRunner.Client(o.Url!, 4, o.Token, TimeSpan.FromMinutes(20));
        _service = new ServiceClient(control, Ws);
        List<int> pids = [.. o.SiloPids];
        if (o.GatewayPid is { } gateway) pids.Add(gateway);
        if (o.DatabasePid is { } database) pids.Add(database);
        _cpu = new CpuMeter(pids);
        var exit = 0;
        try
        {
            Log($"cluster: gateway {o.Url}, silos {string.Join(", ", o.SiloUrls)} (pids {string.Join(", ", o.SiloPids)}), scratch {_work}");
            if (o.RunsAnyOf("cluster"))
            {
                await ClusterWarmupAsync();
                if (o.RunsPart("cluster", "single"))
                    await ClusterRecordScenarioAsync("record-single-async", "1. async POST /record, 1 record/request, through the gateway", "CSINGLE", 1, o.SingleConcurrency, wait: false);
                if (o.RunsPart("cluster", "batch"))
                    await ClusterRecordScenarioAsync("record-batch-100", "2. async POST /record, 100 records/request, through the gateway", "CBATCH100", 100, o.BatchConcurrency, wait: false);
                if (o.RunsPart("cluster", "wait"))
                    await ClusterRecordScenarioAsync("record-wait-true", "3. POST /record?wait=true, 1 record/request, through the gateway", "CWAIT", 1, o.SingleConcurrency, wait: true);
            }
            if (o.Runs("failover")) await FailoverAsync(cluster);
        }
        catch (Exception ex)
        {
            cluster.Notes.Add($"The cluster part stopped early: {ex.GetType().Name}: {ex.Message}");
            Log($"cluster part failed: {ex}");
            exit = 1;
        }
        finally
        {
            cluster.TotalSeconds = _clock.Elapsed.TotalSeconds;
            cluster.Notes.Add($"Load average of the machine (/proc/loadavg: 1, 5, 15 min): {loadAtStart} at the start of the cluster part, {LoadAverage()} at its end.");
            await WriteReportAsync();
            if (o.WorkDirectory is null)
            {
                try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
            }
        }
        if (cluster.Scenarios.Any(s => s.Error is not null || s.Verification is { Matched: false }) || cluster.Failover is { Error: not null } or { Lost: not null }) exit = 1;
        return exit;
    }

    /// <summary><c>--cluster-note</c> without a service: the report says why cluster mode was not measured.</summary>
    private async Task<int> WriteClusterNoteAsync()
    {
        Directory.CreateDirectory(o.OutDirectory);
        _report = await OpenReportAsync();
        _report.Cluster = new ClusterReport { NotMeasured = o.ClusterNote };
        await WriteReportAsync();
        return 0;
    }

    /// <summary>The embedded part's report with <c>--append</c> (when it exists), else a new one.</summary>
    private async Task<Report> OpenReportAsync()
    {
        var json = ReportPath(".json");
        if (o.Append && File.Exists(json)) return Report.FromJson(await File.ReadAllTextAsync(json));
        if (o.Append) Log($"{json} does not exist: starting a new report");
        var report = NewReport();
        report.Commands = report.Commands with { Silo = "(no embedded service: only cluster groups ran)" };
        return report;
    }

    private async Task WriteReportAsync()
    {
        await File.WriteAllTextAsync(ReportPath(".md"), _report.ToMarkdown());
        await File.WriteAllTextAsync(ReportPath(".json"), _report.ToJson());
        Log($"wrote {ReportPath(".md")} and {ReportPath(".json")}");
    }

    private string ReportPath(string extension) => Path.Combine(o.OutDirectory, o.ReportName + extension);

    /// <summary>As the embedded warmup, through the gateway: 1 and 100 records/request, 8 clients, then the count check.</summary>
    private async Task ClusterWarmupAsync()
    {
        var seconds = o.Smoke ? 0.3 : 2;
        var ds = DatasetId("CWARMUP");
        await _service.CreateDatasetAsync(ds);
        var rows = new RowCounter();
        long acked = 0;
        var uri = new Uri($"/v1/record/{Ws}/{ds}", UriKind.Relative);
        foreach (var size in new[] { 1, 100 })
        {
            using var http = LoadRunner.Client(o.Url!, 8, o.Token);
            acked += (await LoadRunner.RunAsync(http, 8, TimeSpan.FromSeconds(seconds), _ => new RecordWorker(uri, size, rows))).Records;
        }
        var verification = await _service.VerifyAsync(ds, acked, o.DrainTimeout);
        Log($"cluster warmup: {acked:N0} records acknowledged, {verification.Stored:N0} stored");
    }

    /// <summary>
    /// The embedded scenario <paramref name="embeddedId"/>'s load through the gateway (no targets: they are checked on
    /// the embedded figures), compared with that scenario when this report has it.
    /// </summary>
    private async Task ClusterRecordScenarioAsync(string embeddedId, string title, string tag, int rowsPerRequest, int concurrency, bool wait)
    {
        await RecordScenarioAsync("cluster-" + embeddedId, title, tag, rowsPerRequest, concurrency, wait, storeBaseline: "", _ => { });
        var s = _report.Cluster!.Scenarios[^1];
        if (s.Error is null && _report.Scenarios.FirstOrDefault(e => e.Id == embeddedId && e.Error is null) is { } embedded && Sustained(embedded) > 0)
        {
            s.Ratios.Add(new RatioReport(ClusterReport.EmbeddedRatio, embedded.Id, wait ? "records/s (acknowledged after commit)" : "stored records/s",
                Sustained(embedded), Sustained(s) / Sustained(embedded)));
            Log($"{s.Id}: {Sustained(s) / Sustained(embedded):F2} of embedded {embedded.Id} ({Sustained(embedded):N0}/s)");
        }
    }
}
