using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Tests.Http;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Bench;

/// <summary>
/// Keeps bench/ from rotting: runs the bench tool in smoke mode (a few seconds, tiny sizes) against a real silo process
/// and checks that its report has every scenario and baseline with non-zero throughput and matching stored counts.
/// Not a timing assertion: the numbers of a smoke run mean nothing.
/// </summary>
public sealed class BenchSmokeTests(ITestOutputHelper output)
{
    private static readonly string[] Scenarios =
    [
        "record-single-async", "record-batch-100", "record-batch-1000", "record-wait-true", "data-csv", "data-ndjson", "read-last1-under-write",
        "read-last1-under-50k", "read-last1-under-100k",
    ];

    /// <summary>The rules group's scenarios that write through the service (the condition rows run in the bench process).</summary>
    private static readonly string[] RuleWebhookScenarios = ["rules-webhook-1k", "rules-webhook-10k"];

    private static readonly string[] RuleBatchScenarios = ["rules-batch-keyed-100", "rules-batch-keyed-1000", "rules-batch-threshold-100", "rules-batch-threshold-1000", "rules-batch-unindexed-100"];

    private static readonly string[] ConditionScenarios = ["rules-condition-price", "rules-condition-all3"];

    /// <summary>The live group: latency with subscribers, memory per idle subscriber, batched writes with subscribers connected.</summary>
    private static readonly string[] LiveScenarios = ["live-latency-1k", "live-idle-1000", "live-batch-1000"];

    private static readonly string[] Baselines =
    [
        "store-1row-batches", "store-100row-batches", "store-1000row-batches", "store-wait-groups", "store-load-batches",
        "http-record-single-async", "http-record-batch-100", "http-record-batch-1000", "http-record-wait-true",
        "http-data-csv", "reader-csv", "reader-check-csv", "http-data-ndjson", "reader-ndjson", "reader-check-ndjson", "read-last1-idle",
        "rules-batch-0-rules", "rules-batch-0-rules-after", "live-batch-0-subscribers", "live-batch-0-subscribers-after",
        "view-dataset-last1",
    ];

    private static readonly TimeSpan BenchTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Smoke_run_reports_every_scenario_with_nonzero_throughput()
    {
        // As bench/run.sh starts it: the rules group's webhook receiver listens on 127.0.0.1 in the bench process.
        await using var silo = new SiloProcess(extraArguments: ["--Apperate:Rules:AllowedWebhookHosts:0=127.0.0.1"]);
        await silo.StartAsync();
        var outDir = Path.Combine(silo.DataDirectory, "bench-out");
        Directory.CreateDirectory(outDir);

        var (exitCode, log) = await RunBenchAsync(
            "--url", silo.BaseAddress.ToString(), "--token", silo.Token, "--smoke", "--out", outDir, "--name", "smoke",
            "--silo-pid", silo.ProcessId.ToString(), "--work-dir", Path.Combine(silo.DataDirectory, "bench-work"));
        output.WriteLine(log);

        var reportPath = Path.Combine(outDir, "smoke.json");
        Assert.True(File.Exists(reportPath), $"the bench tool (exit {exitCode}) wrote no report.{Environment.NewLine}{log}{Environment.NewLine}{silo.Tail()}");
        Assert.True(File.Exists(Path.Combine(outDir, "smoke.md")), "the Markdown report is missing");
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath));
        var root = report.RootElement;

        var scenarios = root.GetProperty("scenarios").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        foreach (var id in Scenarios)
        {
            Assert.True(scenarios.TryGetValue(id, out var s), $"scenario {id} is missing from the report.{Environment.NewLine}{log}");
            var context = $"scenario {id}: {s}{Environment.NewLine}{log}{Environment.NewLine}{silo.Tail()}";
            Assert.False(s.TryGetProperty("error", out _), context);
            Assert.True(s.GetProperty("recordsPerSecond").GetDouble() > 0, context);
            Assert.True(s.GetProperty("requestsPerSecond").GetDouble() > 0, context);
            Assert.True(s.GetProperty("latency").GetProperty("count").GetInt64() > 0, context);
            Assert.Equal(0, s.GetProperty("errors").GetInt64());
            Assert.True(s.GetProperty("verification").GetProperty("matched").GetBoolean(), context);
            Assert.NotEmpty(s.GetProperty("ratios").EnumerateArray());
            // The paced read scenarios report against the read target in a note; it is judged under scenario 2's load.
            if (id.StartsWith("read-last1-under-", StringComparison.Ordinal) && id != "read-last1-under-write")
                Assert.Contains(s.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("target", StringComparison.Ordinal));
            else
                Assert.NotEmpty(s.GetProperty("targets").EnumerateArray());
        }

        // The rules group: every event's webhook arrived, signed, and the writes were stored; no timing is judged.
        foreach (var id in RuleWebhookScenarios)
        {
            Assert.True(scenarios.TryGetValue(id, out var s), $"scenario {id} is missing from the report.{Environment.NewLine}{log}");
            var context = $"scenario {id}: {s}{Environment.NewLine}{log}{Environment.NewLine}{silo.Tail()}";
            Assert.False(s.TryGetProperty("error", out _), context);
            Assert.True(s.GetProperty("recordsPerSecond").GetDouble() > 0, context);
            Assert.Equal(0, s.GetProperty("errors").GetInt64());
            Assert.True(s.GetProperty("verification").GetProperty("matched").GetBoolean(), context);
            var webhooks = s.GetProperty("webhooks");
            var events = webhooks.GetProperty("events").GetInt64();
            Assert.True(events > 0, context);
            Assert.Equal(events, webhooks.GetProperty("received").GetInt64());
            Assert.Equal(events, s.GetProperty("latency").GetProperty("count").GetInt64());
            Assert.True(webhooks.GetProperty("signaturesChecked").GetInt64() >= events, context);
            Assert.Equal(0, webhooks.GetProperty("badSignatures").GetInt64());
            Assert.Equal(0, webhooks.GetProperty("badBodies").GetInt64());
            Assert.True(webhooks.GetProperty("matched").GetBoolean(), context);
            Assert.NotEmpty(s.GetProperty("targets").EnumerateArray());
        }
        foreach (var id in RuleBatchScenarios)
        {
            Assert.True(scenarios.TryGetValue(id, out var s), $"scenario {id} is missing from the report.{Environment.NewLine}{log}");
            var context = $"scenario {id}: {s}{Environment.NewLine}{log}{Environment.NewLine}{silo.Tail()}";
            Assert.False(s.TryGetProperty("error", out _), context);
            Assert.True(s.GetProperty("rules").GetInt32() > 0, context);
            Assert.True(s.GetProperty("storedRecordsPerSecond").GetDouble() > 0, context);
            Assert.Equal(0, s.GetProperty("errors").GetInt64());
            Assert.True(s.GetProperty("verification").GetProperty("matched").GetBoolean(), context);
            Assert.Contains(s.GetProperty("ratios").EnumerateArray(), r => r.GetProperty("kind").GetString() == "rules0" && r.GetProperty("value").GetDouble() > 0);
            // The unindexed variant is informative: no target, a note instead.
            if (id.Contains("unindexed", StringComparison.Ordinal))
                Assert.Contains(s.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("no target", StringComparison.Ordinal));
            else
                Assert.NotEmpty(s.GetProperty("targets").EnumerateArray());
        }
        foreach (var id in LiveScenarios)
        {
            Assert.True(scenarios.TryGetValue(id, out var s), $"scenario {id} is missing from the report.{Environment.NewLine}{log}");
            var context = $"scenario {id}: {s}{Environment.NewLine}{log}{Environment.NewLine}{silo.Tail()}";
            Assert.False(s.TryGetProperty("error", out _), context);
            Assert.NotEmpty(s.GetProperty("targets").EnumerateArray());
            if (id == "live-idle-1000") continue;
            Assert.True(s.GetProperty("recordsPerSecond").GetDouble() > 0, context);
            Assert.True(s.GetProperty("verification").GetProperty("matched").GetBoolean(), context);
        }
        // Every acknowledged record reached every subscriber once (a correctness check, not a timing).
        Assert.Contains(scenarios["live-latency-1k"].GetProperty("targets").EnumerateArray(),
            t => t.GetProperty("target").GetString()!.StartsWith("every acknowledged record", StringComparison.Ordinal) && t.GetProperty("met").GetBoolean());
        // The views group: a join read by key, beside the same read of one of its datasets.
        Assert.True(scenarios.TryGetValue("view-join-last1", out var viewScenario), $"scenario view-join-last1 is missing from the report.{Environment.NewLine}{log}");
        Assert.False(viewScenario.TryGetProperty("error", out _), $"scenario view-join-last1: {viewScenario}{Environment.NewLine}{log}");
        Assert.Equal(2, viewScenario.GetProperty("targets").EnumerateArray().Count());
        Assert.True(viewScenario.GetProperty("latency").GetProperty("p99Ms").GetDouble() > 0, $"scenario view-join-last1: {viewScenario}");
        // The ethereum group: the blocks and logs streams backfilled from anvil (the test command installs anvil).
        foreach (var id in new[] { "ethereum-blocks-backfill", "ethereum-logs-backfill" })
        {
            Assert.True(scenarios.TryGetValue(id, out var ethereum), $"scenario {id} is missing from the report.{Environment.NewLine}{log}");
            Assert.False(ethereum.TryGetProperty("error", out _), $"scenario {id}: {ethereum}{Environment.NewLine}{log}");
            Assert.True(ethereum.GetProperty("recordsPerSecond").GetDouble() > 0, $"scenario {id}: {ethereum}");
        }
        foreach (var id in ConditionScenarios)
        {
            Assert.True(scenarios.TryGetValue(id, out var s), $"scenario {id} is missing from the report.{Environment.NewLine}{log}");
            Assert.False(s.TryGetProperty("error", out _), $"scenario {id}: {s}");
            Assert.True(s.GetProperty("condition").GetProperty("nsPerEvaluation").GetDouble() > 0, $"scenario {id}: {s}");
            Assert.NotEmpty(s.GetProperty("targets").EnumerateArray());
        }

        var baselines = root.GetProperty("baselines").EnumerateArray().ToDictionary(b => b.GetProperty("id").GetString()!);
        foreach (var id in Baselines)
        {
            Assert.True(baselines.TryGetValue(id, out var b), $"baseline {id} is missing from the report.{Environment.NewLine}{log}");
            Assert.False(b.TryGetProperty("error", out _), $"baseline {id}: {b}");
            Assert.True(b.GetProperty("recordsPerSecond").GetDouble() > 0, $"baseline {id}: {b}");
        }
        Assert.NotEmpty(root.GetProperty("storeSweep").EnumerateArray());
        Assert.Equal(0, exitCode);
    }

    private static async Task<(int ExitCode, string Log)> RunBenchAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(BenchDll());
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine("[stderr] " + e.Data); };
        if (!process.Start()) throw new InvalidOperationException("dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(BenchTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (log) throw new TimeoutException($"the bench tool did not finish within {BenchTimeout.TotalSeconds} s{Environment.NewLine}{log}");
        }
        process.WaitForExit(); // drains the redirected output
        lock (log) return (process.ExitCode, log.ToString());
    }

    /// <summary>The bench tool built next to this test build (same configuration), found from the folder holding the solution.</summary>
    private static string BenchDll()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var repo = new DirectoryInfo(baseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "Apperate.Actors.sln"))) repo = repo.Parent;
        if (repo is null) throw new InvalidOperationException($"No Apperate.Actors.sln above {baseDirectory}");
        var segments = baseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(segments, "bin");
        if (bin < 0 || bin + 1 >= segments.Length) throw new InvalidOperationException($"Cannot tell the build configuration from {baseDirectory}");
        var dll = Path.Combine(repo.FullName, "bench", "Apperate.Actors.Bench", "bin", segments[bin + 1], "net10.0", "Apperate.Actors.Bench.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} does not exist: build the solution first (dotnet build Apperate.Actors.sln -c {segments[bin + 1]}).");
        return dll;
    }
}
