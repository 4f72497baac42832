using System.Net.Http.Json;

namespace Apperate.Actors.Bench;

/// <summary>
/// The <c>views</c> group: <c>GET /data/WS/VIEW/KEY?last=1</c> on a join of two datasets of <see cref="Options.DataRows"/>
/// rows each, beside the same read of one of the joined datasets in the same run. See bench/README.md, "The views group".
/// </summary>
internal sealed partial class Bench
{
    // Targets of views (issue: views): p99 on SQLite, and against the dataset read of the same run.
    private const double ViewP99Target = 10, ViewRatioTarget = 2;

    private const string ViewBaselineId = "view-dataset-last1";

    private async Task ViewGroupAsync()
    {
        var s = new ScenarioReport { Id = "view-join-last1", Title = $"12. GET /data …/VIEW/KEY?last=1 on a join of two {o.DataRows:N0}-row datasets", Concurrency = 2 };
        _report.Scenarios.Add(s);
        try
        {
            var left = DatasetId("VIEWL");
            var right = DatasetId("VIEWR");
            var view = DatasetId("VIEWJ");
            s.DatasetId = view;
            var file = Path.Combine(_work, "view-rows.csv");
            Payloads.WriteFile(file, o.DataRows, csv: true);
            foreach (var ds in new[] { left, right })
            {
                await _service.CreateDatasetAsync(ds);
                var (status, _, text, took) = await _service.LoadFileAsync(file, ds, "text/csv");
                if (status is < 200 or > 299) throw new InvalidOperationException($"loading {ds} answered {status}: {text}");
                Log($"views: loaded {o.DataRows:N0} rows into {ds} in {took:F1} s");
            }
            var sql = $"SELECT a.symbol, a.date, a.price, b.size AS right_size FROM {Ws}.`{left}` a JOIN {Ws}.`{right}` b ON b.symbol = a.symbol AND b.date = a.date";
            using (var http = LoadRunner.Client(o.Url!, 1, o.Token))
            using (var created = await http.PostAsJsonAsync($"/v1/views/{Ws}", new { viewId = view, sql }))
            {
                if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"creating the view answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            }

            var interval = TimeSpan.FromMilliseconds(10);
            var seconds = TimeSpan.FromSeconds(Math.Min(Duration, 10));
            using var readHttp = LoadRunner.Client(o.Url!, 2, o.Token);
            Func<string, Uri> datasetUri = key => new Uri($"/v1/data/{Ws}/{left}/{key}?last=1", UriKind.Relative);
            Func<string, Uri> viewUri = key => new Uri($"/v1/data/{Ws}/{view}/{key}?last=1", UriKind.Relative);

            // Warm both paths (the view grain binds on its first read), then the dataset read, then the view read.
            await LoadRunner.RunAsync(readHttp, 2, TimeSpan.FromSeconds(o.Smoke ? 0.2 : 1), w => new ReadWorker(viewUri, 50 + w), interval);
            var baseline = new BaselineReport
            {
                Id = ViewBaselineId,
                Description = $"the same paced GET …/KEY?last=1 on the view's first dataset ({o.DataRows:N0} rows), 2 readers, {seconds.TotalSeconds:0.#} s, in this run",
            };
            _baselines[baseline.Id] = baseline;
            var sample = _cpu.Sample();
            var datasetRead = await LoadRunner.RunAsync(readHttp, 2, seconds, w => new ReadWorker(datasetUri, 100 + w), interval);
            baseline.Cpu = _cpu.Since(sample);
            baseline.Apply(datasetRead);

            sample = _cpu.Sample();
            var viewRead = await LoadRunner.RunAsync(readHttp, 2, seconds, w => new ReadWorker(viewUri, 200 + w), interval);
            s.Cpu = _cpu.Since(sample);
            s.Memory = _cpu.Memory();
            s.Apply(viewRead);

            using (var check = await GetAsync(viewUri(Payloads.Symbol(0))))
                s.Example = $"GET /v1/data/{Ws}/{view}/S0000?last=1 → {await check.Content.ReadAsStringAsync()}\n\n# the view:\nPOST /v1/views/{Ws} {{\"viewId\":\"{view}\",\"sql\":\"{sql.Replace("`", "\\`", StringComparison.Ordinal)}\"}}";
            s.Request = $"GET /v1/data/{Ws}/{view}/{{symbol}}?last=1  Authorization: Bearer $TOKEN";
            s.Load = $"2 readers, each sending one GET every {interval.TotalMilliseconds:0} ms for {seconds.TotalSeconds:0.#} s, no write load; both datasets hold the same {o.DataRows:N0} rows " +
                     $"({Payloads.SymbolCount} keys), so every row of one has its match in the other";
            s.Payload = "no body; the key is a random one of the 500 symbols; the answer is that key's newest joined row";
            s.Targets.Add(new TargetCheck($"p99 ≤ {ViewP99Target} ms", $"{s.Latency.P99Ms:0.00} ms", s.Latency.P99Ms <= ViewP99Target));
            if (baseline.Latency is { P99Ms: > 0 } b)
            {
                var ratio = s.Latency.P99Ms / b.P99Ms;
                s.Ratios.Add(new RatioReport("dataset", baseline.Id, "p99 ms (ratio = view p99 ÷ dataset p99)", b.P99Ms, ratio));
                s.Targets.Add(new TargetCheck($"p99 ≤ {ViewRatioTarget}× the dataset read's p99", $"{ratio:0.00}× ({s.Latency.P99Ms:0.00} vs {b.P99Ms:0.00} ms)", ratio <= ViewRatioTarget));
            }
            Log($"{s.Id}: p50 {s.Latency.P50Ms:0.00} p99 {s.Latency.P99Ms:0.00} ms; dataset p50 {datasetRead.Latency.P50Ms:0.00} p99 {datasetRead.Latency.P99Ms:0.00} ms");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
    }
}
