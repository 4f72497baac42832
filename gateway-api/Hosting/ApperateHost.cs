using Apperate.Actors.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Hosting;

/// <summary>What the silo and the standalone gateway set up the same way before their own parts: one place for both.</summary>
public static class ApperateHost
{
    /// <summary>
    /// Reads and checks the <c>Apperate</c> section (every setting at fault printed to standard error; null then, and
    /// the program exits with code 2), registers it validated again at start, keeps tokens out of the request logs,
    /// listens on <paramref name="defaultUrl"/> (loopback) unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> say otherwise,
    /// sets up metrics, traces and logs (<see cref="ApperateTelemetry"/>), lifts Kestrel's body limit (the record endpoints keep their own; batch loads stream bodies of any size) and gives
    /// a graceful stop <see cref="ApperateOptions.DrainTimeout"/> for requests in progress.
    /// </summary>
    public static ApperateOptions? Configure(WebApplicationBuilder builder, bool standaloneGateway, string defaultUrl)
    {
        // Request lines carry ?token=… in clear text: ASP.NET Core's per-request logging stays off whatever the
        // configuration says, so secret tokens never reach a log.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning);

        ApperateOptions options;
        try
        {
            options = builder.Configuration.GetSection(ApperateOptions.Section).Get<ApperateOptions>() ?? new ApperateOptions();
        }
        catch (InvalidOperationException ex)
        {
            // A value of the wrong kind ("Failed to convert configuration value 'abc' at 'Apperate:SiloPort' to type …").
            Console.Error.WriteLine(ex.Message);
            return null;
        }
        var validator = new ApperateOptionsValidator(standaloneGateway);
        if (validator.Validate(null, options) is { Failed: true } invalid)
        {
            foreach (var failure in invalid.Failures!) Console.Error.WriteLine(failure);
            return null;
        }
        builder.Services.AddOptions<ApperateOptions>().BindConfiguration(ApperateOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApperateOptions>>(validator);

        var cluster = standaloneGateway || string.Equals(options.Mode, "Cluster", StringComparison.OrdinalIgnoreCase);
        builder.AddApperateTelemetry(options, cluster, standaloneGateway ? "apperate-gateway" : "apperate-silo");

        // Write work below reads in priority (Apperate:Writes:Nice): the write handler, and in the silo the stores.
        if (WriteThreads.Start(options.Writes.Nice) is { } writeThreads) builder.Services.AddSingleton(writeThreads);

        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(defaultUrl);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(30));
        return options;
    }
}
