using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a port the system picks, without logging: the peers the tests run the
/// service against (a webhook receiver, an Exchange feed, an OpenTelemetry collector). Stopped by its owner.
/// </summary>
public static class LoopbackApp
{
    /// <summary>Builds the app, lets <paramref name="configure"/> add its middleware, starts it and returns it with its address (<c>http://127.0.0.1:port</c>).</summary>
    public static async Task<(WebApplication App, string Address)> StartAsync(Action<WebApplication> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'));
    }
}
