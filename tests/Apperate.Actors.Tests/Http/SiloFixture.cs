namespace Apperate.Actors.Tests.Http;

/// <summary>One real silo process shared by every test of the <see cref="SiloCollection"/>.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public SiloProcess Silo { get; } = new();

    /// <summary>The API with the workspace's secret token.</summary>
    public Api Api => Silo.Api;

    public Task InitializeAsync() => Silo.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>Tests that share one silo process; each uses its own dataset names.</summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "Shared silo process";
}
