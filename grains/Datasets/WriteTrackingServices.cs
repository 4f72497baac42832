using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Datasets;

/// <summary>Registration of the async write bookkeeping every publishing process needs (silo, standalone gateway).</summary>
public static class WriteTrackingServices
{
    /// <summary>
    /// Adds the <see cref="WriteTracker"/> and the <see cref="WriteRecovery"/> service that lets dataset grains elsewhere
    /// acknowledge this process's items. Call after <c>UseOrleans</c>/<c>UseOrleansClient</c>; calling it again adds nothing.
    /// </summary>
    public static IServiceCollection AddWriteTracking(this IServiceCollection services)
    {
        // Cluster mode (recovery configured): dataset grains may run in other processes, and stream items may be lost.
        services.TryAddSingleton(sp => new WriteTracker(sp.GetRequiredService<IOptions<WriteRecoveryOptions>>().Value.RecoverAfter is not null));
        services.TryAddSingleton<WriteRecovery>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WriteRecovery>(sp => sp.GetRequiredService<WriteRecovery>()));
        return services;
    }
}
