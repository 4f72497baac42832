using Apperate.Actors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// An async write's 200 survives <c>kill -9</c> of the embedded process that answered it: after the restart every
/// answered record is stored exactly once, and none holds an older value than the last one answered (its own process).
/// </summary>
public sealed class AsyncWriteCrashTests(ITestOutputHelper output)
{
    private const int Writers = 16;

    [Fact]
    public async Task Every_answered_async_write_is_stored_exactly_once_after_kill_9_of_the_embedded_process()
    {
        await using var silo = new SiloProcess();
        await silo.StartAsync();
        var load = new AsyncWriteLoad(Api.UniqueId("crash"), Writers);
        await load.CreateAsync(silo.Api);

        using var stop = new CancellationTokenSource();
        var writing = load.RunAsync(() => [silo.Api], stop.Token);
        await Eventually.Until(() => Task.FromResult(load.Answered >= 3_000), TimeSpan.FromSeconds(60), $"3,000 answered async writes ({load.Statuses})");
        silo.Kill();
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
        stop.Cancel();
        await writing;
        output.WriteLine($"{load.Answered} async writes answered before the kill; statuses {load.Statuses}");

        await using var restarted = new SiloProcess(silo.DataDirectory, silo.Token);
        await restarted.StartAsync();
        await load.VerifyAsync(restarted.Api, TimeSpan.FromSeconds(60), () => restarted.Tail(80));
    }
}
