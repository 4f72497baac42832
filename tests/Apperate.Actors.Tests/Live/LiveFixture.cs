using Apperate.Actors.Tests.Http;

namespace Apperate.Actors.Tests.Live;

/// <summary>One real silo process for the live-subscription tests, with a 1 s heartbeat so heartbeats can be awaited.</summary>
public sealed class LiveFixture : IAsyncLifetime
{
    public const string Heartbeat = "00:00:01";

    public SiloProcess Silo { get; } = new(extraArguments: [$"--Apperate:Live:HeartbeatInterval={Heartbeat}"]);

    public Api Api => Silo.Api;

    public Task InitializeAsync() => Silo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Tests that share the live silo; each uses its own datasets.</summary>
[CollectionDefinition(Name)]
public sealed class LiveCollection : ICollectionFixture<LiveFixture>
{
    public const string Name = "Live silo process";
}
