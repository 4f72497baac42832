using System.Collections.Concurrent;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Apperate.Actors.Tests.Live;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// Three real silos in <c>Cluster</c> mode on MariaDB, a live subscriber on each, writes to every silo, and a SIGKILL of
/// the silo holding the dataset grain: every subscriber ends with exactly the committed records, once each, in order.
/// </summary>
public sealed class LiveFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ws = Api.Workspace;
    private const int Writers = 3;
    private static readonly TimeSpan KeepWorking = TimeSpan.FromSeconds(120);

    private readonly MariaDbServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Subscribers_on_every_silo_see_every_commit_once_across_a_silo_kill()
    {
        var database = await _server.CreateDatabaseAsync("livefailover");
        var connectionString = _server.ConnectionString(database);
        var clusterId = "live-" + Guid.NewGuid().ToString("N")[..8];
        string[] arguments = ["--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}"];
        var token = "sk_test_" + Guid.NewGuid().ToString("N");
        var silos = Enumerable.Range(0, 3).Select(_ => new SiloProcess(token: token, extraArguments: arguments)).ToArray();
        using var stopFollowing = new CancellationTokenSource();
        try
        {
            await Task.WhenAll(silos.Select(s => s.StartAsync()));
            string Diagnostics() => string.Join(Environment.NewLine, silos.Select((s, i) => $"silo {i} (pid {(s.IsRunning ? s.ProcessId : -1)}):{Environment.NewLine}{s.Tail(30)}"));
            await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout, "three active silos in the membership table");

            var dataset = Api.UniqueId("LIVE");
            await silos[0].Api.CreateDataset(dataset, "id", null, null, ("id", "string"), ("n", "integer"));
            await Eventually.Until(() => Task.FromResult(silos.Any(s => s.StandardOutput.Contains($"Dataset {Ws}/{dataset} created", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10), "a silo to log that the dataset grain created the dataset");
            var victim = silos.Single(s => s.StandardOutput.Contains($"Dataset {Ws}/{dataset} created", StringComparison.Ordinal));
            var survivors = silos.Where(s => s != victim).ToArray();

            // One follower per silo; each reconnects to a live silo with its last id when its stream breaks.
            var followers = silos.Select(s => new Follower(s, silos, $"/v1/sse/{Ws}/{dataset}?token={token}")).ToArray();
            var following = followers.Select(f => f.RunAsync(stopFollowing.Token)).ToArray();

            var acknowledged = new ConcurrentDictionary<string, bool>();
            var afterKill = new ConcurrentDictionary<int, int>();
            var killed = 0;
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var targets = Volatile.Read(ref killed) == 0 ? silos : survivors;
                    var record = $"w{w}-{n:D6}";
                    try
                    {
                        var reply = await targets[n % targets.Length].Api.Post($"/v1/record/{Ws}/{dataset}?wait=true", $$"""[{"id":"{{record}}","n":{{n}}},{"id":"{{record}}b","n":{{n}}}]""");
                        if (reply.Status != 200) continue;
                        acknowledged[record] = true;
                        acknowledged[record + "b"] = true;
                        if (Volatile.Read(ref killed) == 1) afterKill.AddOrUpdate(w, 1, (_, c) => c + 1);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                    }
                }
            })).ToArray();

            await Eventually.Until(() => Task.FromResult(acknowledged.Count >= 400), KeepWorking, "400 acknowledged records before the kill");
            victim.Kill();
            Volatile.Write(ref killed, 1);
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
            await Eventually.Until(() => Task.FromResult(Enumerable.Range(0, Writers).All(w => afterKill.GetValueOrDefault(w) >= 30)), KeepWorking,
                $"30 acknowledged writes per writer after the kill{Environment.NewLine}{Diagnostics()}");
            stop.Cancel();
            await Task.WhenAll(load);

            // What is committed is what the store holds; every acknowledged record is among it.
            var stored = (await survivors[0].Api.Data($"{dataset}?last=1000000")).Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
            Assert.DoesNotContain(acknowledged.Keys, k => !stored.Contains(k));
            foreach (var follower in followers)
            {
                await Eventually.Until(() => Task.FromResult(follower.Count >= stored.Count), KeepWorking,
                    $"follower of silo {Array.IndexOf(silos, follower.First)} to receive {stored.Count} records (has {follower.Count}; {follower.Describe()}){Environment.NewLine}{Diagnostics()}");
            }
            await stopFollowing.CancelAsync();
            await Task.WhenAll(following);
            foreach (var follower in followers)
            {
                var (ids, frames) = follower.Received();
                // Every committed record once, and the frames' ids strictly rising across reconnections.
                Assert.Equal(stored.Order(), ids.Order());
                Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First < p.Second), $"frame ids not rising: {string.Join(",", frames)}");
                output.WriteLine($"follower of silo {Array.IndexOf(silos, follower.First)}: {ids.Length} records over {follower.Connections} connections");
            }
            Assert.Contains(followers, f => f.First == victim && f.Connections > 1);
        }
        finally
        {
            await stopFollowing.CancelAsync();
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    /// <summary>A client that follows one dataset from a first silo and reconnects to the next live silo with its last event id.</summary>
    private sealed class Follower(SiloProcess first, SiloProcess[] silos, string path)
    {
        private readonly Lock _gate = new();
        private readonly List<string> _received = [];
        private readonly List<long> _frames = [];
        private string _lastEventId = "0";

        public SiloProcess First => first;

        public int Connections { get; private set; }

        public int Count
        {
            get { lock (_gate) return _received.Count; }
        }

        public (string[] Ids, long[] Frames) Received()
        {
            lock (_gate) return ([.. _received], [.. _frames]);
        }

        public string Describe() => $"{Connections} connections, last id {_lastEventId}";

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var silo = first;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!silo.IsRunning) silo = silos.First(s => s.IsRunning);
                Connections++;
                try
                {
                    var (client, status, _) = await SseClient.OpenAsync(silo.BaseAddress, path, _lastEventId);
                    await using (client)
                    {
                        if (status != 200) continue;
                        while (!cancellationToken.IsCancellationRequested)
                        {
                            SseEvent? e;
                            try
                            {
                                e = await client.NextAsync(TimeSpan.FromSeconds(2), "a frame");
                            }
                            catch (TimeoutException)
                            {
                                continue;
                            }
                            if (e is null) break;
                            if (e.Type != "message") continue;
                            lock (_gate)
                            {
                                _received.AddRange(e.Records.Select(r => r!["id"]!.GetValue<string>()));
                                _frames.Add(e.Sequence);
                            }
                            _lastEventId = e.Id!;
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                {
                    // The silo went away: reconnect to a live one.
                }
                if (!silo.IsRunning) silo = silos.First(s => s.IsRunning);
            }
        }
    }
}
