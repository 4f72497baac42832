using System.Diagnostics;
using System.Text.RegularExpressions;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using MySqlConnector;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>The real silo process in <c>Cluster</c> mode against a fresh database on a MariaDB server of its own.</summary>
public sealed class ClusterModeTests : IAsyncLifetime
{
    private const string Ws = Api.Workspace;
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(20);

    private readonly MariaDbServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task One_silo_joins_through_MySQL_serves_the_API_keeps_its_data_across_a_restart_and_is_not_ready_without_the_database()
    {
        var database = await _server.CreateDatabaseAsync("cluster");
        var connectionString = _server.ConnectionString(database);
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        string[] cluster = ["--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}"];

        await using var first = new SiloProcess(extraArguments: cluster);
        await first.StartAsync();
        foreach (var script in new[] { "MySQL-Main.sql", "MySQL-Clustering.sql", "MySQL-Persistence.sql", "MySQL-Reminders.sql" })
            Assert.True(first.StandardOutput.Contains($"Applied {script}", StringComparison.Ordinal), $"{script} was not applied on first start{Environment.NewLine}{first.Tail()}");
        Assert.Equal(1, await Membership.ActiveSilos(connectionString, clusterId));

        var id = Api.UniqueId("cluster");
        await first.Api.CreateDataset(id, "sym", "d", null, ("sym", "string"), ("d", "string:date-time"), ("px", "number"));
        await first.Api.WriteNow(id, """[{"sym":"A","d":"2024-01-01T00:00:00Z","px":1},{"sym":"A","d":"2024-01-02T00:00:00Z","px":2}]""");
        (await first.Api.Post($"/v1/record/{Ws}/{id}", """{"sym":"B","d":"2024-01-03T00:00:00Z","px":3}""")).Expect(200);
        await Eventually.Until(async () => await first.Api.RecordCount(id) == 3, Visible, $"the async record of {id} to be stored in MySQL");
        var before = (await first.Api.Data($"{id}?last=10&sort=asc")).ToJsonString();
        Assert.Equal(
            """[{"sym":"A","d":"2024-01-01T00:00:00Z","px":1},{"sym":"A","d":"2024-01-02T00:00:00Z","px":2},{"sym":"B","d":"2024-01-03T00:00:00Z","px":3}]""",
            before);
        Assert.Equal(3, await Rows(connectionString));

        Assert.Equal(0, await first.StopGracefullyAsync());

        // A new process on a new data directory: everything it needs is in the database.
        await using var second = new SiloProcess(token: first.Token, extraArguments: cluster);
        await second.StartAsync();
        Assert.False(second.StandardOutput.Contains("Applied ", StringComparison.Ordinal), $"the scripts were applied again{Environment.NewLine}{second.Tail()}");
        Assert.False(second.StandardOutput.Contains("Secret token:", StringComparison.Ordinal), $"the workspace was created again{Environment.NewLine}{second.Tail()}");
        Assert.Equal(before, (await second.Api.Data($"{id}?last=10&sort=asc")).ToJsonString());
        Assert.Equal(3, await second.Api.RecordCount(id));
        Assert.Equal(1, await Membership.ActiveSilos(connectionString, clusterId));

        // Readiness follows the database: not ready while it is down, ready again once it is back.
        await _server.StopAsync();
        string? why = null;
        await Eventually.Until(async () =>
        {
            using var ready = await second.Http.GetAsync("/readyz");
            why = await ready.Content.ReadAsStringAsync();
            return (int)ready.StatusCode == 503;
        }, Visible, $"/readyz to answer 503 with MariaDB stopped{Environment.NewLine}{second.Tail()}");
        Assert.True(why!.Contains("does not answer", StringComparison.Ordinal) || why.Contains("do not answer", StringComparison.Ordinal), why);
        await _server.StartAsync();
        await Eventually.Until(async () =>
        {
            using var ready = await second.Http.GetAsync("/readyz");
            return (int)ready.StatusCode == 200;
        }, Visible, $"/readyz to answer 200 again with MariaDB back{Environment.NewLine}{second.Tail()}");
        Assert.Equal(3, await second.Api.RecordCount(id));
        Assert.Equal(0, await second.StopGracefullyAsync());
    }

    [Fact]
    public async Task Two_silos_starting_together_on_an_empty_database_apply_each_script_once_and_form_one_cluster()
    {
        var database = await _server.CreateDatabaseAsync("together");
        var connectionString = _server.ConnectionString(database);
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        string[] cluster = ["--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}"];
        var token = "sk_test_" + Guid.NewGuid().ToString("N");

        await using var a = new SiloProcess(token: token, extraArguments: cluster);
        await using var b = new SiloProcess(token: token, extraArguments: cluster);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var output = a.StandardOutput + b.StandardOutput;
        foreach (var script in new[] { "MySQL-Main.sql", "MySQL-Clustering.sql", "MySQL-Persistence.sql", "MySQL-Reminders.sql" })
            Assert.True(Regex.Count(output, Regex.Escape($"Applied {script}")) == 1, $"{script} was not applied exactly once{Environment.NewLine}{a.Tail()}{Environment.NewLine}{b.Tail()}");
        Assert.Equal(2, await Membership.ActiveSilos(connectionString, clusterId));

        // A dataset created through one silo is written and read through the other.
        var id = Api.UniqueId("together");
        await a.Api.CreateDataset(id, "sym", null, null, ("sym", "string"), ("n", "integer"));
        await b.Api.WriteNow(id, """[{"sym":"A","n":1},{"sym":"B","n":2}]""");
        Assert.Equal(2, await a.Api.RecordCount(id));

        var exits = await Task.WhenAll(a.StopGracefullyAsync(), b.StopGracefullyAsync());
        Assert.Equal(new[] { 0, 0 }, exits);
    }

    [Theory]
    [InlineData("--Apperate:Mode=Cluster", "Apperate:ConnectionString is required")]
    [InlineData("--Apperate:Mode=Cluster --Apperate:ConnectionString=Server=127.0.0.1", "names no Database")]
    [InlineData("--Apperate:Mode=Cluster --Apperate:ConnectionString=Server=127.0.0.1;Database=x --Apperate:AdvertisedAddress=nowhere", "is not an IP address")]
    [InlineData("--Apperate:Mode=Swarm", "'Swarm' is not supported")]
    [InlineData("--Apperate:SiloPort=abc", "'abc' at 'Apperate:SiloPort'")]
    [InlineData("--Apperate:DrainTimeout=soon", "'soon' at 'Apperate:DrainTimeout'")]
    public async Task Bad_cluster_configuration_exits_with_code_2_and_says_why(string arguments, string message)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(SiloProcess.SiloDll());
        foreach (var argument in arguments.Split(' ')) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{LoopbackPorts.Take(1)[0]}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The silo (pid {process.Id}) did not exit within 30 s with {arguments}");
        }
        var error = await stderr;
        Assert.True(process.ExitCode == 2, $"exit code {process.ExitCode} with {arguments}; stderr: {error}; stdout: {await stdout}");
        Assert.Contains(message, error);
    }


    /// <summary>Rows in the one dataset table, counted in MySQL itself.</summary>
    private static async Task<long> Rows(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        string table;
        await using (var find = new MySqlCommand(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ds\\_%'", connection))
        {
            table = (string)(await find.ExecuteScalarAsync() ?? throw new Xunit.Sdk.XunitException("no dataset table in the cluster database"));
        }
        await using var count = new MySqlCommand($"SELECT COUNT(*) FROM `{table}`", connection);
        return Convert.ToInt64(await count.ExecuteScalarAsync());
    }
}
