using Apperate.Actors.Connectors.Coinbase;
using Apperate.Actors.Connectors.Ethereum;
using Apperate.Actors.Connectors.MySql;
using Microsoft.Extensions.DependencyInjection;

namespace Apperate.Actors.Connectors;

/// <summary>Registration of the connector sources.</summary>
public static class ConnectorServices
{
    /// <summary>Adds every source this version implements, and the <see cref="ConnectorSources"/> registry.</summary>
    public static IServiceCollection AddConnectorSources(this IServiceCollection services)
    {
        services.AddSingleton<IConnectorSource, CoinbaseSource>();
        services.AddSingleton<IConnectorSource, EthereumSource>();
        services.AddSingleton<IConnectorSource, MySqlSource>();
        services.AddSingleton<ConnectorSources>();
        return services;
    }
}
