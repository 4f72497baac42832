using System.Diagnostics;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>A running connector across restarts of the real process on the same data directory.</summary>
public sealed class ConnectorRestartTests(ITestOutputHelper output)
{
    private const string Ws = Api.Workspace;
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(30);

    private static string Body(string datasetId, string url) =>
        $$"""{"datasetId":"{{datasetId}}","config":{"url":"{{url}}","productId":["BTC-USD"]},"connectorType":"COINBASE","wait":true}""";

    private static async Task<string> Status(Api api, string name) =>
        (await api.Get($"/v1/connectors/connector/{name}")).Expect(200).Json[0]!["state"]!["status"]!.GetValue<string>();

    private static async Task<long[]> TradeIds(Api api, string dataset) =>
        (await api.Data($"{dataset}/BTC-USD?last=100")).Select(r => r!["trade_id"]!.GetValue<long>()).Order().ToArray();

    /// <summary>The connector run reminders stored in the embedded reminder table of <paramref name="dataDirectory"/>.</summary>
    private static long StoredReminders(string dataDirectory)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "orleans.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM EmbeddedReminders WHERE ReminderName = 'apperate-connector-run'";
        return (long)command.ExecuteScalar()!;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_running_connector_runs_again_after_the_silo_restarts_and_stores_no_duplicates(bool kill)
    {
        await using var feed = await ExchangeFeedServer.StartAsync("BTC-USD");
        // The restarted connector subscribes again and gets every ticker sent so far: they must not be stored twice.
        feed.ReplayOnSubscribe = true;
        var dataset = Api.UniqueId("RESTART");

        await using var first = new SiloProcess();
        await first.StartAsync();
        (await first.Api.Post("/v1/connectors/connector/BTC", Body(dataset, feed.Url))).Expect(201);
        await Eventually.Until(async () => await Status(first.Api, "BTC") == "received", Soon, "the connector to be received");
        (await first.Api.Put("/v1/connectors/connector/BTC", """{"selectedStream":"ticker"}""")).Expect(200);
        var execId = (await first.Api.Put("/v1/connectors/connector/BTC", """{"status":"running"}""")).Expect(200).Json["state"]!["execId"]!.GetValue<string>();
        await Eventually.Until(() => Task.FromResult(feed.Subscribed == 1), Soon, "the connector to subscribe");
        await feed.TickerAsync("BTC-USD", "50000.5", 1);
        await feed.TickerAsync("BTC-USD", "50001.5", 2);
        await Eventually.Until(async () => (await TradeIds(first.Api, dataset)).Length == 2, Soon, "the first two records");
        Assert.Equal(1, StoredReminders(first.DataDirectory));

        var subscriptions = feed.Subscriptions;
        if (kill)
        {
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
        }
        else
        {
            Assert.Equal(0, await first.StopGracefullyAsync());
        }

        await using var second = new SiloProcess(first.DataDirectory, first.Token);
        await second.StartAsync();
        var sinceReady = Stopwatch.StartNew();
        // Nobody calls the connector: the start-up resume brings it back.
        await Eventually.Until(() => Task.FromResult(feed.Subscriptions > subscriptions && feed.Subscribed == 1), Soon,
            $"the connector to subscribe again after the restart{Environment.NewLine}{second.Tail()}");
        output.WriteLine($"The connector subscribed again {sinceReady.ElapsedMilliseconds} ms after the restarted service was ready.");
        var connector = (await second.Api.Get("/v1/connectors/connector/BTC")).Expect(200).Json[0]!;
        Assert.Equal("running", connector["state"]!["status"]!.GetValue<string>());
        Assert.Equal(execId, connector["state"]!["execId"]!.GetValue<string>());
        Assert.True(connector["stats"]!["restarts"]!.GetValue<int>() >= 1, connector.ToJsonString());

        await feed.TickerAsync("BTC-USD", "50002.5", 3);
        await Eventually.Until(async () => (await TradeIds(second.Api, dataset)).Length >= 3, Soon, "the record sent after the restart");
        var stored = await TradeIds(second.Api, dataset);
        Assert.Equal([1L, 2L, 3L], stored);
        Assert.Equal(3, await second.Api.RecordCount(dataset));
        var log = (await second.Api.Get($"/v1/logs/{Ws}?period=1h")).Expect(200).Json.AsArray();
        Assert.Contains(log, e => e!["sourceId"]?.GetValue<string>() == "BTC" && e["message"]!.GetValue<string>().Contains("resumed"));
        (await second.Api.Put("/v1/connectors/connector/BTC", """{"status":"stopped"}""")).Expect(200);
        Assert.Equal(0, StoredReminders(second.DataDirectory));
    }
}
