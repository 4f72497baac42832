using Apperate.Actors.Gateway.Hosting;

namespace Apperate.Actors.Tests.Common;

/// <summary>The <c>Apperate</c> section is checked before anything starts, every setting at fault named at once.</summary>
[Trait("Category", "Unit")]
public sealed class ApperateOptionsValidatorTests
{
    private static string[] Failures(ApperateOptions options, bool gateway = false) =>
        new ApperateOptionsValidator(gateway).Validate(null, options).Failures?.ToArray() ?? [];

    [Fact]
    public void The_defaults_are_valid_for_the_silo()
    {
        Assert.Empty(Failures(new ApperateOptions()));
    }

    [Fact]
    public void Every_bad_setting_is_named_in_one_go()
    {
        var failures = Failures(new ApperateOptions
        {
            Mode = "Cluster",
            ConnectionString = "Server=127.0.0.1",
            AdvertisedAddress = "nowhere",
            ClusterId = " ",
            DrainTimeout = TimeSpan.FromSeconds(-1),
            SiloPort = 0,
            GatewayPort = 70000,
            Workspace = "no spaces",
            Writes = new WriteLimits { Concurrency = 0, Queue = -1, Nice = 25 },
        });
        foreach (var expected in new[] { "Apperate:ConnectionString names no Database", "Apperate:AdvertisedAddress 'nowhere'", "Apperate:ClusterId",
                     "Apperate:DrainTimeout", "Apperate:SiloPort 0", "Apperate:GatewayPort 70000", "Apperate:Workspace 'no spaces'",
                     "Apperate:Writes:Concurrency 0", "Apperate:Writes:Queue -1", "Apperate:Writes:Nice 25" })
            Assert.True(failures.Any(f => f.Contains(expected, StringComparison.Ordinal)), $"no failure names {expected}: {string.Join(" | ", failures)}");
    }

    [Theory]
    [InlineData("Swarm", "'Swarm' is not supported")]
    [InlineData("Cluster", "Apperate:ConnectionString is required")]
    public void The_mode_must_be_known_and_cluster_mode_needs_a_database(string mode, string message)
    {
        Assert.Contains(Failures(new ApperateOptions { Mode = mode }), f => f.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_standalone_gateway_always_needs_the_cluster_database_and_ignores_the_silo_settings()
    {
        Assert.Contains(Failures(new ApperateOptions(), gateway: true), f => f.Contains("Apperate:ConnectionString is required", StringComparison.Ordinal));
        Assert.Empty(Failures(new ApperateOptions { ConnectionString = "Server=127.0.0.1;Database=x", SiloPort = 0, AdvertisedAddress = "nowhere" }, gateway: true));
    }

    [Fact]
    public void The_same_ports_for_silo_and_gateway_are_refused()
    {
        Assert.Contains(Failures(new ApperateOptions { SiloPort = 30000, GatewayPort = 30000 }), f => f.Contains("must differ", StringComparison.Ordinal));
    }

    [Fact]
    public void Telemetry_settings_are_checked_and_the_dashboard_is_a_silo_setting()
    {
        var telemetry = new TelemetryOptions { OtlpEndpoint = "collector:4317", OtlpProtocol = "udp", Dashboard = true };
        var failures = Failures(new ApperateOptions { ConnectionString = "Server=127.0.0.1;Database=x", Telemetry = telemetry }, gateway: true);
        foreach (var expected in new[] { "Apperate:Telemetry:OtlpEndpoint 'collector:4317'", "Apperate:Telemetry:OtlpProtocol 'udp'", "Apperate:Telemetry:Dashboard is a silo setting" })
            Assert.True(failures.Any(f => f.Contains(expected, StringComparison.Ordinal)), $"no failure names {expected}: {string.Join(" | ", failures)}");
        Assert.Empty(Failures(new ApperateOptions { Telemetry = new TelemetryOptions { OtlpEndpoint = "http://127.0.0.1:4318", OtlpProtocol = "http/protobuf", Dashboard = true } }));
    }
}
