using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>A fresh cluster identity on a MariaDB server: its own database and cluster id, and the silo arguments that name them.</summary>
/// <param name="ConnectionString">The cluster database's connection string.</param>
/// <param name="ClusterId">A cluster id no other test uses.</param>
/// <param name="Arguments">Cluster-mode arguments for silos and gateways.</param>
public sealed record TestCluster(string ConnectionString, string ClusterId, string[] Arguments)
{
    /// <summary>Creates the database (named after <paramref name="prefix"/>) and a cluster id.</summary>
    public static async Task<TestCluster> CreateAsync(MariaDbServer server, string prefix)
    {
        var connectionString = server.ConnectionString(await server.CreateDatabaseAsync(prefix));
        var clusterId = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 9)];
        return new TestCluster(connectionString, clusterId,
            ["--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}"]);
    }
}

/// <summary>
/// Tests that kill silos and time what follows, each with a cluster of its own: they run one at a time, so that
/// another test's processes do not starve their silos' liveness probes on a small machine.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SiloKillCollection
{
    public const string Name = "silo-kills";
}
