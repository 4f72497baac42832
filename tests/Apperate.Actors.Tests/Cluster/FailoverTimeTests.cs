using System.Collections.Concurrent;
using System.Diagnostics;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// Failover as a user sees it: three silos and the standalone gateway on MariaDB under a steady <c>wait=true</c> write
/// load through the gateway and the silos' own APIs, and each silo in turn killed with <c>kill -9</c> (then started
/// again). While one silo is dead the gateway's and the survivors' <c>/readyz</c> stay 200, every call is answered
/// within 5 s (p99; a 200, or a 503 with <c>Retry-After</c>), and every dataset takes writes again within 15 s of the kill.
/// </summary>
[Collection(SiloKillCollection.Name)]
public sealed class FailoverTimeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ws = Api.Workspace;
    private const int Datasets = 9;
    private const int Writers = 9;

    /// <summary>A call is answered within this long, p99, while a silo is dead.</summary>
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Every dataset takes a write again within this long after the kill: usually 0–4 s; a call the gateway sent through
    /// the dead silo is answered by its 10 s response timeout (nothing else ends it), and the dataset's next write waits
    /// behind it.
    /// </summary>
    private static readonly TimeSpan FailoverWithin = TimeSpan.FromSeconds(15);

    private readonly MariaDbServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private sealed record Call(long StartMs, long EndMs, int Dataset, int Status, bool RetryAfter);

    [Fact]
    public async Task Killing_each_silo_in_turn_keeps_the_gateway_ready_answers_within_5_s_and_every_dataset_writes_again()
    {
        var (connectionString, clusterId, cluster) = await TestCluster.CreateAsync(_server, "failtime");
        var token = "sk_test_" + Guid.NewGuid().ToString("N");
        var silos = Enumerable.Range(0, 3).Select(_ => new SiloProcess(token: token, extraArguments: cluster)).ToList();
        var everySilo = new List<SiloProcess>(silos);
        await using var gateway = new GatewayProcess(token, cluster);
        try
        {
            await Task.WhenAll(silos.Select(s => s.StartAsync()).Append(gateway.StartAsync()));
            await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout, "three active silos");
            string Diagnostics() => string.Join(Environment.NewLine, silos.Select((s, i) => $"silo {i}:{Environment.NewLine}{s.Tail(25)}")) +
                Environment.NewLine + gateway.Tail(25);

            var ids = Enumerable.Range(0, Datasets).Select(i => Api.UniqueId($"ft{i}")).ToArray();
            foreach (var id in ids) await gateway.Api.CreateDataset(id, "id", null, null, ("id", "string"), ("n", "integer"));

            var clock = Stopwatch.StartNew();
            var calls = new ConcurrentQueue<Call>();
            var notReady = new ConcurrentQueue<string>();
            var dead = -1;
            using var stop = new CancellationTokenSource();

            // Writers: through the gateway, and through a live silo's own API.
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var d = (w + n) % Datasets;
                    var victim = Volatile.Read(ref dead);
                    var live = silos.Where((_, i) => i != victim).ToArray();
                    var api = n % 2 == 0 ? gateway.Api : live[n % live.Length].Api;
                    var start = clock.ElapsedMilliseconds;
                    try
                    {
                        var reply = await api.Post($"/v1/record/{Ws}/{ids[d]}?wait=true", $$"""{"id":"w{{w}}-{{n}}","n":{{n}}}""");
                        calls.Enqueue(new Call(start, clock.ElapsedMilliseconds, d, reply.Status, reply.RetryAfter is not null));
                        if (reply.Status != 200) await Task.Delay(100, CancellationToken.None);
                    }
                    catch (HttpRequestException)
                    {
                        // A silo killed mid-request (its own API): not a call a user of the survivors made.
                    }
                }
            })).ToArray();

            // Readiness: the gateway and the live silos, every 100 ms.
            var probes = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var victim = Volatile.Read(ref dead);
                    var targets = new List<(string Name, HttpClient Http)> { ("gateway", gateway.Http) };
                    targets.AddRange(silos.Select((s, i) => ($"silo {i}", s.Http)).Where((_, i) => i != victim));
                    foreach (var (name, http) in targets)
                    {
                        try
                        {
                            using var ready = await http.GetAsync("/readyz");
                            if ((int)ready.StatusCode != 200) notReady.Enqueue($"{clock.ElapsedMilliseconds} ms: {name} /readyz {(int)ready.StatusCode} {await ready.Content.ReadAsStringAsync()}");
                        }
                        catch (HttpRequestException ex)
                        {
                            if (Volatile.Read(ref dead) == victim) notReady.Enqueue($"{clock.ElapsedMilliseconds} ms: {name} /readyz {ex.Message}");
                        }
                    }
                    await Task.Delay(100, CancellationToken.None);
                }
            });

            await Eventually.Until(() => Task.FromResult(calls.Count(c => c.Status == 200) >= 200), TimeSpan.FromSeconds(60), "200 writes before the first kill");
            var report = new List<string>();
            for (var victim = 0; victim < 3; victim++)
            {
                var killedAt = clock.ElapsedMilliseconds;
                silos[victim].Kill();
                Volatile.Write(ref dead, victim);
                await silos[victim].WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");

                // Every dataset takes a write after the kill.
                await Eventually.Until(() => Task.FromResult(Enumerable.Range(0, Datasets).All(d => calls.Any(c => c.Dataset == d && c.Status == 200 && c.StartMs > killedAt))),
                    FailoverWithin + TimeSpan.FromSeconds(40), $"a write to every dataset after silo {victim} was killed{Environment.NewLine}{Diagnostics()}");
                var recoveredAt = Enumerable.Range(0, Datasets).Max(d => calls.Where(c => c.Dataset == d && c.Status == 200 && c.StartMs > killedAt).Min(c => c.EndMs));
                // Then a while longer, so calls to grains of the dead silo have all been answered, before it comes back.
                await Eventually.Until(() => Task.FromResult(clock.ElapsedMilliseconds > recoveredAt + 3_000), TimeSpan.FromSeconds(10), "3 s of load after the failover");
                var window = calls.Where(c => c.StartMs > killedAt).ToArray();
                var latencies = window.Select(c => c.EndMs - c.StartMs).Order().ToArray();
                var p99 = latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1];
                var refused = window.Count(c => c.Status != 200);
                report.Add($"silo {victim} killed: every dataset written again {recoveredAt - killedAt} ms after the kill; {window.Length} calls since, " +
                    $"p99 {p99} ms, max {latencies[^1]} ms, {refused} not 200 ({string.Join(", ", window.Where(c => c.Status != 200).GroupBy(c => c.Status).Select(g => $"{g.Key}×{g.Count()}"))})");
                Assert.True(recoveredAt - killedAt <= FailoverWithin.TotalMilliseconds, report[^1]);
                Assert.True(p99 <= AnswerWithin.TotalMilliseconds, report[^1]);
                Assert.All(window.Where(c => c.Status != 200), c => Assert.True(c.Status == 503 && c.RetryAfter, $"a {c.Status} without Retry-After: {report[^1]}"));

                // The silo comes back as a new process before the next one dies.
                var returned = new SiloProcess(token: token, extraArguments: cluster);
                everySilo.Add(returned);
                await returned.StartAsync();
                silos[victim] = returned;
                Volatile.Write(ref dead, -1);
                await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout,
                    $"three active silos after silo {victim} came back{Environment.NewLine}{Diagnostics()}");
            }
            stop.Cancel();
            await Task.WhenAll(writers);
            await probes;
            foreach (var line in report) output.WriteLine(line);
            Assert.True(notReady.IsEmpty, $"/readyz was not 200 while a silo was dead:{Environment.NewLine}{string.Join(Environment.NewLine, notReady.Take(20))}{Environment.NewLine}{string.Join(Environment.NewLine, report)}");
        }
        finally
        {
            foreach (var silo in everySilo) await silo.DisposeAsync();
        }
    }
}
