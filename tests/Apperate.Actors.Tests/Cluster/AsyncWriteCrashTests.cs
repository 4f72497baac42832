using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// Cluster mode: three silos and a standalone gateway on MariaDB under a sustained async write load through the
/// gateway and two silos' own APIs. A silo that accepts writes is killed (<c>kill -9</c>), then the gateway: every
/// record either of them answered 200 is stored exactly once by the survivors, none with an older value than the
/// last one answered.
/// </summary>
[Collection(SiloKillCollection.Name)]
public sealed class AsyncWriteCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Writers = 12;

    /// <summary>How long the survivors may take to notice the dead silo, take its queues over and store what they held.</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(150);

    private readonly MariaDbServer _server = new();

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Every_answered_async_write_is_stored_exactly_once_after_kill_9_of_an_accepting_silo_and_of_the_gateway()
    {
        var (connectionString, clusterId, cluster) = await TestCluster.CreateAsync(_server, "crash");
        var token = "sk_test_" + Guid.NewGuid().ToString("N");
        var silos = Enumerable.Range(0, 3).Select(_ => new SiloProcess(token: token, extraArguments: cluster)).ToArray();
        await using var gateway = new GatewayProcess(token, cluster);
        try
        {
            await Task.WhenAll(silos.Select(s => s.StartAsync()).Append(gateway.StartAsync()));
            string Diagnostics() => string.Join(Environment.NewLine, silos.Select((s, i) => $"silo {i}:{Environment.NewLine}{s.Tail(30)}")) +
                Environment.NewLine + gateway.Tail(30);
            await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout, "three active silos");

            var load = new AsyncWriteLoad(Api.UniqueId("crash"), Writers);
            await load.CreateAsync(gateway.Api);
            var killedSilo = 0;
            using var stop = new CancellationTokenSource();
            var writing = load.RunAsync(() => Volatile.Read(ref killedSilo) == 0 ? [gateway.Api, silos[0].Api, silos[1].Api] : [gateway.Api, silos[1].Api], stop.Token);

            await Eventually.Until(() => Task.FromResult(load.Answered >= 2_000), TimeSpan.FromSeconds(90), $"2,000 answered async writes ({load.Statuses})");
            silos[0].Kill();
            Volatile.Write(ref killedSilo, 1);
            await silos[0].WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
            load.Mark();
            await Eventually.Until(() => Task.FromResult(load.AnsweredAfterMark >= 1_000), Recovery,
                $"1,000 answered async writes after the silo was killed ({load.Statuses}){Environment.NewLine}{Diagnostics()}");
            gateway.Kill();
            stop.Cancel();
            await writing;
            output.WriteLine($"{load.Answered} async writes answered ({load.AnsweredAfterMark} after the silo was killed); statuses {load.Statuses}");

            await load.VerifyAsync(silos[2].Api, Recovery, Diagnostics);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }
}
