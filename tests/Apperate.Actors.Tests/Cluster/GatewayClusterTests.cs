using System.Net;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// The standalone gateway process in front of real silo processes in Cluster mode, on a MariaDB server shared by this
/// class (each test has its own database and cluster id).
/// </summary>
public sealed class GatewayClusterTests(MariaDbServer server) : IClassFixture<MariaDbServer>
{
    private const string Ws = Api.Workspace;
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(20);

    private Task<TestCluster> NewClusterAsync(string prefix) => TestCluster.CreateAsync(server, prefix);

    [Fact]
    public async Task Three_silos_and_a_standalone_gateway_serve_the_whole_API_with_the_same_data_on_every_silo()
    {
        var (connectionString, clusterId, cluster) = await NewClusterAsync("gateway");
        var token = "sk_test_" + Guid.NewGuid().ToString("N");
        var silos = Enumerable.Range(0, 3).Select(_ => new SiloProcess(token: token, extraArguments: cluster)).ToArray();
        await using var gateway = new GatewayProcess(token, cluster);
        try
        {
            // All at once: the gateway keeps trying to connect until a silo is up.
            await Task.WhenAll(silos.Select(s => s.StartAsync()).Append(gateway.StartAsync()));
            // The gateway is a client of the cluster, not a member of it.
            Assert.Equal(3, await Membership.ActiveSilos(connectionString, clusterId));
            var api = gateway.Api;

            // Datasets, and wait=true writes that every silo reads back at once.
            var prices = Api.UniqueId("prices");
            await api.CreateDataset(prices, "sym", "d", null, ("sym", "string"), ("d", "string:date"), ("px", "number"));
            var listed = (await api.Get($"/v1/datasets/{Ws}")).Expect(200).Json.AsArray();
            Assert.Contains(listed, d => d?["datasetId"]?.GetValue<string>() == prices);
            await api.WriteNow(prices, """[{"sym":"A","d":"2024-01-02","px":1.5},{"sym":"A","d":"2024-01-03","px":2.5},{"sym":"B","d":"2024-01-02","px":10}]""");
            foreach (var silo in silos) Assert.Equal(3, await silo.Api.RecordCount(prices));

            // Async writes onto the silos' record streams, to a dataset the first write creates.
            var ticks = Api.UniqueId("ticks");
            for (var i = 0; i < 10; i++)
                (await api.Post($"/v1/record/{Ws}/{ticks}", $$"""{"symbol":"S{{i}}","n":{{i}}}""")).ExpectJson(200, """{"success":true,"message":"wrote 1 messages"}""");
            await Eventually.Until(async () => await api.RecordCount(ticks) == 10, Visible, $"the 10 async records of {ticks} to be stored{Environment.NewLine}{gateway.Tail()}");

            // Queries.
            Assert.Equal("""[{"sym":"A","d":"2024-01-03","px":2.5}]""", (await api.Data($"{prices}/A")).ToJsonString());
            Assert.Equal("""[{"sym":"A","d":"2024-01-02","px":1.5},{"sym":"A","d":"2024-01-03","px":2.5}]""", (await api.Data($"{prices}/A?first=2")).ToJsonString());
            Assert.Equal("""[{"sym":"A","d":"2024-01-02","px":1.5}]""", (await api.Data($"{prices}/A?from=2024-01-02&to=2024-01-02")).ToJsonString());
            Assert.Equal(["A", "B"], (await api.Data($"{prices}/A,B")).Select(r => r!["sym"]!.GetValue<string>()));
            var csv = (await api.Get($"/v1/data/{Ws}/{prices}/A?last=2&format=csv")).Expect(200);
            Assert.Equal("sym,d,px\nA,2024-01-03,2.5\nA,2024-01-02,1.5\n", csv.Body.Replace("\r\n", "\n"));

            // A view joining two datasets, read through the gateway and every silo alike (the MariaDB store's SQL).
            var names = Api.UniqueId("names");
            await api.CreateDataset(names, "sym", null, null, ("sym", "string"), ("name", "string"));
            await api.WriteNow(names, """[{"sym":"A","name":"Alpha"},{"sym":"B","name":"Beta"}]""");
            var view = Api.UniqueId("named");
            (await api.Post($"/v1/views/{Ws}", new System.Text.Json.Nodes.JsonObject
            {
                ["viewId"] = view,
                ["sql"] = $"SELECT p.sym, p.d, p.px, n.name FROM {Ws}.`{prices}` p LEFT JOIN `{names}` n ON n.sym = p.sym WHERE p.d >= '2024-01-02';",
            }.ToJsonString())).Expect(201);
            const string named = """[{"sym":"A","d":"2024-01-03","px":2.5,"name":"Alpha"},{"sym":"A","d":"2024-01-02","px":1.5,"name":"Alpha"}]""";
            Assert.Equal(named, (await api.Data($"{view}/A?last=5")).ToJsonString());
            foreach (var silo in silos) Assert.Equal(named, (await silo.Api.Data($"{view}/A?last=5")).ToJsonString());
            (await api.Delete($"/v1/datasets/{Ws}/{names}")).Expect(409);
            (await api.Delete($"/v1/views/{Ws}/{view}")).Expect(200);
            foreach (var silo in silos) (await silo.Api.Get($"/v1/data/{Ws}/{view}/A")).Expect(404);

            // Batch loads: a synchronous job with a rejected line, then one in the background.
            var load = (await api.Send(HttpMethod.Post, $"/v1/data/{Ws}/{prices}", Api.Content("sym,d,px\nC,2024-01-02,3\nC,2024-01-03,oops\nD,2024-01-02,4\n", "text/csv"))).Expect(200);
            Assert.Equal((3, 2, 1), (load.Json["received"]!.GetValue<int>(), load.Json["ingested"]!.GetValue<int>(), load.Json["invalid"]!.GetValue<int>()));
            var jobId = load.Json["jobId"]!.GetValue<string>();
            var job = (await api.Get($"/v1/jobs/{Ws}/ingest/{jobId}")).Expect(200);
            Assert.Equal("ingested", job.Json["status"]!.GetValue<string>());
            var invalid = (await api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid")).Expect(200).Json.AsArray();
            Assert.Equal(3, Assert.Single(invalid)!["line"]!.GetValue<int>());
            var background = (await api.Send(HttpMethod.Post, $"/v1/data/{Ws}/{prices}?wait=false", Api.Content("sym,d,px\nE,2024-01-02,5\n", "text/csv"))).Expect(202);
            var backgroundJob = background.Json["jobId"]!.GetValue<string>();
            await Eventually.Until(async () => (await api.Get($"/v1/jobs/{Ws}/ingest/{backgroundJob}")).Expect(200).Json["status"]!.GetValue<string>() == "ingested",
                Visible, $"the background job {backgroundJob} to be ingested{Environment.NewLine}{gateway.Tail()}");
            var jobs = (await api.Get($"/v1/jobs/{Ws}/ingest")).Expect(200).Json.AsArray();
            Assert.Contains(jobs, j => j?["jobId"]?.GetValue<string>() == backgroundJob);
            Assert.Equal(6, await api.RecordCount(prices));

            // Tokens: a publishable reader works through the gateway and every silo until it is revoked.
            var created = (await api.Post($"/v1/tokens/{Ws}", $$$"""{"type":"publishable","permissions":{"{{{prices}}}":["read"]}}""")).Expect(201);
            var reader = created.Json["token"]!.GetValue<string>();
            var readerId = created.Json["tokenId"]!.GetValue<string>();
            (await api.As(reader).Get($"/v1/data/{Ws}/{prices}/A")).Expect(200);
            (await api.As(reader).Post($"/v1/record/{Ws}/{prices}?wait=true", """{"sym":"Z","d":"2024-01-02","px":0}""")).ExpectProblem(403);
            (await silos[1].Api.As(reader).Get($"/v1/data/{Ws}/{prices}/A")).Expect(200);
            Assert.Contains((await api.Get($"/v1/tokens/{Ws}")).Expect(200).Json.AsArray(), t => t?["tokenId"]?.GetValue<string>() == readerId);
            (await api.Delete($"/v1/tokens/{Ws}/{readerId}")).Expect(200);
            (await api.As(reader).Get($"/v1/data/{Ws}/{prices}/A")).ExpectProblem(401);
            (await silos[2].Api.As(reader).Get($"/v1/data/{Ws}/{prices}/A")).ExpectProblem(401);

            // Connectors.
            (await api.Get("/v1/connectors/connector")).ExpectJson(200, "[]");
            Assert.Equal(3, (await api.Get("/v1/connectors")).Expect(200).Json.AsArray().Count);

            // Every silo's co-hosted API sees the same data as the gateway.
            var all = (await api.Data($"{prices}?last=10&sort=asc")).ToJsonString();
            var allTicks = (await api.Data($"{ticks}?last=10&sort=asc")).ToJsonString();
            foreach (var silo in silos)
            {
                Assert.Equal(all, (await silo.Api.Data($"{prices}?last=10&sort=asc")).ToJsonString());
                Assert.Equal(allTicks, (await silo.Api.Data($"{ticks}?last=10&sort=asc")).ToJsonString());
            }

            // Deletes come after the async writes accepted before them: gone on every silo.
            foreach (var id in new[] { prices, ticks })
            {
                (await api.Delete($"/v1/datasets/{Ws}/{id}")).ExpectJson(200, $$"""{"success":true,"message":"Dataset '{{id}}' has been deleted"}""");
                foreach (var silo in silos) (await silo.Api.Get($"/v1/datasets/{Ws}/{id}")).ExpectProblem(404);
            }

            // The web console is served by the gateway too; /metrics (per process) needs the service workspace's secret
            // token in cluster mode, on the gateway and on the silos.
            var console = await api.As(null).Get("/console/");
            console.Expect(200);
            Assert.Contains("<html", console.Body, StringComparison.OrdinalIgnoreCase);
            foreach (var metrics in new[] { api }.Concat(silos.Select(s => s.Api)))
            {
                (await metrics.As(null).Get("/metrics")).Expect(401);
                Assert.Contains("http_server_request_duration_seconds", (await metrics.Get("/metrics")).Expect(200).Body);
            }

            // SIGTERM right after a burst of async writes: the gateway exits, and the silos store every one it accepted.
            var burst = Api.UniqueId("burst");
            await api.CreateDataset(burst, "k", null, null, ("k", "string"), ("n", "integer"));
            await Task.WhenAll(Enumerable.Range(0, 20).Select(async w =>
            {
                for (var i = 0; i < 10; i++)
                    (await api.Post($"/v1/record/{Ws}/{burst}", $$"""{"k":"w{{w}}-{{i}}","n":{{i}}}""")).Expect(200);
            }));
            Assert.Equal(0, await gateway.StopGracefullyAsync());
            var stored = 0L;
            await Eventually.Until(async () => (stored = await silos[0].Api.RecordCount(burst)) >= 200, Visible,
                $"the 200 async records the stopped gateway accepted to be stored");
            Assert.Equal(200, stored);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_gateway_is_not_ready_until_a_silo_joins_and_again_once_every_silo_is_gone_and_stops_cleanly()
    {
        var (_, _, cluster) = await NewClusterAsync("lifecycle");
        var token = "sk_test_" + Guid.NewGuid().ToString("N");
        await using var gateway = new GatewayProcess(token, cluster);
        gateway.Start();

        // No silo yet (nor any Orleans table): not ready, and the API says so at once.
        var why = await gateway.WaitForReadyzAsync(HttpStatusCode.ServiceUnavailable, GatewayProcess.ReadyTimeout);
        Assert.Contains("not connected to the cluster yet", why);
        (await gateway.Api.Get($"/v1/datasets/{Ws}")).ExpectProblem(503, "not connected to the cluster");
        using (var health = await gateway.Http.GetAsync("/healthz")) health.EnsureSuccessStatusCode();

        await using var silo = new SiloProcess(token: token, extraArguments: cluster);
        await silo.StartAsync();
        await gateway.WaitForReadyzAsync(HttpStatusCode.OK, GatewayProcess.ReadyTimeout);
        (await gateway.Api.Get($"/v1/datasets/{Ws}")).ExpectJson(200, "[]");

        silo.Kill();
        why = await gateway.WaitForReadyzAsync(HttpStatusCode.ServiceUnavailable, Visible);
        Assert.Contains("lost the connection", why);
        (await gateway.Api.Get($"/v1/datasets/{Ws}")).ExpectProblem(503, "lost the connection");

        Assert.Equal(0, await gateway.StopGracefullyAsync());
    }

    [Fact]
    public async Task A_gateway_stopped_before_it_ever_connected_exits_cleanly()
    {
        var (_, _, cluster) = await NewClusterAsync("nosilo");
        await using var gateway = new GatewayProcess("sk_test_" + Guid.NewGuid().ToString("N"), cluster);
        gateway.Start();
        await gateway.WaitForReadyzAsync(HttpStatusCode.ServiceUnavailable, GatewayProcess.ReadyTimeout);
        Assert.Equal(0, await gateway.StopGracefullyAsync());
        Assert.Contains("Stopped before the gateway connected to the cluster", gateway.Tail());
    }

    [Theory]
    [InlineData("", "Apperate:ConnectionString is required")]
    [InlineData("--Apperate:ConnectionString=Server=127.0.0.1", "names no Database")]
    [InlineData("--Apperate:ConnectionString=Server=127.0.0.1;Database=x --Apperate:Mode=Embedded", "not supported by the standalone gateway")]
    [InlineData("--Apperate:ConnectionString=Server=127.0.0.1;Database=x --Apperate:ClusterId=", "Apperate:ClusterId must not be empty")]
    public async Task Bad_gateway_configuration_exits_with_code_2_and_says_why(string arguments, string message)
    {
        await using var gateway = new GatewayProcess("sk_unused", arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        gateway.Start();
        var exit = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(exit == 2, $"exit code {exit} with '{arguments}'{Environment.NewLine}{gateway.Tail()}");
        Assert.Contains(message, gateway.Tail());
    }
}
