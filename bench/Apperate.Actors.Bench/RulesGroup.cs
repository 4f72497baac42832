using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Apperate.Actors.Bench;

/// <summary>
/// The <c>rules</c> group: event → webhook latency with keyed rules that each match one symbol, batched write
/// throughput with rules that never match (keyed, threshold, and rules no index narrows) against the same load without rules, and the compiled
/// condition micro-benchmark. See bench/README.md, "The rules group".
/// </summary>
internal sealed partial class Bench
{
    // Targets of the rules engine (the brief of the rules group; bench/README.md).
    private const double WebhookP50Target = 10, WebhookP99Target = 50, WebhookP99HighTarget = 100, FewShareTarget = 0.85, ManyShareTarget = 0.70, ConditionNsTarget = 200;

    /// <summary>Every paced sender sends one record per this interval; the senders are as many as the rate needs.</summary>
    private static readonly TimeSpan EventInterval = TimeSpan.FromMilliseconds(10);

    private const int RuleBatchRows = 100;
    private const string RulesBaselineId = "rules-batch-0-rules";

    private async Task RulesGroupAsync()
    {
        if (o.RunsPart("rules", "conditions")) await ConditionScenariosAsync();
        if (!o.RunsPart("rules", "webhook") && !o.RunsPart("rules", "batch")) return;
        await using var receiver = await WebhookReceiver.StartAsync();
        Log($"rules: webhook receiver at {receiver.BaseAddress}");

        if (o.RunsPart("rules", "webhook")) await WebhookScenariosAsync(receiver);
        if (o.RunsPart("rules", "batch")) await RuleBatchScenariosAsync(receiver);
    }

    private async Task WebhookScenariosAsync(WebhookReceiver receiver)
    {
        await WebhookWarmupAsync(receiver);
        var latencyRules = o.Smoke ? 10 : 100;
        var low = o.Smoke ? 200 : 1_000;
        var high = o.Smoke ? 1_000 : 10_000;
        await WebhookScenarioAsync(receiver, "rules-webhook-1k", "RULES1K", low, latencyRules, s =>
        {
            s.Targets.Add(new TargetCheck($"p50 ≤ {WebhookP50Target} ms", $"{s.Latency.P50Ms:0.0} ms", s.Latency.Count > 0 && s.Latency.P50Ms <= WebhookP50Target));
            s.Targets.Add(new TargetCheck($"p99 ≤ {WebhookP99Target} ms", $"{s.Latency.P99Ms:0.0} ms", s.Latency.Count > 0 && s.Latency.P99Ms <= WebhookP99Target));
        });
        await WebhookScenarioAsync(receiver, "rules-webhook-10k", "RULES10K", high, latencyRules, s =>
            s.Targets.Add(new TargetCheck($"p99 ≤ {WebhookP99HighTarget} ms", $"{s.Latency.P99Ms:0.0} ms", s.Latency.Count > 0 && s.Latency.P99Ms <= WebhookP99HighTarget)));
    }

    private async Task RuleBatchScenariosAsync(WebhookReceiver receiver)
    {
        // Batched writes: the same load with no rules before and after the runs with rules, so drift during the group shows.
        var few = o.Smoke ? 10 : 100;
        var many = o.Smoke ? 100 : 1_000;
        var none = new List<double>();
        await BatchBaselineAsync(RulesBaselineId, "RULES0", "no rules, before the runs with rules", none);
        var keyedFew = await RuleBatchScenarioAsync(receiver, "rules-batch-keyed-100", $"8. async POST /record, 100/request, {few:N0} keyed rules that never match", "RULESKEYED" + few, few, RuleShape.Keyed);
        var keyedMany = await RuleBatchScenarioAsync(receiver, "rules-batch-keyed-1000", $"8. async POST /record, 100/request, {many:N0} keyed rules that never match", "RULESKEYED" + many, many, RuleShape.Keyed);
        var thresholdFew = await RuleBatchScenarioAsync(receiver, "rules-batch-threshold-100", $"8. async POST /record, 100/request, {few:N0} threshold rules that never pass", "RULESTHRESHOLD" + few, few, RuleShape.Threshold);
        var thresholdMany = await RuleBatchScenarioAsync(receiver, "rules-batch-threshold-1000", $"8. async POST /record, 100/request, {many:N0} threshold rules that never pass", "RULESTHRESHOLD" + many, many, RuleShape.Threshold);
        var unindexed = await RuleBatchScenarioAsync(receiver, "rules-batch-unindexed-100", $"8. async POST /record, 100/request, {few:N0} rules no index can narrow, that never pass (informative)", "RULESUNINDEXED" + few, few, RuleShape.Unindexed);
        await BatchBaselineAsync(RulesBaselineId + "-after", "RULES0AFTER", "no rules, after the runs with rules", none);

        if (none.Count == 0) return;
        var baseline = none.Average();
        var baselineName = none.Count == 2 ? $"{RulesBaselineId} and {RulesBaselineId}-after (mean)" : RulesBaselineId;
        foreach (var (s, share) in new[] { (keyedFew, (double?)FewShareTarget), (keyedMany, ManyShareTarget), (thresholdFew, FewShareTarget), (thresholdMany, ManyShareTarget), (unindexed, null) })
        {
            if (s.Error is not null || s.StoredRecordsPerSecond is not { } stored) continue;
            var ratio = stored / baseline;
            s.Ratios.Add(new RatioReport("rules0", baselineName, "stored records/s", baseline, ratio));
            if (share is { } target)
                s.Targets.Add(new TargetCheck($"≥ {target:P0} of the same load with no rules", $"{ratio:P0}", ratio >= target));
            else
                s.Notes.Add($"informative, no target: every record is evaluated against all {s.Rules:N0} rules; {ratio:P0} of the same load with no rules");
            Log($"{s.Id}: {stored:N0} stored records/s = {ratio:P0} of the 0-rule rate ({baseline:N0}: {string.Join(" / ", none.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))})");
        }
    }

    // ---- compiled conditions -----------------------------------------------------------------------------------

    private async Task ConditionScenariosAsync()
    {
        var evaluations = o.Smoke ? 200_000L : 10_000_000L;
        var scenarios = new[]
        {
            new ScenarioReport { Id = "rules-condition-price", Title = $"6. compiled condition `{ConditionMicro.PriceRule}`", Concurrency = 1 },
            new ScenarioReport { Id = "rules-condition-all3", Title = "6. compiled condition: `all` of 3 (price > 150, size >= 100, symbol in 5)", Concurrency = 1 },
        };
        _report.Scenarios.AddRange(scenarios);
        try
        {
            var before = _cpu.Sample();
            var results = await Task.Run(() => ConditionMicro.Measure(evaluations));
            var cpu = _cpu.Since(before);
            for (var i = 0; i < scenarios.Length; i++)
            {
                var (s, r) = (scenarios[i], results[i]);
                s.Condition = new ConditionCost(r.Rule, r.NsPerEvaluation, r.Passed, r.BytesPerEvaluation, r.Evaluations);
                s.Request = "none: the product's RuleValidator and RuleCompiler build the rule, CompiledRule.Evaluate is timed in the bench process (no service, no HTTP, no Orleans)";
                s.Load = $"{r.Evaluations:N0} evaluations in a loop on one thread after {r.Evaluations / 10:N0} of warm-up (as `--condition-micro --evaluations {r.Evaluations}`)";
                s.Payload = "1,024 rows of a trades dataset (symbol, date, price, size) as the dataset grain holds them: boxed values in schema order, random prices, sizes, symbols and times of day, cycled";
                s.Seconds = r.NsPerEvaluation * r.Evaluations / 1e9;
                s.Records = r.Evaluations;
                s.RecordsPerSecond = 1e9 / r.NsPerEvaluation;
                s.Cpu = cpu;
                s.Targets.Add(new TargetCheck($"≤ {ConditionNsTarget} ns/evaluation", $"{r.NsPerEvaluation:0.0} ns", r.NsPerEvaluation <= ConditionNsTarget));
                Log($"{s.Id}: {r.NsPerEvaluation:0.0} ns/evaluation, {r.Passed:P0} passed, {r.BytesPerEvaluation:0.0} bytes/evaluation");
            }
            if (results.Count > 2)
                scenarios[1].Notes.Add($"the same run's third rule, `{results[2].Rule}`: {results[2].NsPerEvaluation:0.0} ns/evaluation, {results[2].BytesPerEvaluation:0.0} bytes");
        }
        catch (Exception ex)
        {
            foreach (var s in scenarios) s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"condition micro-benchmark failed: {ex}");
        }
    }

    // ---- event → webhook latency -----------------------------------------------------------------------------------

    /// <summary>
    /// <paramref name="rules"/> rules, rule k passing the records of symbol S(k) (and price &gt; 0) with a webhook to the
    /// bench's receiver; records of symbols cycling over S(0)…S(rules − 1), one per async POST, paced at
    /// <paramref name="rate"/>/s; each record's webhook timed from its write's answer.
    /// </summary>
    private async Task WebhookScenarioAsync(WebhookReceiver receiver, string id, string tag, int rate, int rules, Action<ScenarioReport> targets)
    {
        var senders = Math.Max(1, (int)Math.Round(rate * EventInterval.TotalSeconds));
        var interval = TimeSpan.FromSeconds((double)senders / rate);
        var s = new ScenarioReport { Id = id, Title = $"7. rule → webhook, {rate:N0} events/s paced, {rules:N0} keyed rules", Concurrency = senders, Rules = rules };
        _report.Scenarios.Add(s);
        try
        {
            var ds = DatasetId(tag);
            s.DatasetId = ds;
            await _service.CreateDatasetAsync(ds);
            var capacity = senders * ((long)Math.Ceiling(o.Duration / interval) + 2);
            var sink = new WebhookSink(tag, rules, capacity);
            receiver.Add(sink);
            var ruleIds = new string[rules];
            s.RulesCreatedSeconds = await CreateRulesAsync(rules, k => KeyedRule(ds, $"bench {tag} {k}", Payloads.Symbol(k), "0", receiver.Url(sink, k)), (k, ruleId, secret) =>
            {
                ruleIds[k] = ruleId;
                sink.SetRule(k, ruleId, secret ?? throw new InvalidOperationException("the create response has no outputs[0].secret"));
            });
            Log($"{id}: created {rules:N0} rules in {s.RulesCreatedSeconds:F1} s");

            var path = $"/v1/record/{Ws}/{ds}";
            s.Request = $"POST {path}  Authorization: Bearer $TOKEN, Content-Type: application/json  (one record per request; the rules' webhooks POST to the bench's receiver)";
            s.Load = $"{senders} paced senders on {senders} HTTP/1.1 keep-alive connections, each sending one request every {interval.TotalMilliseconds:0.##} ms (≈ {rate:N0} events/s; " +
                     $"a late sender catches up, so the rate holds while the service keeps up) for {Duration:0.#} s; then up to {StragglerWait.TotalSeconds:0} s " +
                     $"without progress (at most {o.DrainTimeout.TotalSeconds:0} s) for webhooks still on their way";
            s.Payload = $"one JSON record object; record n has symbol S(n mod {rules}) and date 2020-01-01T00:00:00Z + n ms, so it passes exactly one rule and its webhook names it by data.date; " +
                        $"{rules:N0} rules, rule k: symbol = S(k) and price > 0 (all prices are), one webhook output, frequency 0 (every pass sends)";
            s.Example = Payloads.JsonExample(0, 1) + "\n\n# rule 0, as created:\n" + KeyedRule(ds, $"bench {tag} 0", Payloads.Symbol(0), "0", receiver.Url(sink, 0)) +
                        $"\n\n# one write, as curl:\ncurl -X POST \"$URL{path}\" -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' --data-binary @record.json";

            var rows = new RowCounter();
            var uri = new Uri(path, UriKind.Relative);
            using var http = LoadRunner.Client(o.Url!, senders, o.Token);
            var before = _cpu.Sample();
            var load = await LoadRunner.RunAsync(http, senders, o.Duration, _ => new EventWorker(uri, rows, rules, sink), interval);
            s.Cpu = _cpu.Since(before);
            s.Memory = _cpu.Memory();
            s.Apply(load);
            s.RequestLatency = load.Latency;
            var drain = _cpu.Sample();
            var waited = await WaitForWebhooksAsync(sink, load.Records);
            var drainCpu = _cpu.Since(drain);
            s.Verification = await _service.VerifyAsync(ds, load.Records, o.DrainTimeout);
            var check = sink.Summarize(rate, s.RecordsPerSecond, senders, interval.TotalMilliseconds, waited, receiver.Unrouted, out var latency, out var parts);
            s.Webhooks = check;
            s.LatencyParts = parts;
            s.Latency = latency;
            s.LatencyLabel = "event → webhook latency (the webhook's arrival at the receiver − the arrival of its record's 200 answer)";
            targets(s);
            s.Targets.Add(new TargetCheck("every acknowledged event's webhook arrives, signed", $"{check.Received:N0} of {check.Events:N0} ({check.Missing:N0} missing, {check.BadSignatures:N0} bad signatures)", check.Matched));
            if (s.RecordsPerSecond < rate * 0.95)
                s.Notes.Add($"**the senders issued {s.RecordsPerSecond:N0} events/s, not the {rate:N0} asked** (write answers p99 {load.Latency.P99Ms:0.0} ms, {load.Rejected429:N0} × 429)");
            s.Notes.Add($"CPU while the last webhooks arrived ({waited:F2} s after the window): service {drainCpu.ServiceCores:F2}, bench process {drainCpu.BenchCores:F2} cores");
            if (check.ArrivedBeforeAnswer > 0)
                s.Notes.Add($"{check.ArrivedBeforeAnswer:N0} webhooks arrived before the bench had read their write's answer (the commit and delivery raced the response); their samples are negative");
            s.Notes.Add(await RuleCountersNoteAsync(ruleIds, $"expected: ran = passed = sent = {load.Records:N0} (one rule per event), failed 0"));
            Log($"{id}: {s.RecordsPerSecond:N0} events/s issued ({rate:N0} asked), webhooks {check.Received:N0}/{check.Events:N0} (missing {check.Missing:N0}, bad signatures {check.BadSignatures}, " +
                $"bad bodies {check.BadBodies}), latency p50 {latency.P50Ms:0.0} p90 {latency.P90Ms:0.0} p99 {latency.P99Ms:0.0} max {latency.MaxMs:0.0} ms; POST p99 {load.Latency.P99Ms:0.0} ms; " +
                $"stragglers {waited:F2} s; {string.Join("; ", parts.Select(p => $"{p.Key[..p.Key.IndexOf('(')].Trim()} p50 {p.Value.P50Ms:0.0} p99 {p.Value.P99Ms:0.0}"))}; CPU service {s.Cpu.ServiceCores:F2} bench {s.Cpu.BenchCores:F2}");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{id} failed: {ex}");
        }
    }

    /// <summary>
    /// Rules, alerts and deliveries through the service once before the timed scenarios (its code is compiled by the JIT
    /// on first use, and the warmup at the start of the run writes records only): 10 rules and 500 events/s on a dataset
    /// of their own, not reported.
    /// </summary>
    private async Task WebhookWarmupAsync(WebhookReceiver receiver)
    {
        const int rules = 10, rate = 500;
        var duration = TimeSpan.FromSeconds(o.Smoke ? 0.3 : 3);
        try
        {
            var ds = DatasetId("RULESWARMUP");
            await _service.CreateDatasetAsync(ds);
            var senders = (int)(rate * EventInterval.TotalSeconds);
            var sink = new WebhookSink("RULESWARMUP", rules, senders * ((long)Math.Ceiling(duration / EventInterval) + 2));
            receiver.Add(sink);
            await CreateRulesAsync(rules, k => KeyedRule(ds, $"bench warmup {k}", Payloads.Symbol(k), "0", receiver.Url(sink, k)), (k, id, secret) => sink.SetRule(k, id, secret!));
            using var http = LoadRunner.Client(o.Url!, senders, o.Token);
            var rows = new RowCounter();
            var uri = new Uri($"/v1/record/{Ws}/{ds}", UriKind.Relative);
            var load = await LoadRunner.RunAsync(http, senders, duration, _ => new EventWorker(uri, rows, rules, sink), EventInterval);
            var waited = await WaitForWebhooksAsync(sink, load.Records);
            _report.Notes.Add($"Before the rule → webhook scenarios, a warm-up not reported: {rules} keyed rules on a dataset of their own, {rate} events/s for {duration.TotalSeconds:0.#} s " +
                              $"({load.Records:N0} events, {sink.Received:N0} webhooks within {waited:F1} s after).");
            Log($"rules warmup: {load.Records:N0} events, {sink.Received:N0} webhooks ({waited:F1} s after the window)");
        }
        catch (Exception ex)
        {
            _report.Notes.Add($"The rules warm-up failed: {ex.GetType().Name}: {ex.Message}");
            Log($"rules warmup failed: {ex}");
        }
    }

    private TimeSpan StragglerWait => TimeSpan.FromSeconds(o.Smoke ? 10 : 30);

    /// <summary>Waits until <paramref name="expected"/> webhooks arrived, or none came for <see cref="StragglerWait"/>, or the drain timeout passed; returns the seconds waited.</summary>
    private async Task<double> WaitForWebhooksAsync(WebhookSink sink, long expected)
    {
        var clock = Stopwatch.StartNew();
        var last = sink.Received;
        var progressAt = TimeSpan.Zero;
        while (sink.Received < expected && clock.Elapsed - progressAt < StragglerWait && clock.Elapsed < o.DrainTimeout)
        {
            await Task.Delay(10);
            if (sink.Received != last)
            {
                last = sink.Received;
                progressAt = clock.Elapsed;
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    // ---- batched writes with rules ---------------------------------------------------------------------------------

    private sealed record BatchRun(string Dataset, LoadResult Load, Verification Verification, CpuUse Cpu, ServiceMemory? Memory, double StoredRate);

    /// <summary>A batched run's numbers in its scenario's report.</summary>
    private static void ApplyBatchRun(ScenarioReport s, BatchRun run)
    {
        s.Apply(run.Load);
        s.Cpu = run.Cpu;
        s.Memory = run.Memory;
        s.Verification = run.Verification;
        s.DrainSeconds = run.Verification.WaitedSeconds;
        s.StoredRecordsPerSecond = run.StoredRate;
    }

    /// <summary>Scenario 2's load (100 records/request, closed loop) on a fresh dataset that <paramref name="prepare"/> may give rules first.</summary>
    private async Task<BatchRun> RuleBatchLoadAsync(string tag, Func<string, Task>? prepare)
    {
        var ds = DatasetId(tag);
        await _service.CreateDatasetAsync(ds);
        if (prepare is not null) await prepare(ds);
        var rows = new RowCounter();
        var uri = new Uri($"/v1/record/{Ws}/{ds}", UriKind.Relative);
        using var http = LoadRunner.Client(o.Url!, o.BatchConcurrency, o.Token);
        var before = _cpu.Sample();
        var load = await LoadRunner.RunAsync(http, o.BatchConcurrency, o.Duration, _ => new RecordWorker(uri, RuleBatchRows, rows));
        var cpu = _cpu.Since(before);
        var memory = _cpu.Memory();
        var verification = await _service.VerifyAsync(ds, load.Records, o.DrainTimeout);
        return new BatchRun(ds, load, verification, cpu, memory, load.Records / (load.Seconds + verification.WaitedSeconds));
    }

    /// <summary>
    /// Scenario 2's load on a fresh dataset (<paramref name="tag"/>) with nothing on it (<paramref name="what"/> says what, and
    /// when), as the baseline of a group's batched runs; its stored rate is added to <paramref name="rates"/> when every record was stored.
    /// </summary>
    private async Task BatchBaselineAsync(string id, string tag, string what, List<double> rates)
    {
        var b = new BaselineReport
        {
            Id = id,
            Description = $"scenario 2's load (async POST /record, {RuleBatchRows} records/request, {o.BatchConcurrency} clients, closed loop, {Duration:0.#} s) on a fresh dataset with " +
                          $"{what}; records/s is the stored rate (acknowledged records ÷ the window plus the time until they were all counted)",
        };
        _baselines[id] = b;
        try
        {
            var run = await RuleBatchLoadAsync(tag, null);
            b.Apply(run.Load);
            b.Cpu = run.Cpu;
            b.RecordsPerSecond = run.StoredRate;
            if (!run.Verification.Matched) b.Error = $"stored {run.Verification.Stored:N0} of {run.Verification.Acknowledged:N0} acknowledged";
            else rates.Add(run.StoredRate);
            Log($"{id}: {run.Load.Records / run.Load.Seconds:N0} records/s acknowledged, {run.StoredRate:N0} stored/s, CPU service {run.Cpu.ServiceCores:F2} bench {run.Cpu.BenchCores:F2}");
        }
        catch (Exception ex)
        {
            b.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{id} failed: {ex}");
        }
    }

    private async Task<ScenarioReport> RuleBatchScenarioAsync(WebhookReceiver receiver, string id, string title, string tag, int rules, RuleShape shape)
    {
        var s = new ScenarioReport { Id = id, Title = title, Concurrency = o.BatchConcurrency, Rules = rules };
        _report.Scenarios.Add(s);
        try
        {
            // Never called: a sink that is not registered, so a request to it would count as unrouted.
            var nowhere = new WebhookSink(tag, 1, 1);
            string Rule(string ds, int k) => shape switch
            {
                RuleShape.Keyed => KeyedRule(ds, $"bench {tag} {k}", $"X{k}", "0", receiver.Url(nowhere, k)),
                RuleShape.Threshold => ThresholdRule(ds, $"bench {tag} {k}", 1_000_000_000_000L + k, receiver.Url(nowhere, k)),
                _ => UnindexedRule(ds, $"bench {tag} {k}", $"Z{k}", receiver.Url(nowhere, k)),
            };
            var ruleIds = new string[rules];
            var unrouted = receiver.Unrouted;
            var run = await RuleBatchLoadAsync(tag, async ds =>
            {
                s.DatasetId = ds;
                s.RulesCreatedSeconds = await CreateRulesAsync(rules, k => Rule(ds, k), (k, ruleId, _) => ruleIds[k] = ruleId);
                Log($"{id}: created {rules:N0} rules in {s.RulesCreatedSeconds:F1} s");
                s.Example = Payloads.JsonExample(0, 2) + $"   (… {RuleBatchRows} records in all)\n\n# rule 0, as created:\n" + Rule(ds, 0);
            });
            var path = $"/v1/record/{Ws}/{run.Dataset}";
            s.Request = $"POST {path}  Authorization: Bearer $TOKEN, Content-Type: application/json";
            s.Load = $"{o.BatchConcurrency} concurrent clients on {o.BatchConcurrency} HTTP/1.1 keep-alive connections, each sending its next request as soon as the previous one is answered, for {Duration:0.#} s (scenario 2's load)";
            s.Payload = $"a JSON array of {RuleBatchRows} record objects, symbols S0000…S{Payloads.SymbolCount - 1:D4}; {rules:N0} rules on the dataset, " + shape switch
            {
                RuleShape.Keyed => "rule k: symbol = X{k} and price > 0 with a webhook output: they fix keys the load never writes, so the key index skips them",
                RuleShape.Threshold => "rule k: price > 1e12 + k with a webhook output: they fix no key, and the threshold index finds none of them for a record's price",
                _ => "rule k: symbol endsWith Z{k} with a webhook output: no index narrows them, so every record is evaluated against every one, and none passes",
            };
            ApplyBatchRun(s, run);
            var counted = shape == RuleShape.Keyed ? "ran 0 (the key index skips them), passed 0" : $"ran = failed = {rules:N0} × the records stored ({run.Verification.Stored:N0}), passed 0";
            s.Notes.Add(await RuleCountersNoteAsync(ruleIds, "expected: " + counted));
            if (receiver.Unrouted != unrouted) s.Error = $"{receiver.Unrouted - unrouted} webhook(s) arrived for rules that can never pass";
            Log($"{id}: {s.RecordsPerSecond:N0} records/s acknowledged, {run.StoredRate:N0} stored/s, p99 {s.Latency.P99Ms:0.0} ms, 429s {s.Rejected429:N0}, " +
                $"stored {run.Verification.Stored:N0}/{run.Verification.Acknowledged:N0}, CPU service {run.Cpu.ServiceCores:F2} bench {run.Cpu.BenchCores:F2}");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{id} failed: {ex}");
        }
        return s;
    }

    // ---- rules ----------------------------------------------------------------------------------------------

    /// <summary>A rule that fixes the key: <c>symbol = <paramref name="symbol"/></c> and <c>price &gt; <paramref name="above"/></c>, one webhook output sending every pass.</summary>
    private string KeyedRule(string ds, string name, string symbol, string above, Uri webhook) =>
        $$"""{"ruleName":"{{name}}","type":"all","index":["{{Ws}}:DATASET:{{ds}}:symbol","{{Ws}}:DATASET:{{ds}}:price"],"conditions":[["$index[0]","=","{{symbol}}"],["$index[1]",">",{{above}}]],"outputs":[{"method":"webhook","url":"{{webhook}}","frequency":0}]}""";

    /// <summary>A rule that fixes no key and never passes on the bench's records, narrowed by the threshold index: <c>price &gt; <paramref name="above"/></c>, one webhook output.</summary>
    private string ThresholdRule(string ds, string name, long above, Uri webhook) =>
        $$"""{"ruleName":"{{name}}","type":"all","index":["{{Ws}}:DATASET:{{ds}}:price"],"conditions":[["$index[0]",">",{{above}}]],"outputs":[{"method":"webhook","url":"{{webhook}}","frequency":0}]}""";

    /// <summary>A rule no index narrows and that never passes on the bench's records: <c>symbol endsWith <paramref name="suffix"/></c>, one webhook output.</summary>
    private string UnindexedRule(string ds, string name, string suffix, Uri webhook) =>
        $$"""{"ruleName":"{{name}}","type":"all","index":["{{Ws}}:DATASET:{{ds}}:symbol"],"conditions":[["$index[0]","endsWith","{{suffix}}"]],"outputs":[{"method":"webhook","url":"{{webhook}}","frequency":0}]}""";

    /// <summary>The kinds of rules the batched-throughput scenarios create.</summary>
    private enum RuleShape
    {
        /// <summary>Found through the key index.</summary>
        Keyed,

        /// <summary>Found through the threshold index.</summary>
        Threshold,

        /// <summary>Evaluated for every record.</summary>
        Unindexed,
    }

    /// <summary>Creates rules 0 … <paramref name="count"/> − 1 (two requests at a time: the dataset grain takes them one by one anyway); returns the seconds it took.</summary>
    private async Task<double> CreateRulesAsync(int count, Func<int, string> body, Action<int, string, string?> created)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (k, _) =>
        {
            var (id, secret) = await _service.CreateRuleAsync(body(k));
            created(k, id, secret);
        });
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The summed counters of <paramref name="ruleIds"/> from <c>GET /v1/rules</c>, as a report note.</summary>
    private async Task<string> RuleCountersNoteAsync(string[] ruleIds, string expected)
    {
        try
        {
            var ids = new HashSet<string>(ruleIds.Where(i => i is not null), StringComparer.Ordinal);
            long ran = 0, passed = 0, failed = 0, sent = 0, listed = 0;
            using var response = await GetAsync(new Uri("/v1/rules", UriKind.Relative));
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            foreach (var rule in document.RootElement.EnumerateArray())
            {
                if (!ids.Contains(rule.GetProperty("id").GetString()!)) continue;
                listed++;
                ran += rule.GetProperty("ran").GetInt64();
                passed += rule.GetProperty("passed").GetInt64();
                failed += rule.GetProperty("failed").GetInt64();
                sent += rule.GetProperty("sent").GetInt64();
            }
            return $"rule counters (GET /v1/rules, summed over the scenario's {listed:N0} rules): ran {ran:N0}, passed {passed:N0}, failed {failed:N0}, sent {sent:N0}; {expected}";
        }
        catch (Exception ex)
        {
            return $"rule counters could not be read: {ex.GetType().Name}: {ex.Message}";
        }
    }
}

/// <summary>One record per request, symbols cycling over the first <c>symbols</c> keys; tells the sink when each write was answered.</summary>
internal sealed class EventWorker(Uri uri, RowCounter rows, int symbols, WebhookSink sink) : IRequestWorker, IAnswerObserver
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ArrayBufferWriter<byte> _body = new(256);
    private long _row;

    public int Next()
    {
        _row = rows.Take(1);
        Payloads.WriteJsonBody(_body, _row, 1, bareObject: true, symbols);
        return 1;
    }

    public HttpRequestMessage Build()
    {
        var content = new ReadOnlyMemoryContent(_body.WrittenMemory);
        content.Headers.ContentType = Json;
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Version = HttpVersion.Version11 };
    }

    public void Answered(long timestamp) => sink.Answered(_row, timestamp);
}
