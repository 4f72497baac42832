namespace Apperate.Actors.Tests.Http;

/// <summary>Health, readiness, the OpenAPI document and unknown routes against the real process.</summary>
[Collection(SiloCollection.Name)]
public sealed class ServiceHttpTests(SiloFixture fixture)
{
    private readonly Api _anonymous = fixture.Api.As(null);

    [Fact]
    public async Task Healthz_is_200_without_a_token()
    {
        (await _anonymous.Get("/healthz")).ExpectJson(200, """{"status":"live"}""");
    }

    [Fact]
    public async Task Metrics_are_open_in_embedded_mode_in_the_Prometheus_text_format()
    {
        var reply = (await _anonymous.Get("/metrics")).Expect(200);
        Assert.StartsWith("text/plain", reply.ContentType);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", reply.Body);
    }

    [Fact]
    public void Write_work_runs_on_one_thread_per_processor_below_the_rest_of_the_process_in_priority()
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("thread priorities are read from /proc/<pid>/task");
        var threads = Directory.GetDirectories($"/proc/{fixture.Silo.ProcessId}/task")
            .Select(task => (Name: File.ReadAllText(Path.Combine(task, "comm")).Trim(), Stat: File.ReadAllText(Path.Combine(task, "stat"))))
            .ToArray();
        // stat: "tid (comm) state …", the niceness is the 19th field; the name may hold spaces, so count after the ')'.
        static int Nice(string stat) => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
        var writes = threads.Where(t => t.Name.StartsWith("apperate-write", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Environment.ProcessorCount, writes.Length);
        Assert.All(writes, t => Assert.Equal(10, Nice(t.Stat)));
        Assert.Contains(threads, t => t.Name == ".NET TP Worker" && Nice(t.Stat) == 0);
    }

    [Fact]
    public async Task Readyz_is_200_without_a_token()
    {
        (await _anonymous.Get("/readyz")).ExpectJson(200, """{"status":"ready","problems":[]}""");
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/v1/openapi-doc")]
    public async Task The_OpenAPI_document_describes_the_endpoints(string path)
    {
        var reply = (await _anonymous.Get(path)).Expect(200);
        Assert.Equal("application/json", reply.ContentType);
        var paths = reply.Json["paths"] ?? throw reply.Fail("no paths in the OpenAPI document");
        foreach (var expected in new[]
                 {
                     "/v1/record/{workspace}/{datasetId}",
                     "/v1/datasets/{workspace}",
                     "/v1/datasets/{workspace}/{datasetId}",
                     "/v1/tokens/{workspace}",
                     "/v1/sse/{workspace}/{datasetId}/{key}",
                 })
        {
            if (paths[expected] is null) throw reply.Fail($"the OpenAPI document has no path {expected}");
        }
        // The live endpoint's parameters are read by hand, so the document lists them.
        var sse = paths["/v1/sse/{workspace}/{datasetId}/{key}"]!["get"]!;
        Assert.Equal("text/event-stream", sse["responses"]!["200"]!["content"]!.AsObject().Single().Key);
        var names = sse["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToArray();
        Assert.Superset(new HashSet<string> { "token", "symbols", "nosnapshot", "snapshotAsOf", "Last-Event-ID", "lastEventId", "filter", "interval", "includeEvents" }, names.ToHashSet());
    }

    [Theory]
    [InlineData("/nothing/here")]
    [InlineData("/v1/nothing")]
    [InlineData("/v1/datasets")]
    public async Task An_unknown_route_is_a_404_problem(string path)
    {
        (await fixture.Api.Get(path)).ExpectProblem(404, path);
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        (await fixture.Api.Send(HttpMethod.Put, "/v1/record/DEMO/x")).ExpectProblem(405);
    }

    [Fact]
    public async Task Browsers_of_any_origin_may_call_the_API()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/record/DEMO/Anything");
        preflight.Headers.Add("Origin", "https://dashboard.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,authorization");
        using var answer = await _anonymous.Http.SendAsync(preflight);
        Assert.Equal(204, (int)answer.StatusCode);
        Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("authorization", answer.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);

        using var get = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        get.Headers.Add("Origin", "https://dashboard.example.com");
        using var simple = await _anonymous.Http.SendAsync(get);
        Assert.Equal("*", simple.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }
}
