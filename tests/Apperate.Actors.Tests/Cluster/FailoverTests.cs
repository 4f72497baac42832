using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Connectors;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// Three real silo processes in <c>Cluster</c> mode on one MariaDB database; one is killed with SIGKILL in the middle
/// of a sustained <c>wait=true</c> write load and while it runs a connector.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ws = Api.Workspace;
    private const int Datasets = 6;
    private const int Writers = 6;
    private const int SourceRows = 300;

    /// <summary>The connector must be running again on another silo within this long after its silo died.</summary>
    private static readonly TimeSpan ConnectorResume = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan KeepWorking = TimeSpan.FromSeconds(120);

    private readonly MariaDbServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Killing_a_silo_loses_no_acknowledged_record_its_connector_resumes_elsewhere_without_gap_or_duplicate_and_a_restarted_silo_takes_load()
    {
        var database = await _server.CreateDatabaseAsync("failover");
        var source = await _server.CreateDatabaseAsync("failover_source");
        await _server.ExecuteAsync(source, "CREATE TABLE ticks (id BIGINT NOT NULL PRIMARY KEY, price DOUBLE NOT NULL)");
        var connectionString = _server.ConnectionString(database);
        var clusterId = "failover-" + Guid.NewGuid().ToString("N")[..8];
        string[] cluster = ["--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}"];
        var token = "sk_test_" + Guid.NewGuid().ToString("N");

        var silos = new List<SiloProcess> { new(token: token, extraArguments: cluster), new(token: token, extraArguments: cluster), new(token: token, extraArguments: cluster) };
        try
        {
            await Task.WhenAll(silos.Select(s => s.StartAsync()));
            string Diagnostics() => string.Join(Environment.NewLine, silos.Select((s, i) => $"silo {i} (pid {(s.IsRunning ? s.ProcessId : -1)}):{Environment.NewLine}{s.Tail(40)}"));
            await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout, "three active silos in the membership table");

            var ids = Enumerable.Range(0, Datasets).Select(i => Api.UniqueId($"fo{i}")).ToArray();
            foreach (var id in ids) await silos[0].Api.CreateDataset(id, "id", null, null, ("id", "string"), ("n", "integer"));

            // A connector streaming a MariaDB table into a dataset; whichever silo runs it is the one to kill.
            var ticks = Api.UniqueId("ticks");
            var connector = ConnectorApi.UniqueName("FO");
            await InsertTicksAsync(source, 1, SourceRows / 3);
            var config = new JsonObject
            {
                ["host"] = "127.0.0.1",
                ["port"] = _server.Port,
                ["database"] = source,
                ["user"] = _server.User,
                ["password"] = _server.Password,
                ["pollIntervalMs"] = 100,
                ["batchSize"] = 50,
            };
            // wait:false: its batches go through the record stream, durable before its checkpoint moves past them.
            await silos[1].Api.StartConnector(connector, "MYSQL", ticks, config, "ticks", Diagnostics, wait: false);
            await silos[1].Api.WaitForRows($"{ticks}?last=1000", rows => rows.Count == SourceRows / 3, $"the first {SourceRows / 3} source rows in {ticks}", Diagnostics);
            var victim = silos.Single(s => s.StandardOutput.Contains($"Connector {connector} running", StringComparison.Ordinal));
            var survivors = silos.Where(s => s != victim).ToArray();

            // Sustained wait=true load through every silo; a record counts only once its write answered 200.
            var acknowledged = new ConcurrentDictionary<string, string>();
            var afterKill = new ConcurrentDictionary<int, int>();
            var killed = 0;
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var targets = Volatile.Read(ref killed) == 0 ? silos.ToArray() : survivors;
                    var silo = targets[n % targets.Length];
                    var id = ids[(w + n) % Datasets];
                    var record = $"w{w}-{n}";
                    try
                    {
                        var reply = await silo.Api.Post($"/v1/record/{Ws}/{id}?wait=true", $$"""{"id":"{{record}}","n":{{n}}}""");
                        if (reply.Status != 200) continue;
                        acknowledged[record] = id;
                        if (Volatile.Read(ref killed) == 1) afterKill.AddOrUpdate(w, 1, (_, c) => c + 1);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        // Not acknowledged: the silo went away mid-request.
                    }
                }
            })).ToArray();

            await Eventually.Until(() => Task.FromResult(acknowledged.Count >= 300), KeepWorking, "300 acknowledged writes before the kill");
            var moreTicks = Task.Run(() => InsertTicksAsync(source, SourceRows / 3 + 1, SourceRows));
            var killedAt = Stopwatch.StartNew();
            victim.Kill();
            Volatile.Write(ref killed, 1);
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
            await moreTicks;

            // The cluster keeps working: every writer gets 20 more acknowledged writes through the survivors.
            await Eventually.Until(() => Task.FromResult(Enumerable.Range(0, Writers).All(w => afterKill.GetValueOrDefault(w) >= 20)), KeepWorking,
                $"20 acknowledged writes per writer after the kill{Environment.NewLine}{Diagnostics()}");
            stop.Cancel();
            await Task.WhenAll(load);

            // Not one acknowledged record is missing, and nothing was stored that was not sent.
            foreach (var id in ids)
            {
                var expected = acknowledged.Where(e => e.Value == id).Select(e => e.Key).ToHashSet();
                var stored = (await QueryAsync(survivors[0], $"{id}?last=100000", _ => true, $"the records of {id}", Diagnostics))
                    .Select(r => r!["id"]!.GetValue<string>()).ToList();
                var missing = expected.Except(stored).ToList();
                Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records missing from {id}: {string.Join(", ", missing.Take(20))}");
                Assert.Equal(stored.Count, stored.Distinct().Count());
                Assert.All(stored, r => Assert.Matches(@"^w\d+-\d+$", r));
            }

            // The connector runs again on a survivor (woken by its reminder: nothing here calls it) and catches up with
            // every source row exactly once.
            var rows = await QueryAsync(survivors[0], $"{ticks}?last=1000", r => r.Count == SourceRows,
                $"all {SourceRows} source rows in {ticks} after its silo died", Diagnostics);
            var resumedAfter = killedAt.Elapsed;
            output.WriteLine($"{acknowledged.Count} acknowledged wait=true writes ({afterKill.Values.Sum()} after the kill); the connector caught up {resumedAfter.TotalSeconds:0.0} s after the kill");
            Assert.True(resumedAfter <= ConnectorResume, $"the connector took {resumedAfter.TotalSeconds:0} s to catch up after its silo died");
            Assert.Equal(Enumerable.Range(1, SourceRows).Select(i => (long)i), rows.Select(r => r!["id"]!.GetValue<long>()).Order());
            var status = await survivors[0].Api.Connector(connector);
            Assert.Equal("running", status["state"]!["status"]!.GetValue<string>());
            Assert.Single(survivors, s => s.StandardOutput.Contains($"Connector {connector} resumed", StringComparison.Ordinal));

            // The killed silo comes back (a new process on its old ports' cluster), joins, and takes writes; its async
            // writes land on dataset grains across the cluster and none is lost when it stops.
            var returned = new SiloProcess(token: token, extraArguments: cluster);
            silos.Add(returned);
            await returned.StartAsync();
            await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout,
                $"three active silos after the restart{Environment.NewLine}{Diagnostics()}");
            var counts = new long[Datasets];
            for (var i = 0; i < Datasets; i++) counts[i] = await returned.Api.RecordCount(ids[i]);
            for (var i = 0; i < Datasets; i++)
                await returned.Api.WriteNow(ids[i], $$"""{"id":"back-{{i}}","n":-1}""");
            for (var n = 0; n < 50; n++)
                (await returned.Api.Post($"/v1/record/{Ws}/{ids[n % Datasets]}", $$"""{"id":"async-{{n}}","n":{{n}}}""")).Expect(200);
            Assert.Equal(0, await returned.StopGracefullyAsync());
            // Its async writes are in the record queue: stored before the stop, or by the silos that take its queues over.
            for (var i = 0; i < Datasets; i++)
            {
                var asyncIds = Enumerable.Range(0, 50).Where(n => n % Datasets == i).Select(n => $"async-{n}").ToArray();
                var stored = (await QueryAsync(survivors[0], $"{ids[i]}?last=100000", rows => rows.Count >= counts[i] + 1 + asyncIds.Length,
                        $"the records of {ids[i]} with the async writes of the stopped silo", Diagnostics))
                    .Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
                Assert.Contains($"back-{i}", stored);
                Assert.All(asyncIds, a => Assert.Contains(a, stored));
                Assert.Equal(counts[i] + 1 + asyncIds.Length, stored.Count);
            }
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    /// <summary>
    /// Polls GET /v1/data until <paramref name="done"/> holds; 503 (the cluster has not noticed the dead silo yet)
    /// means try again, any other failure fails the test.
    /// </summary>
    private static async Task<JsonArray> QueryAsync(SiloProcess silo, string pathAndQuery, Func<JsonArray, bool> done, string what, Func<string> diagnostics)
    {
        JsonArray rows = [];
        var last = "";
        try
        {
            await Eventually.Until(async () =>
            {
                var reply = await silo.Api.Get($"/v1/data/{Ws}/{pathAndQuery}");
                last = reply.Describe();
                if (reply.Status == 503) return false;
                reply.Expect(200);
                rows = reply.Json.AsArray();
                return done(rows);
            }, ConnectorResume + TimeSpan.FromSeconds(30), what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Last answer: {last}{Environment.NewLine}{diagnostics()}", ex);
        }
        return rows;
    }

    private async Task InsertTicksAsync(string database, int from, int to)
    {
        // Ten rows per statement, one statement after another: rows keep arriving while the silo dies.
        for (var start = from; start <= to; start += 10)
        {
            var values = string.Join(",", Enumerable.Range(start, Math.Min(10, to - start + 1)).Select(i => $"({i}, {i}.5)"));
            await _server.ExecuteAsync(database, $"INSERT INTO ticks (id, price) VALUES {values}");
        }
    }
}
