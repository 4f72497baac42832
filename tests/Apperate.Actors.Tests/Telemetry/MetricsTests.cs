using System.Net;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Apperate.Actors.Tests.Rules;

namespace Apperate.Actors.Tests.Telemetry;

/// <summary>
/// <c>/metrics</c> scraped as Prometheus does after real writes, a batch load and alerts: the service's counters move by
/// exactly what was done; the scrape and the Orleans dashboard need the service workspace's secret token; metrics,
/// traces and logs reach an OTLP collector; log lines carry the trace id.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class MetricsTests(TelemetryFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private const string Ws = Api.Workspace;

    private readonly Api _api = fixture.Api;

    private async Task<PrometheusText> Scrape()
    {
        var reply = (await _api.Get("/metrics")).Expect(200);
        Assert.StartsWith("text/plain", reply.ContentType);
        return new PrometheusText(reply.Body);
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds (exports lag commits by a moment) and returns that scrape.</summary>
    private async Task<PrometheusText> ScrapeUntil(Func<PrometheusText, bool> condition, string what)
    {
        PrometheusText? last = null;
        try
        {
            await Eventually.Until(async () => condition(last = await Scrape()), Wait, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}{string.Join(Environment.NewLine, last?.Text.Split('\n').Where(l => l.StartsWith("apperate_", StringComparison.Ordinal) || l.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal)) ?? [])}");
        }
        return last!;
    }

    [Fact]
    public async Task Writes_move_accepted_stored_and_failed_by_their_record_counts()
    {
        var ds = Api.UniqueId("metrics");
        await _api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        var dataset = $"dataset={ds}";

        await _api.WriteNow(ds, """[{"symbol":"A","date":"2024-01-02","price":1},{"symbol":"B","date":"2024-01-02","price":2},{"symbol":"C","date":"2024-01-02","price":3}]""");
        (await _api.Post($"/v1/record/{Ws}/{ds}", """[{"symbol":"D","date":"2024-01-02","price":4},{"symbol":"E","date":"2024-01-02","price":5}]""")).Expect(200);
        (await _api.Post($"/v1/record/{Ws}/{ds}?wait=true", """[{"symbol":"F","date":"2024-01-02","price":"six"},{"symbol":"G","date":"2024-01-02","price":7}]""")).Expect(400);

        // ASP.NET Core counts a request when its answer is complete, a moment after the client has it.
        var m = await ScrapeUntil(m => m.Value("apperate_records_stored_total", dataset) >= 5
            && m.Value("http_server_request_duration_seconds_count", "http_request_method=POST", "http_response_status_code=400") >= 1, "5 records stored and the 400 counted");
        Assert.Equal(5, m.Value("apperate_records_stored_total", dataset, $"workspace={Ws}"));
        Assert.Equal(3, m.Value("apperate_records_accepted_total", dataset, "mode=wait"));
        Assert.Equal(2, m.Value("apperate_records_accepted_total", dataset, "mode=async"));
        Assert.Equal(2, m.Value("apperate_records_failed_total", dataset, "source=write"));
        // Two commits at least (the wait=true write and the async one), holding the 5 records between them.
        Assert.Equal(5, m.Value("apperate_write_batch_size_sum", dataset));
        Assert.InRange(m.Value("apperate_write_batch_size_count", dataset), 2, 5);
        Assert.Equal(m.Value("apperate_write_batch_size_count", dataset), m.Value("apperate_write_commit_duration_seconds_count", dataset));
        Assert.True(m.Value("apperate_write_commit_duration_seconds_sum", dataset) > 0);
        // Orleans' and ASP.NET Core's meters are exported too.
        Assert.Contains("orleans_", m.Text);
    }

    [Fact]
    public async Task A_batch_load_counts_its_loaded_and_invalid_rows()
    {
        var ds = Api.UniqueId("metricsload");
        await _api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        var csv = "symbol,date,price\nA,2024-01-02,1\nB,2024-01-02,x\nC,2024-01-02,3\nD,2024-01-02,4\n";
        var reply = (await _api.Send(HttpMethod.Post, $"/v1/data/{Ws}/{ds}", Api.Content(csv, "text/csv"))).Expect(200);
        Assert.Equal(3, reply.Json["ingested"]!.GetValue<long>());

        var dataset = $"dataset={ds}";
        var m = await ScrapeUntil(m => m.Value("apperate_jobs_rows_total", dataset) >= 4 && m.Value("apperate_records_stored_total", dataset) >= 3, "the load's 4 rows counted");
        Assert.Equal(3, m.Value("apperate_jobs_rows_total", dataset, "outcome=loaded"));
        Assert.Equal(1, m.Value("apperate_jobs_rows_total", dataset, "outcome=invalid"));
        Assert.Equal(1, m.Value("apperate_records_failed_total", dataset, "source=job"));
        Assert.Equal(3, m.Value("apperate_records_stored_total", dataset));
        Assert.Equal(0, m.Value("apperate_records_accepted_total", dataset));
    }

    [Fact]
    public async Task Rule_evaluations_alerts_and_failed_deliveries_are_counted()
    {
        var ds = Api.UniqueId("metricsrule");
        await _api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        var path = "/hooks/" + Guid.NewGuid().ToString("N");
        // The receiver fails every attempt: each one of the three (RulesSiloFixture.RetrySchedule) is a failed delivery.
        fixture.Receiver.Answer(path, WebhookAnswer.ServerError());
        var before = await Scrape();
        await _api.Create(RuleApi.Body("metrics rule", ds, ["symbol", "price"], """[["$index[1]",">",100]]""",
            RuleApi.Webhook(fixture.Receiver.Url(path)), RuleApi.Logs()));

        await _api.WriteNow(ds, """[{"symbol":"A","date":"2024-01-02","price":150},{"symbol":"B","date":"2024-01-02","price":50},{"symbol":"C","date":"2024-01-02","price":99}]""");
        await fixture.Receiver.WaitForAsync(path, 3, Wait);

        double Moved(PrometheusText now, string name, params string[] labels) => now.Value(name, labels) - before.Value(name, labels);
        var m = await ScrapeUntil(m => Moved(m, "apperate_alerts_delivery_failures_total", "method=webhook") >= 3, "3 failed webhook attempts");
        Assert.Equal(3, Moved(m, "apperate_rules_evaluations_total", $"workspace={Ws}"));
        Assert.Equal(1, Moved(m, "apperate_rules_alerts_total", "method=webhook"));
        Assert.Equal(1, Moved(m, "apperate_rules_alerts_total", "method=logs"));
        Assert.Equal(3, Moved(m, "apperate_alerts_delivery_failures_total", "method=webhook", $"workspace={Ws}"));
    }

    [Fact]
    public async Task Live_subscribers_are_counted_while_connected()
    {
        var ds = Api.UniqueId("metricslive");
        await _api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        var before = (await Scrape()).Value("apperate_live_subscribers", $"workspace={Ws}");
        using (var cancel = new CancellationTokenSource())
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/sse/{Ws}/{ds}?token={fixture.Silo.Token}");
            using var response = await fixture.Silo.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await ScrapeUntil(m => m.Value("apperate_live_subscribers", $"workspace={Ws}") == before + 1, "one more live subscriber");
        }
        await ScrapeUntil(m => m.Value("apperate_live_subscribers", $"workspace={Ws}") == before, "the subscriber gone");
    }

    [Fact]
    public async Task Metrics_need_a_secret_token_of_the_service_workspace()
    {
        (await _api.As(null).Get("/metrics")).Expect(401);
        var publishable = (await _api.Post($"/v1/tokens/{Ws}", """{"type":"publishable","permissions":{"*":["read"]}}""")).Expect(201).Json["token"]!.GetValue<string>();
        (await _api.As(publishable).Get("/metrics")).Expect(403);
        (await _api.As(null).Get($"/metrics?token={fixture.Silo.Token}")).Expect(200);
    }

    [Fact]
    public async Task The_dashboard_needs_the_token_once_and_then_keeps_it_in_a_cookie()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = fixture.Silo.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dashboard/")).StatusCode);

        using var opened = await http.GetAsync($"/dashboard/?token={fixture.Silo.Token}");
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var cookie = Assert.Single(opened.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<html", await opened.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        again.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(again)).StatusCode);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        wrong.Headers.Add("Cookie", "apperate-operator=sk_not_a_token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
    }

    [Fact]
    public async Task Metrics_traces_and_logs_reach_the_OTLP_collector_and_log_lines_carry_the_trace_id()
    {
        var ds = Api.UniqueId("metricsotlp");
        await _api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        await _api.WriteNow(ds, """[{"symbol":"A","date":"2024-01-02","price":1}]""");

        var collector = fixture.Collector;
        // Log records carry the message template and its values apart, as structured logs do.
        (string Path, string Text)[] expected =
        [
            ("/v1/metrics", "apperate.records.stored"), ("/v1/metrics", ds),
            ("/v1/traces", "/v1/record/{workspace}/{datasetId}"),
            ("/v1/logs", "Dataset {Workspace}/{Dataset} created"), ("/v1/logs", ds),
        ];
        try
        {
            await Eventually.Until(() => Task.FromResult(expected.All(e => collector.Received(e.Path, e.Text))), Wait,
                "the dataset's metrics, the write's span and the dataset's creation log at the collector");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; missing {string.Join(", ", expected.Where(e => !collector.Received(e.Path, e.Text)))}; got {collector.Summary()}");
        }

        // The creation is logged inside the write's trace (grain calls carry it): the JSON log entry names the trace.
        var entry = fixture.Silo.StandardOutput.Split('\n').Where(l => l.StartsWith('{'))
            .Select(l => JsonNode.Parse(l)!)
            .SingleOrDefault(e => e["State"]?["Dataset"]?.GetValue<string>() == ds && e["Category"]!.GetValue<string>().EndsWith("DatasetGrain", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no JSON log entry of the creation of {ds}");
        var traceId = entry["Scopes"]?.AsArray().Select(s => s?["TraceId"]?.GetValue<string>()).FirstOrDefault(t => t is not null);
        Assert.Matches("^[0-9a-f]{32}$", traceId);
    }
}
