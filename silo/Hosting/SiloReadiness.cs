using Apperate.Actors.Gateway.Endpoints;
using Apperate.Actors.Storage;

namespace Apperate.Actors.Silo.Hosting;

/// <summary>Ready when the silo is active in its cluster and the record store answers.</summary>
public sealed class SiloReadiness(ISiloStatusOracle silo, IRecordStore store) : IReadinessCheck
{
    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        if (silo.CurrentStatus != SiloStatus.Active) return $"silo is {silo.CurrentStatus}";
        return await store.PingAsync(cancellationToken) ? null : "record store does not answer";
    }
}
