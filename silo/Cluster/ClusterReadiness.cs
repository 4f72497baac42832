using Apperate.Actors.Gateway.Endpoints;
using Apperate.Actors.Storage;

namespace Apperate.Actors.Silo.Cluster;

/// <summary>Ready when the silo is active in its cluster and both the Orleans tables and the record store answer.</summary>
public sealed class ClusterReadiness(ISiloStatusOracle silo, ClusterStorage storage, IRecordStore store) : IReadinessCheck
{
    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        if (silo.CurrentStatus != SiloStatus.Active) return $"silo is {silo.CurrentStatus}";
        if (!await storage.PingAsync(cancellationToken)) return "the Orleans tables in MySQL do not answer";
        return await store.PingAsync(cancellationToken) ? null : "record store does not answer";
    }
}
