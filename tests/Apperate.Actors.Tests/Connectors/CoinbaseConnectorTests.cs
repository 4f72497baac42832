using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>One silo process and one loopback Exchange feed shared by the connector tests.</summary>
public sealed class ConnectorFixture : IAsyncLifetime
{
    public SiloProcess Silo { get; } = new();

    public ExchangeFeedServer Feed { get; private set; } = null!;

    public Api Api => Silo.Api;

    public async Task InitializeAsync()
    {
        Feed = await ExchangeFeedServer.StartAsync("BTC-USD", "ETH-USD", "LINK-USD");
        await Silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Feed.DisposeAsync();
    }
}

/// <summary>The COINBASE connector over HTTP on the real silo, against the loopback Exchange feed.</summary>
public sealed class CoinbaseConnectorTests(ConnectorFixture fixture) : IClassFixture<ConnectorFixture>
{
    private const string Ws = Api.Workspace;
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(20);

    private Api Api => fixture.Api;
    private ExchangeFeedServer Feed => fixture.Feed;

    /// <summary>The COINBASE schema as Apperate's connector guide publishes it, verbatim.</summary>
    private const string PublishedSchema = """
        {"type":"object","properties":{"id":{"type":"string","minLength":1,"pattern":"^[a-zA-Z0-9-_]+$","title":"Coinbase Tap"},
        "datasetId":{"type":"string","minLength":0},"wait":{"type":"boolean","default":"true"},
        "connectorType":{"type":"string","enum":["MYSQL","COINBASE","ETHEREUM"]},
        "state":{"type":"object","properties":{"status":{"type":"string","enum":["pending","received","ready","running","stopped","errored"]}},"required":[]},
        "config":{"type":"object","properties":{"url":{"type":"string","default":"wss://ws-feed.exchange.coinbase.com"},"productId":{"type":"array","items":{"type":"string"}}},"required":["productId","url"]}},
        "required":["config","connectorType","wait"],"additionalProperties":true,"title":"Coinbase Tap Schema"}
        """;

    private static string Body(string datasetId, string url, bool wait = true, params string[] products) =>
        new JsonObject
        {
            ["datasetId"] = datasetId,
            ["config"] = new JsonObject { ["url"] = url, ["productId"] = new JsonArray(products.Select(p => (JsonNode)p!).ToArray()) },
            ["connectorType"] = "COINBASE",
            ["wait"] = wait,
        }.ToJsonString();

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private async Task<JsonObject> Connector(string name)
    {
        var reply = (await Api.Get($"/v1/connectors/connector/{name}")).Expect(200);
        var array = reply.Json.AsArray();
        if (array.Count != 1) throw reply.Fail("Expected exactly one connector.");
        return array[0]!.AsObject();
    }

    private async Task<JsonObject> WaitForStatus(string name, string status)
    {
        JsonObject? last = null;
        try
        {
            await Eventually.Until(async () =>
            {
                last = await Connector(name);
                return last["state"]!["status"]!.GetValue<string>() == status;
            }, Soon, $"connector {name} to be {status}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Last seen: {last?.ToJsonString()}{Environment.NewLine}{fixture.Silo.Tail()}", ex);
        }
        return last!;
    }

    /// <summary>Waits until the feed has seen <paramref name="count"/> subscriptions in all (so ticks sent next reach the connector).</summary>
    private async Task WaitForSubscriptions(int count) =>
        await Eventually.Until(() => Task.FromResult(Feed.Subscriptions >= count && Feed.Subscribed > 0), Soon,
            $"the feed to count {count} subscriptions (has {Feed.Subscriptions})");

    private async Task<JsonArray> WaitForRows(string path, int count)
    {
        JsonArray rows = [];
        await Eventually.Until(async () =>
        {
            rows = await Api.Data(path);
            return rows.Count >= count;
        }, Soon, $"{count} rows at GET /v1/data/{Ws}/{path}");
        return rows;
    }

    [Fact]
    public async Task The_connector_guide_walkthrough_works_as_written()
    {
        // Get the connector schemas.
        var all = (await Api.Get("/v1/connectors")).Expect(200).Json.AsArray();
        Assert.Equal(["Coinbase Tap Schema", "Ethereum Tap Schema", "MySQL Tap Schema"], all.Select(s => s!["title"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(PublishedSchema), all[0]), all[0]!.ToJsonString());
        var coinbase = (await Api.Get("/v1/connectors/COINBASE")).Expect(200).Json.AsArray();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($"[{PublishedSchema}]"), coinbase), coinbase.ToJsonString());
        Assert.Equal("Ethereum Tap Schema", (await Api.Get("/v1/connectors/ETHEREUM")).Expect(200).Json[0]!["title"]!.GetValue<string>());
        Assert.Equal("MySQL Tap Schema", (await Api.Get("/v1/connectors/MYSQL")).Expect(200).Json[0]!["title"]!.GetValue<string>());

        // Create a connector (the guide's body, pointed at the loopback feed).
        var dataset = Api.UniqueId("COINBASE");
        (await Api.Post("/v1/connectors/connector/BTC", Body(dataset, Feed.Url, true, "BTC-USD", "LINK-USD")))
            .ExpectJson(201, """{"success":true,"message":"created connector 'BTC'"}""");

        // Discover streams: pending, then received with the feed's channels.
        var first = await Connector("BTC");
        Assert.Contains(first["state"]!["status"]!.GetValue<string>(), new[] { "pending", "received" });
        var received = await WaitForStatus("BTC", "received");
        Assert.Equal("COINBASE", received["connectorType"]!.GetValue<string>());
        Assert.Equal(dataset, received["datasetId"]!.GetValue<string>());
        Assert.Equal("", received["description"]!.GetValue<string>());
        Assert.Equal("BTC", received["id"]!.GetValue<string>());
        Assert.Equal("btc", received["state"]!["jobId"]!.GetValue<string>());
        Assert.True(received["wait"]!.GetValue<bool>());
        Assert.Equal(["ticker", "ticker_batch", "matches", "heartbeat"], received["streams"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", received["updated"]!.GetValue<string>());
        Assert.Null(received["config"]);
        var withConfig = (await Api.Get("/v1/connectors/connector/BTC?displayConfigs=true")).Expect(200).Json[0]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"url":"{{Feed.Url}}","productId":["BTC-USD","LINK-USD"]}"""), withConfig["config"]), withConfig.ToJsonString());

        // Select the ticker stream: ready.
        (await Api.Put("/v1/connectors/connector/BTC", """{"selectedStream": "ticker"}"""))
            .ExpectJson(200, """{"id":"BTC","state":{"jobId":"btc","status":"ready"}}""");
        // The dataset exists now, with the ticker's shape.
        var definition = (await Api.Get($"/v1/datasets/{Ws}/{dataset}")).Expect(200).Json;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"product_id","subkey":"trade_id","date":"time"}"""), definition["columnMapping"]), definition.ToJsonString());

        // Start: running with an execId.
        var subscriptions = Feed.Subscriptions;
        var running = (await Api.Put("/v1/connectors/connector/BTC", """{"status": "running"}""")).Expect(200).Json;
        Assert.Equal("running", running["state"]!["status"]!.GetValue<string>());
        var execId = running["state"]!["execId"]!.GetValue<string>();
        Assert.StartsWith("jobs/btc/executions/btc-", execId);
        await WaitForSubscriptions(subscriptions + 1);
        Assert.Contains(Feed.SubscribeRequests, r => r.Contains("\"ticker\"") && r.Contains("\"heartbeat\"") && r.Contains("LINK-USD"));

        // Ticker records arrive in the dataset.
        // The feed numbers messages per product across the tests of this class, so the sent sequence is read back.
        var sent = await Feed.TickerAsync("BTC-USD", "50000.12", 9001, "2024-05-01T12:00:00.123456Z", "buy");
        await Feed.TickerAsync("BTC-USD", "50001", 9002, "2024-05-01T12:00:00.123456Z", "sell");
        await Feed.TickerAsync("LINK-USD", "14.5", 77, "2024-05-01T12:00:01Z");
        var rows = await WaitForRows($"{dataset}/BTC-USD?last=10", 2);
        Assert.Equal(2, rows.Count);
        var newest = rows.Select(r => r!.AsObject()).Single(r => r["trade_id"]!.GetValue<long>() == 9002);
        var oldest = rows.Select(r => r!.AsObject()).Single(r => r["trade_id"]!.GetValue<long>() == 9001);
        Assert.Equal(50000.12, oldest["price"]!.GetValue<double>());
        Assert.Equal("2024-05-01T12:00:00.123456Z", oldest["time"]!.GetValue<string>());
        Assert.Equal("BTC-USD", oldest["product_id"]!.GetValue<string>());
        Assert.Equal("buy", oldest["side"]!.GetValue<string>());
        Assert.Equal(49000.01, oldest["open_24h"]!.GetValue<double>());
        Assert.Equal(12345.67890123, oldest["volume_24h"]!.GetValue<double>());
        Assert.Equal(0.00012, oldest["last_size"]!.GetValue<double>());
        Assert.Equal(sent["sequence"]!.GetValue<long>(), oldest["sequence"]!.GetValue<long>());
        Assert.Equal(50001, newest["price"]!.GetValue<double>());
        Assert.Equal("sell", newest["side"]!.GetValue<string>());
        var link = await WaitForRows($"{dataset}/LINK-USD?last=10", 1);
        Assert.Equal(14.5, link[0]!["price"]!.GetValue<double>());
        await Eventually.Until(async () => (await Connector("BTC"))["stats"]!["recordsWritten"]!.GetValue<long>() == 3, Soon, "the stats to count 3 records");

        // Stop: stopped, and the feed connection is closed.
        (await Api.Put("/v1/connectors/connector/BTC", """{"status": "stopped"}"""))
            .ExpectJson(200, """{"id":"BTC","state":{"jobId":"btc","status":"stopped"}}""");
        await Eventually.Until(() => Task.FromResult(Feed.Subscribed == 0), Soon, "the stopped connector to leave the feed");
        await Feed.TickerAsync("BTC-USD", "49999", 9003, "2024-05-01T12:00:02Z");

        // Run again: resumes with a new execution; records keep arriving.
        subscriptions = Feed.Subscriptions;
        var again = (await Api.Put("/v1/connectors/connector/BTC", """{"status": "running"}""")).Expect(200).Json;
        Assert.NotEqual(execId, again["state"]!["execId"]!.GetValue<string>());
        await WaitForSubscriptions(subscriptions + 1);
        await Feed.TickerAsync("BTC-USD", "50002.5", 9004, "2024-05-01T12:00:03Z");
        rows = await WaitForRows($"{dataset}/BTC-USD?last=10", 3);
        Assert.Equal([9004L, 9002L, 9001L], rows.Select(r => r!["trade_id"]!.GetValue<long>()).OrderDescending());

        // It is listed, and its state changes are in the workspace log.
        var list = (await Api.Get("/v1/connectors/connector")).Expect(200).Json.AsArray();
        Assert.Contains(list, c => c!["id"]!.GetValue<string>() == "BTC");
        var log = (await Api.Get($"/v1/logs/{Ws}?period=1h")).Expect(200).Json.AsArray()
            .Where(e => e!["source"]!.GetValue<string>() == "connector" && e["sourceId"]!.GetValue<string>() == "BTC")
            .Select(e => e!["message"]!.GetValue<string>()).ToArray();
        Assert.Contains(log, m => m.Contains("created"));
        Assert.Contains(log, m => m.Contains("received its streams"));
        Assert.Contains(log, m => m.Contains("ready"));
        Assert.Contains(log, m => m.Contains("running"));
        Assert.Contains(log, m => m.Contains("stopped"));

        // Delete: gone; its records stay.
        (await Api.Delete("/v1/connectors/connector/BTC")).Expect(200);
        (await Api.Get("/v1/connectors/connector/BTC")).ExpectProblem(404, "BTC");
        await Eventually.Until(() => Task.FromResult(Feed.Subscribed == 0), Soon, "the deleted connector to leave the feed");
        Assert.Equal(4, await Api.RecordCount(dataset));
    }

    [Fact]
    public async Task Async_writes_with_wait_false_arrive_too()
    {
        var name = UniqueName("ETH");
        var dataset = Api.UniqueId("ETH");
        (await Api.Post($"/v1/connectors/connector/{name}", Body(dataset, Feed.Url, false, "ETH-USD"))).Expect(201);
        await WaitForStatus(name, "received");
        (await Api.Put($"/v1/connectors/connector/{name}", """{"selectedStream":"ticker"}""")).Expect(200);
        var subscriptions = Feed.Subscriptions;
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"running"}""")).Expect(200);
        await WaitForSubscriptions(subscriptions + 1);
        for (var i = 0; i < 5; i++) await Feed.TickerAsync("ETH-USD", $"3000.{i}", 500 + i);
        var rows = await WaitForRows($"{dataset}/ETH-USD?last=10", 5);
        Assert.Equal([3000.4, 3000.3, 3000.2, 3000.1, 3000.0], rows.Select(r => r!["price"]!.GetValue<double>()).OrderDescending());
        Assert.False((await Connector(name))["wait"]!.GetValue<bool>());
        (await Api.Delete($"/v1/connectors/connector/{name}")).Expect(200);
    }

    [Fact]
    public async Task An_unknown_product_makes_the_connector_errored_with_the_feeds_reason()
    {
        var name = UniqueName("BAD");
        (await Api.Post($"/v1/connectors/connector/{name}", Body(Api.UniqueId("BAD"), Feed.Url, true, "BTC-USD", "NOPE-USD"))).Expect(201);
        var errored = await WaitForStatus(name, "errored");
        Assert.Equal("Failed to subscribe: NOPE-USD is not a valid product", errored["state"]!["error"]!.GetValue<string>());
        Assert.Empty(errored["streams"]!.AsArray());

        // It cannot run, and says why.
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"running"}""")).ExpectProblem(409, "errored");
        // Fixing the config discovers the streams again.
        (await Api.Put($"/v1/connectors/connector/{name}", $$$"""{"config":{"url":"{{{Feed.Url}}}","productId":["BTC-USD"]}}""")).Expect(200);
        await WaitForStatus(name, "received");
        var log = (await Api.Get($"/v1/logs/{Ws}?period=1h")).Expect(200).Json.AsArray();
        Assert.Contains(log, e => e!["sourceId"]?.GetValue<string>() == name && e["level"]!.GetValue<string>() == "error"
            && e["message"]!.GetValue<string>().Contains("NOPE-USD is not a valid product"));
        (await Api.Delete($"/v1/connectors/connector/{name}")).Expect(200);
    }

    [Fact]
    public async Task A_dropped_feed_connection_reconnects_resubscribes_and_stores_no_duplicates()
    {
        Feed.ReplayOnSubscribe = true;
        try
        {
            var name = UniqueName("DROP");
            var dataset = Api.UniqueId("DROP");
            (await Api.Post($"/v1/connectors/connector/{name}", Body(dataset, Feed.Url, true, "LINK-USD"))).Expect(201);
            await WaitForStatus(name, "received");
            (await Api.Put($"/v1/connectors/connector/{name}", """{"selectedStream":"ticker"}""")).Expect(200);
            var subscriptions = Feed.Subscriptions;
            (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"running"}""")).Expect(200);
            await WaitForSubscriptions(subscriptions + 1);
            var before = await Api.RecordCount(dataset);
            for (var i = 1; i <= 3; i++) await Feed.TickerAsync("LINK-USD", $"15.{i}", 7000 + i);
            await Eventually.Until(async () => await Api.RecordCount(dataset) == before + 3, Soon, "3 new records before the drop");

            // The feed drops the connection; the connector reconnects and subscribes again, and the feed replays
            // every ticker it sent (all already stored).
            subscriptions = Feed.Subscriptions;
            Feed.DropConnections();
            await WaitForSubscriptions(subscriptions + 1);
            await Feed.TickerAsync("LINK-USD", "15.4", 7004);
            await Eventually.Until(async () => await Api.RecordCount(dataset) >= before + 4, Soon, "the record sent after the reconnect");

            var connector = await Connector(name);
            Assert.Equal("running", connector["state"]!["status"]!.GetValue<string>());
            Assert.True(connector["stats"]!["reconnects"]!.GetValue<int>() >= 1, connector.ToJsonString());
            var mine = (await Api.Data($"{dataset}?last=1000")).Where(r => r!["trade_id"]!.GetValue<long>() is >= 7001 and <= 7004).ToArray();
            Assert.Equal([7001L, 7002L, 7003L, 7004L], mine.Select(r => r!["trade_id"]!.GetValue<long>()).Order());
            (await Api.Delete($"/v1/connectors/connector/{name}")).Expect(200);
        }
        finally
        {
            Feed.ReplayOnSubscribe = false;
        }
    }

    [Fact]
    public async Task A_feed_that_goes_away_is_retried_with_backoff_and_the_failures_show_in_the_stats()
    {
        var feed = await ExchangeFeedServer.StartAsync("BTC-USD");
        var name = UniqueName("GONE");
        var path = $"/v1/connectors/connector/{name}";
        try
        {
            (await Api.Post(path, Body(Api.UniqueId("GONE"), feed.Url, true, "BTC-USD"))).Expect(201);
            await WaitForStatus(name, "received");
            (await Api.Put(path, """{"selectedStream":"ticker"}""")).Expect(200);
            (await Api.Put(path, """{"status":"running"}""")).Expect(200);
            await Eventually.Until(() => Task.FromResult(feed.Subscribed == 1), Soon, "the connector to subscribe");
        }
        finally
        {
            await feed.DisposeAsync();
        }

        // The feed is gone: every reconnect fails; the connector keeps running and retrying, and says so.
        JsonObject connector = [];
        await Eventually.Until(async () =>
        {
            connector = await Connector(name);
            return connector["stats"]!["consecutiveFailures"]!.GetValue<int>() >= 2;
        }, Soon, "two failures in a row to show in the stats");
        Assert.Equal("running", connector["state"]!["status"]!.GetValue<string>());
        Assert.Contains(feed.Url["ws://".Length..], connector["stats"]!["lastError"]!.GetValue<string>());
        Assert.True(connector["stats"]!["restarts"]!.GetValue<int>() >= 2, connector.ToJsonString());
        var log = (await Api.Get($"/v1/logs/{Ws}?period=1h")).Expect(200).Json.AsArray();
        Assert.Contains(log, e => e!["sourceId"]?.GetValue<string>() == name && e["level"]!.GetValue<string>() == "warning"
            && e["message"]!.GetValue<string>().Contains("retrying in"));
        (await Api.Put(path, """{"status":"stopped"}""")).Expect(200);
        (await Api.Delete(path)).Expect(200);
    }

    [Fact]
    public async Task Invalid_bodies_are_400_naming_each_problem()
    {
        var url = $"/v1/connectors/connector/{UniqueName("INV")}";
        (await Api.Post(url, """{"datasetId":"X","config":{"url":"ws://127.0.0.1:1"},"connectorType":"COINBASE","wait":true}"""))
            .ExpectProblem(400, "config.productId");
        (await Api.Post(url, """{"datasetId":"X","config":{"productId":"BTC-USD"},"connectorType":"COINBASE","wait":"yes"}"""))
            .ExpectProblem(400, "config.productId", "wait");
        (await Api.Post(url, """{"datasetId":"X","config":{"productId":["BTC-USD"]},"connectorType":"KRAKEN","wait":true}"""))
            .ExpectProblem(400, "connectorType");
        (await Api.Post(url, """{"datasetId":"X","config":{"productId":["BTC-USD"]},"wait":true}"""))
            .ExpectProblem(400, "connectorType");
        (await Api.Post(url, """{"datasetId":"bad id","config":{"productId":["BTC-USD"]},"connectorType":"COINBASE"}"""))
            .ExpectProblem(400, "datasetId");
        (await Api.Post(url, """{"datasetId":"X","config":{"url":"http://localhost:8545","confirmations":-1},"connectorType":"ETHEREUM","wait":true}"""))
            .ExpectProblem(400, "config.confirmations");
        (await Api.Post(url, "[1]")).ExpectProblem(400, "body");
        (await Api.Post("/v1/connectors/connector/bad%20name", Body("X", Feed.Url, true, "BTC-USD"))).ExpectProblem(400, "name");
        (await Api.Post("/v1/connectors/connector/_system_tap", Body("X", Feed.Url, true, "BTC-USD"))).ExpectProblem(400, "name");
        (await Api.Post($"/v1/connectors/connector/{new string('a', 65)}", Body("X", Feed.Url, true, "BTC-USD"))).ExpectProblem(400, "name");
        (await Api.Get(url)).ExpectProblem(404);
        (await Api.Get("/v1/connectors/KRAKEN")).ExpectProblem(404, "KRAKEN");

        // url and wait have defaults; a repeated name is a conflict.
        var name = UniqueName("DEF");
        (await Api.Post($"/v1/connectors/connector/{name}", """{"datasetId":"DEF","config":{"productId":["BTC-USD"]},"connectorType":"COINBASE"}""")).Expect(201);
        var created = (await Api.Get($"/v1/connectors/connector/{name}?displayConfigs=true")).Expect(200).Json[0]!;
        Assert.True(created["wait"]!.GetValue<bool>());
        Assert.Equal("wss://ws-feed.exchange.coinbase.com", created["config"]!["url"]!.GetValue<string>());
        (await Api.Post($"/v1/connectors/connector/{name.ToLowerInvariant()}", Body("X", Feed.Url, true, "BTC-USD"))).ExpectProblem(409, name);
        (await Api.Delete($"/v1/connectors/connector/{name}")).Expect(200);
    }

    [Fact]
    public async Task Publishable_tokens_and_missing_tokens_cannot_manage_connectors()
    {
        var pk = (await Api.Post($"/v1/tokens/{Ws}", """{"type":"publishable","permissions":{"*":["read","write","delete"]}}""")).Expect(201).Json["token"]!.GetValue<string>();
        (await Api.As(pk).Post($"/v1/connectors/connector/{UniqueName("PK")}", Body("X", Feed.Url, true, "BTC-USD"))).ExpectProblem(403);
        (await Api.As(pk).Get("/v1/connectors/connector")).ExpectProblem(403);
        (await Api.As(null).Get("/v1/connectors")).ExpectProblem(401);
    }

    [Fact]
    public async Task Illegal_transitions_are_409_naming_the_state_and_unknown_streams_400()
    {
        var name = UniqueName("ILL");
        var path = $"/v1/connectors/connector/{name}";
        (await Api.Post(path, Body(Api.UniqueId("ILL"), Feed.Url, true, "ETH-USD"))).Expect(201);
        await WaitForStatus(name, "received");
        (await Api.Put(path, """{"status":"running"}""")).ExpectProblem(409, "received");
        (await Api.Put(path, """{"status":"stopped"}""")).ExpectProblem(409, "received");
        (await Api.Put(path, """{"selectedStream":"level3"}""")).ExpectProblem(400, "selectedStream", "level3");
        (await Api.Put(path, """{"status":"pending"}""")).ExpectProblem(400, "status");
        (await Api.Put(path, """{"connectorType":"MYSQL"}""")).ExpectProblem(400, "connectorType");
        (await Api.Put(path, "{}")).ExpectProblem(400, "body");

        (await Api.Put(path, """{"selectedStream":"ticker"}""")).Expect(200);
        var subscriptions = Feed.Subscriptions;
        (await Api.Put(path, """{"status":"running"}""")).Expect(200);
        await WaitForSubscriptions(subscriptions + 1);
        (await Api.Put(path, $$$"""{"config":{"url":"{{{Feed.Url}}}","productId":["BTC-USD"]}}""")).ExpectProblem(409, "running");
        (await Api.Put(path, """{"wait":false}""")).ExpectProblem(409, "running");
        (await Api.Put(path, """{"selectedStream":"matches"}""")).ExpectProblem(409, "running");
        // Running again is no change.
        (await Api.Put(path, """{"status":"running"}""")).Expect(200);

        (await Api.Put(path, """{"status":"stopped"}""")).Expect(200);
        (await Api.Put(path, """{"wait":false,"description":"ETH ticks"}""")).Expect(200);
        var changed = await Connector(name);
        Assert.Equal("stopped", changed["state"]!["status"]!.GetValue<string>());
        Assert.False(changed["wait"]!.GetValue<bool>());
        Assert.Equal("ETH ticks", changed["description"]!.GetValue<string>());
        (await Api.Delete(path)).Expect(200);
        (await Api.Put(path, """{"status":"running"}""")).ExpectProblem(404);
    }

    [Fact]
    public async Task A_dataset_with_another_shape_is_refused_when_the_stream_is_selected()
    {
        var dataset = Api.UniqueId("OTHER");
        await Api.CreateDataset(dataset, "symbol", null, null, ("symbol", "string"), ("price", "number"));
        var name = UniqueName("SHAPE");
        var path = $"/v1/connectors/connector/{name}";
        (await Api.Post(path, Body(dataset, Feed.Url, true, "BTC-USD"))).Expect(201);
        await WaitForStatus(name, "received");
        (await Api.Put(path, """{"selectedStream":"ticker"}""")).ExpectProblem(409, dataset);
        Assert.Equal("received", (await Connector(name))["state"]!["status"]!.GetValue<string>());
        (await Api.Delete(path)).Expect(200);
    }
}
