using System.Net;
using Apperate.Actors;
using Apperate.Actors.Connectors;
using Apperate.Actors.Gateway;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Endpoints;
using Apperate.Actors.Gateway.Hosting;
using Apperate.Actors.Rules.Delivery;
using Apperate.Actors.Silo.Cluster;
using Apperate.Actors.Silo.Embedded;
using Apperate.Actors.Silo.Hosting;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.MySql;
using Apperate.Actors.Storage.Queue;
using Apperate.Actors.Storage.Sqlite;
using Apperate.Actors.Streaming;
using MySqlConnector;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;

// appsettings.json sits beside the binary; ./data stays relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (ApperateHost.Configure(builder, standaloneGateway: false, defaultUrl: "http://127.0.0.1:5000") is not { } options) return 2;

var clusterMode = string.Equals(options.Mode, "Cluster", StringComparison.OrdinalIgnoreCase);
var cluster = clusterMode ? new ClusterStorage(options.ConnectionString) : null;
var advertised = clusterMode ? IPAddress.Parse(options.AdvertisedAddress) : IPAddress.Loopback;

// In cluster mode the data directory holds only local files (credentials.json, the ingest spool).
var storage = new EmbeddedStorage(options.DataDirectory);
builder.Services.AddSingleton(storage);
if (cluster is not null)
{
    try
    {
        // Several silos may start at once: the scripts apply under a named lock, each once.
        foreach (var script in await cluster.EnsureSchemaAsync())
            Console.WriteLine($"Applied {script} to the MySQL database {cluster.Database}");
    }
    catch (MySqlException ex)
    {
        Console.Error.WriteLine($"Cannot prepare the MySQL database {cluster.Database}: {ex.Message}");
        return 1;
    }
    builder.Services.AddSingleton(cluster);
    var records = new MySqlRecordStore(cluster.ConnectionString);
    builder.Services.AddSingleton<IRecordStore>(records);
    builder.Services.AddSingleton<IAlertStore>(records);
    builder.Services.AddSingleton<IRecordQueue>(sp => new RecordQueue(new MySqlQueueDatabase(cluster.ConnectionString),
        new RecordQueueOptions { WriteThreads = sp.GetService<WriteThreads>() }));
}
else
{
    storage.EnsureGrainStateSchema();
    // Commits run on the write threads (Apperate:Writes:Nice), below reads in priority.
    builder.Services.AddSingleton(sp => new SqliteRecordStore(storage.RecordsPath) { WriteThreads = sp.GetService<WriteThreads>() });
    builder.Services.AddSingleton<IRecordStore>(sp => sp.GetRequiredService<SqliteRecordStore>());
    builder.Services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<SqliteRecordStore>());
    builder.Services.AddSingleton<IRecordQueue>(sp => new RecordQueue(new SqliteQueueDatabase(storage.QueuePath),
        new RecordQueueOptions { WriteThreads = sp.GetService<WriteThreads>() }));
}
// Rules: webhook delivery (Apperate:Rules options, checked at start); ResumeAtStart starts the sweeper that resumes deliveries.
builder.Services.AddWebhookDelivery();
builder.Services.AddSingleton(new Apperate.Actors.Gateway.Ingest.IngestSpool(Path.Combine(storage.DataDirectory, "spool")));
builder.Services.AddConnectorSources();

builder.UseOrleans(silo =>
{
    // ServiceId and storage names are the same in every mode so data moves between them.
    if (cluster is not null)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterStorage.Invariant;
            o.ConnectionString = cluster.OrleansConnectionString;
        });
        silo.AddAdoNetGrainStorage(StorageNames.GrainState, o =>
        {
            o.Invariant = ClusterStorage.Invariant;
            o.ConnectionString = cluster.OrleansConnectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = ClusterStorage.Invariant;
            o.ConnectionString = cluster.OrleansConnectionString;
        });
        // Failover: a silo that stops answering is declared dead after two missed 2 s probes (Orleans: three of 5 s), so
        // calls to its grains fail over in seconds; a silo stalled longer than that (a long GC pause, a starved
        // machine) is declared dead too and restarts. README "Failover" has the trade-offs.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
        });
    }
    else
    {
        silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: "apperate");
        silo.AddAdoNetGrainStorage(StorageNames.GrainState, o =>
        {
            // Orleans names its SQLite invariant "System.Data.SQLite" and loads Microsoft.Data.Sqlite for it.
            o.Invariant = "System.Data.SQLite";
            o.ConnectionString = storage.GrainStateConnectionString;
        });
    }
    // The grain-state serializer is fixed once, before any data exists: Orleans' own, version-tolerant by [Id].
    silo.Services.AddOptions<AdoNetGrainStorageOptions>(StorageNames.GrainState)
        .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
    // Async writes: durable record streams over the record queue, delivered exactly once to the dataset grains.
    silo.AddRecordStreams();
    // Grain calls carry the trace context when traces are exported (an OTLP collector is configured).
    if (ApperateTelemetry.Tracing(options)) silo.AddActivityPropagation();
    // The Orleans dashboard (/dashboard), off by default; the operator token check guards it (below).
    if (options.Telemetry.Dashboard) silo.AddDashboard();
    // Durable reminders keep running connectors running across restarts.
    silo.AddReminders();
    if (cluster is null) silo.Services.AddSingleton<IReminderTable>(new SqliteReminderTable(storage));
});

builder.Services.AddHostedService<WorkspaceBootstrap>();
builder.Services.AddHostedService<ResumeAtStart>();
if (cluster is not null) builder.Services.AddSingleton<IReadinessCheck, ClusterReadiness>();
else builder.Services.AddSingleton<IReadinessCheck, SiloReadiness>();
builder.Services.AddApperateGateway();

var app = builder.Build();
app.UseApperateGateway();
if (options.Telemetry.Dashboard)
{
    app.UseOperatorGuard("/dashboard", rememberInCookie: true);
    app.MapOrleansDashboard("/dashboard");
}
await app.RunAsync();
return 0;
