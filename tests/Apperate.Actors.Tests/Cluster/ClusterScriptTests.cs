using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Cluster;

/// <summary><c>deploy/cluster.sh</c> as an operator runs it: a private MariaDB, a silo and the standalone gateway.</summary>
public sealed class ClusterScriptTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task The_local_cluster_script_starts_MariaDB_a_silo_and_a_gateway_that_serve_the_API_and_stops_them_all_by_pid()
    {
        var data = Path.Combine(Path.GetTempPath(), "apperate-cluster-script", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            var started = await RunScriptAsync("start", "--detach", "--no-build", "--silos", "1", "--data", data);
            Assert.Contains("cluster 'local' is ready", started);

            var env = File.ReadAllLines(Path.Combine(data, "cluster.env"))
                .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim('"'));
            var token = env["TOKEN"];
            Assert.Matches("^sk_[0-9a-f]{40}$", token);
            Assert.Contains(token, started);
            var pids = Directory.GetFiles(Path.Combine(data, "pids"), "*.pid").ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, f => int.Parse(File.ReadAllText(f).Trim()));
            Assert.Equal(["gateway", "mariadb", "silo-1"], pids.Keys.Order());

            using var gatewayHttp = new HttpClient { BaseAddress = new Uri(env["GATEWAY_URL"]) };
            using var siloHttp = new HttpClient { BaseAddress = new Uri(env["SILO_URLS"]) };
            var gateway = new Api(gatewayHttp, token, () => File.ReadAllText(Path.Combine(data, "logs", "gateway.log")));
            var silo = new Api(siloHttp, token, () => File.ReadAllText(Path.Combine(data, "logs", "silo-1.log")));
            var id = Api.UniqueId("script");
            await gateway.CreateDataset(id, "sym", null, null, ("sym", "string"), ("n", "integer"));
            await gateway.WriteNow(id, """[{"sym":"A","n":1},{"sym":"B","n":2}]""");
            Assert.Equal(2, await silo.RecordCount(id));

            var stopped = await RunScriptAsync("stop", "--data", data);
            Assert.Contains("stopped the cluster", stopped);
            foreach (var (name, pid) in pids)
                Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(data, StringComparison.Ordinal), $"{name} (pid {pid}) still runs after stop");
            Assert.Empty(Directory.GetFiles(Path.Combine(data, "pids")));
        }
        finally
        {
            // Whatever failed above, nothing of this cluster outlives the test.
            if (Directory.Exists(Path.Combine(data, "pids")) && Directory.GetFiles(Path.Combine(data, "pids")).Length > 0)
                await RunScriptAsync("stop", "--data", data);
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    [Fact]
    public async Task The_local_cluster_script_refuses_bad_arguments_with_code_2()
    {
        await using var run = ServerProcess.Start("bash", [Script(), "start", "--silos", "zero"]);
        Assert.Equal(2, await run.WaitForExitAsync(TimeSpan.FromSeconds(30), "deploy/cluster.sh to refuse its arguments"));
        Assert.Contains("--silos must be a positive number", run.Tail());
    }

    private static string Script() => Path.Combine(Tools.RepositoryRoot(), "deploy", "cluster.sh");

    /// <summary>Runs the script to its end with the configuration of this test build; returns its output, failing with it on a non-zero exit.</summary>
    private static async Task<string> RunScriptAsync(params string[] arguments)
    {
        await using var run = ServerProcess.Start("bash", [Script(), .. arguments], environment: new Dictionary<string, string?>
        {
            ["CONFIGURATION"] = Tools.BuildConfiguration(),
        });
        var exit = await run.WaitForExitAsync(ScriptTimeout, $"deploy/cluster.sh {string.Join(' ', arguments)} to finish");
        var output = run.Tail(200);
        Assert.True(exit == 0, $"deploy/cluster.sh {string.Join(' ', arguments)} exited with {exit}:{Environment.NewLine}{output}");
        return output;
    }
}
