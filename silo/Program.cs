using Apperate.Actors;
using Apperate.Actors.Connectors;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway;
using Apperate.Actors.Gateway.Endpoints;
using Apperate.Actors.Silo.Embedded;
using Apperate.Actors.Silo.Hosting;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Sqlite;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

// appsettings.json sits beside the binary; ./data stays relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// Request lines carry ?token=… in clear text: ASP.NET Core's per-request logging stays off whatever the
// configuration says, so secret tokens never reach a log.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Warning);
var options = builder.Configuration.GetSection(ApperateOptions.Section).Get<ApperateOptions>() ?? new ApperateOptions();
builder.Services.Configure<ApperateOptions>(builder.Configuration.GetSection(ApperateOptions.Section));

if (!string.Equals(options.Mode, "Embedded", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"Apperate:Mode '{options.Mode}' is not supported; use 'Embedded'.");
    return 2;
}

// Loopback only unless the operator says otherwise with --urls or ASPNETCORE_URLS.
if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5000");
// The record endpoints enforce their own limits; batch loads stream bodies of any size.
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(30));

var storage = new EmbeddedStorage(options.DataDirectory);
storage.EnsureGrainStateSchema();
builder.Services.AddSingleton(storage);
builder.Services.AddSingleton<IRecordStore>(new SqliteRecordStore(storage.RecordsPath));
builder.Services.AddSingleton<IRecordEventSink, NoRecordEvents>();
builder.Services.AddSingleton<WriteTracker>();
builder.Services.AddSingleton(new Apperate.Actors.Gateway.Ingest.IngestSpool(Path.Combine(storage.DataDirectory, "spool")));
builder.Services.AddConnectorSources();

builder.UseOrleans(silo =>
{
    // ServiceId and storage names are the same in every mode so data moves between them.
    silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: "apperate", clusterId: "apperate");
    silo.AddAdoNetGrainStorage(StorageNames.GrainState, o =>
    {
        // Orleans names its SQLite invariant "System.Data.SQLite" and loads Microsoft.Data.Sqlite for it.
        o.Invariant = "System.Data.SQLite";
        o.ConnectionString = storage.GrainStateConnectionString;
    });
    // The grain-state serializer is fixed once, before any data exists: Orleans' own, version-tolerant by [Id].
    silo.Services.AddOptions<AdoNetGrainStorageOptions>(StorageNames.GrainState)
        .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
    silo.AddMemoryStreams(RecordStreams.Provider, streams => streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly));
    // Durable reminders keep running connectors running across restarts.
    silo.AddReminders();
    silo.Services.AddSingleton<IReminderTable>(new SqliteReminderTable(storage));
});

builder.Services.AddHostedService<WorkspaceBootstrap>();
builder.Services.AddHostedService<WriteDrain>();
builder.Services.AddHostedService<ConnectorResume>();
builder.Services.AddSingleton<IReadinessCheck, SiloReadiness>();
builder.Services.AddApperateGateway();

var app = builder.Build();
app.UseApperateGateway();
await app.RunAsync();
return 0;
