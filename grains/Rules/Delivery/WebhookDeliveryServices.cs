using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>Registration of the webhook delivery building blocks.</summary>
public static class WebhookDeliveryServices
{
    /// <summary>How long a pooled connection to a receiver is kept, so DNS changes are seen.</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>How long connecting to a receiver may take (within <see cref="RulesOptions.Timeout"/>).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Adds <see cref="RulesOptions"/> (bound from <paramref name="section"/>, or else from the <c>Apperate:Rules</c>
    /// section of the host's configuration, and checked at start), <see cref="RetrySchedule"/>,
    /// <see cref="WebhookAddressGuard"/>, <see cref="WebhookHosts"/>, <see cref="WebhookSender"/> and its
    /// <see cref="RulesOptions.HttpClientName"/> client.
    /// </summary>
    /// <remarks>
    /// The client follows no redirects (a 3xx could point anywhere, and the guard would only see it as a new
    /// connection), uses no proxy (the guard must judge the receiver's address, not the proxy's), keeps no cookies
    /// (receivers of different rules must not see each other's) and logs nothing itself (URLs may carry tokens;
    /// <see cref="WebhookSender"/> logs outcomes).
    /// </remarks>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, IConfiguration? section = null)
    {
        var options = services.AddOptions<RulesOptions>();
        if (section is null) options.BindConfiguration(RulesOptions.Section);
        else options.Bind(section);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RulesOptions>, RulesOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => RetrySchedule.Parse(sp.GetRequiredService<IOptions<RulesOptions>>().Value.RetrySchedule));
        services.TryAddSingleton(sp => new WebhookAddressGuard(sp.GetRequiredService<IOptions<RulesOptions>>().Value.AllowedWebhookHosts));
        services.TryAddSingleton<WebhookHosts>();
        services.TryAddSingleton<WebhookSender>();

        services.AddHttpClient(RulesOptions.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectCallback = sp.GetRequiredService<WebhookAddressGuard>().ConnectAsync,
                ConnectTimeout = ConnectTimeout,
                PooledConnectionLifetime = PooledConnectionLifetime,
            })
            .RemoveAllLoggers();
        return services;
    }
}
