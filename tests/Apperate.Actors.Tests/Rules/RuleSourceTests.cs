using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Connectors;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Events from a connector's writes, additional facts from another dataset, and outputs with their own throttles.</summary>
[Collection(RulesSiloCollection.Name)]
public sealed class RuleSourceTests(RulesSiloFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly Api _api = fixture.Api;

    private async Task<JsonArray> Logged(string ruleId) => (await _api.Get($"/v1/rules/output/{ruleId}?last=1000")).Expect(200).Json.AsArray();

    [Fact]
    public async Task A_connector_s_writes_are_events()
    {
        await using var feed = await ExchangeFeedServer.StartAsync("BTC-USD");
        var dataset = Api.UniqueId("TICKS");
        var name = ConnectorApi.UniqueName("RULES");
        string Diagnostics() => fixture.Silo.Tail();
        var body = new JsonObject
        {
            ["datasetId"] = dataset,
            ["connectorType"] = "COINBASE",
            ["config"] = new JsonObject { ["url"] = feed.Url, ["productId"] = new JsonArray("BTC-USD") },
            ["wait"] = true,
        };
        (await _api.Post($"/v1/connectors/connector/{name}", body.ToJsonString())).Expect(201);
        await _api.WaitForStatus(name, "received", Diagnostics);
        // Selecting the stream creates the dataset with the stream's schema; the rule watches it before the run starts.
        (await _api.Put($"/v1/connectors/connector/{name}", """{"selectedStream":"ticker"}""")).Expect(200);
        var created = await _api.Create(RuleApi.Body("big ticks", dataset, ["price"], """[["$index[0]",">",50000]]""", RuleApi.Logs()));
        var ruleId = created["id"]!.GetValue<string>();
        (await _api.Put($"/v1/connectors/connector/{name}", """{"status":"running"}""")).Expect(200);
        await Eventually.Until(() => Task.FromResult(feed.Subscribed > 0), Wait, "the running connector to subscribe to the feed");

        await feed.TickerAsync("BTC-USD", "50001.5", 1, "2024-05-01T12:00:00.000001Z");
        await feed.TickerAsync("BTC-USD", "49000.25", 2, "2024-05-01T12:00:00.000002Z");
        await feed.TickerAsync("BTC-USD", "51000.75", 3, "2024-05-01T12:00:00.000003Z");
        await _api.WaitForRows($"{dataset}/BTC-USD?last=10", rows => rows.Count == 3, "the connector to store three ticks", Diagnostics);
        await Eventually.Until(async () => (await Logged(ruleId)).Count == 2, Wait, "alerts for the two ticks above 50,000");
        Assert.Equal([50001.5, 51000.75], (await Logged(ruleId)).Select(e => e!["record"]!["price"]!.GetValue<double>()).Order());
        Assert.Equal((3L, 2L, 1L, 2L, 0L), await _api.Counters(ruleId));
        (await _api.Delete($"/v1/connectors/connector/{name}")).Expect(200);
    }

    [Fact]
    public async Task Additional_facts_come_from_the_record_or_from_the_latest_record_of_its_key_in_another_dataset()
    {
        var trades = Api.UniqueId("TRADES");
        var company = Api.UniqueId("COMPANY");
        await _api.CreateDataset(trades, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"), ("venue", "string"));
        await _api.CreateDataset(company, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("name", "string"), ("sector", "string"));
        await _api.WriteNow(company, """[{"symbol":"AAPL","date":"2023-01-01","name":"Apple (old)","sector":"Tech"},{"symbol":"AAPL","date":"2024-01-01","name":"Apple Inc.","sector":"Tech"}]""");
        var body = RuleApi.Body("with context", trades, ["price"], """[["$index[0]",">",100]]""", RuleApi.Logs());
        body["additionalIndex"] = new JsonArray($"DEMO:DATASET:{trades}:venue", $"DEMO:DATASET:{company}:name", $"DEMO:DATASET:{company}:sector");
        var ruleId = (await _api.Create(body))["id"]!.GetValue<string>();

        await _api.WriteNow(trades, """[{"symbol":"AAPL","date":"2024-05-01","price":170,"venue":"XNAS"},{"symbol":"ZZZ","date":"2024-05-01","price":200,"venue":"XNYS"}]""");
        var entries = await Logged(ruleId);
        var aapl = entries.Single(e => e!["key"]!.GetValue<string>() == "AAPL")!["additional"]!;
        Assert.Equal("XNAS", aapl[$"DEMO:DATASET:{trades}:venue"]!.GetValue<string>());
        Assert.Equal("Apple Inc.", aapl[$"DEMO:DATASET:{company}:name"]!.GetValue<string>());
        Assert.Equal("Tech", aapl[$"DEMO:DATASET:{company}:sector"]!.GetValue<string>());
        var zzz = entries.Single(e => e!["key"]!.GetValue<string>() == "ZZZ")!["additional"]!;
        Assert.Equal("XNYS", zzz[$"DEMO:DATASET:{trades}:venue"]!.GetValue<string>());
        Assert.Null(zzz[$"DEMO:DATASET:{company}:name"]);
    }

    [Fact]
    public async Task Each_output_has_its_own_throttle()
    {
        var dataset = Api.UniqueId("PRICES");
        await _api.CreateDataset(dataset, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("close", "number"));
        var target = Api.UniqueId("ALERTS");
        var created = await _api.Create(RuleApi.Body("two outputs", dataset, ["close"], """[["$index[0]",">",0]]""", RuleApi.Logs(0), RuleApi.ToDataset(target, 3600)));
        var ruleId = created["id"]!.GetValue<string>();
        Assert.Equal(["o1", "o2"], created["outputs"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()));

        await _api.WriteNow(dataset, """[{"symbol":"A","date":"2024-01-01","close":1},{"symbol":"A","date":"2024-01-02","close":2},{"symbol":"B","date":"2024-01-01","close":3}]""");
        Assert.Equal(3, (await Logged(ruleId)).Count);
        await Eventually.Until(async () => (await _api.Get($"/v1/datasets/DEMO/{target}")).Status == 200 && await _api.RecordCount(target) == 2,
            Wait, "one alert record per key in the throttled dataset output");
        Assert.Equal((3L, 3L, 0L, 3L, 0L), await _api.Counters(ruleId));
    }
}
