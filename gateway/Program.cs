using Apperate.Actors.Gateway;
using Apperate.Actors.Gateway.Endpoints;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Hosting;
using Apperate.Actors.Gateway.Ingest;
using Apperate.Actors.Gateway.Standalone.Cluster;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Apperate.Actors.Streaming;
using Orleans.Configuration;

// The standalone gateway: the HTTP API of the silo, in a process that joins a cluster as an Orleans client. It hosts
// no grain and creates nothing; the silos own the workspace and the data.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// The same configuration as the silos serves the gateway too, so Mode may be given; it must then be Cluster.
if (builder.Configuration[$"{ApperateOptions.Section}:Mode"] is { Length: > 0 } mode && !string.Equals(mode, "Cluster", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"Apperate:Mode '{mode}' is not supported by the standalone gateway: it joins a cluster of silos ('Cluster', or leave it unset).");
    return 2;
}
// The silo's port is 5000: a silo and a gateway can run side by side with their defaults.
if (ApperateHost.Configure(builder, standaloneGateway: true, defaultUrl: "http://127.0.0.1:5080") is not { } options) return 2;
var database = new ClusterDatabase(options.ConnectionString);
// The Orleans client's start is its connect, retried until a silo answers: Kestrel starts alongside it, so /readyz
// can say "not ready" meanwhile instead of refusing connections.
builder.Services.Configure<HostOptions>(h => h.ServicesStartConcurrently = true);

builder.Services.AddSingleton(new IngestSpool(Path.Combine(Path.GetFullPath(options.DataDirectory), "spool")));
builder.Services.AddSingleton<ClusterConnection>();
builder.Services.AddSingleton<IRecordQueue>(sp => new RecordQueue(new MySqlQueueDatabase(database.ConnectionString),
    new RecordQueueOptions { WriteThreads = sp.GetService<WriteThreads>() }));
builder.Services.AddSingleton<IReadinessCheck>(sp => sp.GetRequiredService<ClusterConnection>());

builder.UseOrleansClient(client =>
{
    // The silos' ServiceId and ClusterId, found through their membership table.
    client.Configure<ClusterOptions>(o =>
    {
        o.ClusterId = options.ClusterId;
        o.ServiceId = options.ServiceId;
    });
    client.UseAdoNetClustering(o =>
    {
        o.Invariant = ClusterDatabase.Invariant;
        o.ConnectionString = database.OrleansConnectionString;
    });
    // The silos it may connect to, read from the membership table every 5 s (Orleans: every minute): silos that start
    // after it, or come back, take its calls within seconds, and losing one silo leaves it connected to the others.
    client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
    // A call caught on a silo killed mid-call is answered (503, Retry-After) after 10 s (Orleans: 30 s): the silo that
    // forwarded it keeps no record of it, so only this timeout ends the wait. Calls that may run longer say so
    // (CallTimeouts).
    client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    // Async writes go onto the silos' record streams from here, into the record queue in the cluster's database.
    client.AddRecordStreams();
    // Grain calls carry the trace context when traces are exported (an OTLP collector is configured).
    if (ApperateTelemetry.Tracing(options)) client.AddActivityPropagation();
    client.Services.AddSingleton<IClientConnectionRetryFilter>(sp => sp.GetRequiredService<ClusterConnection>());
    client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterConnection>());
});

builder.Services.AddApperateGateway();

var app = builder.Build();
var connection = app.Services.GetRequiredService<ClusterConnection>();
app.Use(async (context, next) =>
{
    // Without a cluster every API call would fail or wait for a response timeout: answer 503 at once instead.
    if (context.Request.Path.StartsWithSegments("/v1") && !context.Request.Path.StartsWithSegments("/v1/openapi-doc") && connection.Problem is { } why)
    {
        await ProblemMiddleware.WriteAsync(context, 503, $"The gateway is not ready: {why}.", [], TimeSpan.FromSeconds(5));
        return;
    }
    await next(context);
});
app.UseApperateGateway();
// Taken now: the host disposes its lifetime before RunAsync returns or throws.
var started = app.Lifetime.ApplicationStarted;
var stopping = app.Lifetime.ApplicationStopping;
try
{
    await app.RunAsync();
}
catch (Exception) when (stopping.IsCancellationRequested && !started.IsCancellationRequested)
{
    // Stopped while still connecting to the cluster (the connect gives up with an exception the host has logged):
    // nothing was accepted, nothing to drain.
    Console.WriteLine("Stopped before the gateway connected to the cluster.");
}
return 0;
