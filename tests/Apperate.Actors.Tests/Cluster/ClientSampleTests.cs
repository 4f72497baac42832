using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// <c>deploy/client-sample</c>, the documented client-only Orleans app, run as a process of its own against a real silo:
/// what it does through grain calls is what the HTTP API then serves, and the other way round.
/// </summary>
public sealed class ClientSampleTests : IAsyncLifetime
{
    private const string Ws = Api.Workspace;
    private static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(60);

    private const string SampleRecords =
        """[{"symbol":"AAPL","date":"2024-01-05","close":181.18,"volume":62303300},{"symbol":"AAPL","date":"2024-01-04","close":181.91,"volume":71983600}]""";

    private readonly MariaDbServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task A_client_only_Orleans_app_joins_the_cluster_through_MySQL_and_calls_a_dataset_grain_directly()
    {
        var connectionString = _server.ConnectionString(await _server.CreateDatabaseAsync("client"));
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        string[] cluster = ["--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}"];
        await using var silo = new SiloProcess(extraArguments: cluster);
        await silo.StartAsync();
        var id = Api.UniqueId("client");

        var output = await RunSample(silo, [.. cluster, $"--Dataset={id}"]);
        AssertLines(output, silo, $"Created dataset {Ws}/{id}", "Wrote 3 records: 3 new, 0 duplicates",
            "symbol=AAPL, date=2024-01-05, close=181.18, volume=62303300", "symbol=AAPL, date=2024-01-04, close=181.91, volume=71983600");

        // Created through the workspace grain: registered, listed and described by the HTTP API like any dataset.
        var listed = (await silo.Api.Get($"/v1/datasets/{Ws}")).Expect(200).Json.AsArray();
        Assert.Contains(listed, d => d!["datasetId"]!.GetValue<string>() == id);
        Assert.Equal(3, await silo.Api.RecordCount(id));
        // The synchronous grain write was committed before the sample went on: no waiting here.
        Assert.Equal(SampleRecords, (await silo.Api.Data($"{id}/AAPL?last=10")).ToJsonString());
        Assert.Equal("""[{"symbol":"MSFT","date":"2024-01-04","close":367.94,"volume":20901500}]""", (await silo.Api.Data($"{id}/MSFT")).ToJsonString());

        // A record written over HTTP is what the next run of the sample describes and reads; its own records are
        // duplicates of the unique index now, so nothing is written twice.
        await silo.Api.WriteNow(id, """{"symbol":"AAPL","date":"2024-01-08","close":185.56,"volume":59144500}""");
        output = await RunSample(silo, [.. cluster, $"--Dataset={id}"]);
        AssertLines(output, silo, $"Dataset {Ws}/{id} exists: version 1, 4 records", "Wrote 3 records: 0 new, 3 duplicates",
            "symbol=AAPL, date=2024-01-08, close=185.56, volume=59144500", "symbol=AAPL, date=2024-01-05, close=181.18, volume=62303300",
            "symbol=AAPL, date=2024-01-04, close=181.91, volume=71983600");
        Assert.Equal(4, await silo.Api.RecordCount(id));

        Assert.Equal(0, await silo.StopGracefullyAsync());
    }

    [Fact]
    public async Task A_client_only_Orleans_app_joins_an_embedded_silo_through_its_gateway_port()
    {
        // Extra arguments come last, and the last value of a key wins: the silo's gateway listens on this port.
        var gatewayPort = LoopbackPorts.Take(1)[0];
        await using var silo = new SiloProcess(extraArguments: [$"--Apperate:GatewayPort={gatewayPort}"]);
        await silo.StartAsync();
        var id = Api.UniqueId("client");

        var output = await RunSample(silo, [$"--Apperate:GatewayPort={gatewayPort}", $"--Dataset={id}"]);
        AssertLines(output, silo, $"Created dataset {Ws}/{id}", "Wrote 3 records: 3 new, 0 duplicates");
        Assert.Equal(SampleRecords, (await silo.Api.Data($"{id}/AAPL?last=10")).ToJsonString());

        Assert.Equal(0, await silo.StopGracefullyAsync());
    }

    /// <summary>Runs the sample to its end (stopped by process id if it outlives the test) and returns what it printed.</summary>
    private static async Task<string> RunSample(SiloProcess silo, string[] arguments)
    {
        await using var sample = ServerProcess.Start("dotnet", [Tools.BuiltAssembly("deploy/client-sample", "Apperate.Actors.ClientSample"), .. arguments]);
        int exitCode;
        try
        {
            exitCode = await sample.WaitForExitAsync(SampleTimeout, "the client sample to finish");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}{silo.Tail()}", ex);
        }
        var output = sample.Tail(200);
        Assert.True(exitCode == 0, $"The client sample exited with {exitCode}:{Environment.NewLine}{output}{Environment.NewLine}{silo.Tail()}");
        return output;
    }

    /// <summary>Asserts that the output holds these lines one after the other.</summary>
    private static void AssertLines(string output, SiloProcess silo, params string[] expected)
    {
        var lines = string.Join(Environment.NewLine, expected);
        Assert.True(output.Contains(lines, StringComparison.Ordinal),
            $"The client sample printed{Environment.NewLine}{output}{Environment.NewLine}instead of{Environment.NewLine}{lines}{Environment.NewLine}{silo.Tail()}");
    }
}
