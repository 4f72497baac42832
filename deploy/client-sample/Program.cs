using Apperate.Actors;
using Apperate.Actors.Datasets;
using Apperate.Actors.Workspaces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

// An Orleans client of Apperate.Actors: joins the cluster, creates or describes a dataset, writes records with a
// synchronous grain call and reads them back. It reads the silo's configuration keys (appsettings.json, --Key=value,
// Apperate__Key); README.md, "Calling grains from your own Orleans app", explains each step.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var apperate = builder.Configuration.GetSection("Apperate");
var workspace = apperate["Workspace"]!;
var datasetId = builder.Configuration["Dataset"]!;

builder.UseOrleansClient(client =>
{
    if (string.Equals(apperate["Mode"], "Cluster", StringComparison.OrdinalIgnoreCase))
    {
        // The silos' ids and database: the membership table lists the gateways of the active silos.
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = apperate["ClusterId"]!;
            o.ServiceId = apperate["ServiceId"]!;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = "MySql.Data.MySqlConnector";
            o.ConnectionString = apperate["ConnectionString"];
        });
    }
    else
    {
        // An embedded silo on this host: its gateway port; the embedded mode's cluster id is always "apperate".
        client.UseLocalhostClustering(apperate.GetValue<int>("GatewayPort"), apperate["ServiceId"]!, "apperate");
    }
});

using var host = builder.Build();
try
{
    // The client retries the gateways until its start is cancelled.
    using var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    await host.StartAsync(connecting.Token);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("No silo gateway answered within 30 s: check Apperate:GatewayPort (embedded) or ConnectionString, ClusterId and ServiceId (cluster).");
    return 2;
}
var grains = host.Services.GetRequiredService<IClusterClient>();

try
{
    var dataset = grains.GetGrain<IDatasetGrain>(Names.DatasetKey(workspace, datasetId));
    if (await dataset.GetInfoAsync() is { } info)
    {
        Console.WriteLine($"Dataset {info.Definition.Workspace}/{info.Definition.DatasetId} exists: version {info.Definition.Version}, {info.Records} records");
    }
    else
    {
        // Datasets are created through their workspace, which registers them and fills in the table, times and version.
        var created = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).CreateDatasetAsync(new DatasetDefinition(
            workspace, datasetId, Title: "Daily prices", Description: null,
            new DatasetSchema(
                [new("symbol", PropertyType.String), new("date", PropertyType.Date), new("close", PropertyType.Number), new("volume", PropertyType.Integer)],
                Required: ["symbol", "date"], AdditionalProperties: false),
            new ColumnMapping(Key: "symbol", Subkey: null, Date: "date"),
            Created: 0, Updated: 0, Version: 0, TableName: ""));
        Console.WriteLine($"Created dataset {created.Workspace}/{created.DatasetId}");
    }

    // Like wait=true on the HTTP API: returns once the records are committed and queryable.
    var written = await dataset.WriteAsync(new RecordBatch(
        ["symbol", "date", "close", "volume"],
        [Price("AAPL", new(2024, 1, 4), 181.91, 71_983_600), Price("AAPL", new(2024, 1, 5), 181.18, 62_303_300), Price("MSFT", new(2024, 1, 4), 367.94, 20_901_500)],
        DuplicateKeyHandling.Ignore));
    Console.WriteLine($"Wrote {written.Received} records: {written.Written} new, {written.Duplicates} duplicates");

    var result = await dataset.QueryAsync([new KeySelector("AAPL", null)], DataQuery.Latest with { Limit = 10 });
    foreach (var row in result.Groups[0])
        Console.WriteLine(string.Join(", ", result.Properties.Select((p, i) => $"{p.Name}={row.Values[i]}")));
    return 0;
}
catch (ApperateException ex)
{
    Console.Error.WriteLine($"{ex.Kind}: {ex.Message}");
    return 1;
}
finally
{
    await host.StopAsync();
}

// Grains take records validated and in store form, as the HTTP API makes them: the unique index (key, subkey, index
// date in epoch ms) spelled out, then one value per column (date properties as YYYY-MM-DD text).
static RecordRow Price(string symbol, DateOnly date, double close, long volume) =>
    new(symbol, "", new DateTimeOffset(date, TimeOnly.MinValue, TimeSpan.Zero).ToUnixTimeMilliseconds(),
        [symbol, date.ToString("yyyy-MM-dd"), close, volume], null);
