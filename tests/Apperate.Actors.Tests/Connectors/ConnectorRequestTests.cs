using System.Text.Json.Nodes;
using Apperate.Actors.Connectors;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>Definitions and changes validated against the types' JSON Schemas, and the secrets they hold.</summary>
[Trait("Category", "Unit")]
public sealed class ConnectorRequestTests
{
    private static readonly string[] Available = [ConnectorSchemas.Coinbase];

    private static ApperateException Refused(Action action) => Assert.Throws<ApperateException>(action);

    private static string[] Fields(ApperateException ex) => ex.Errors.Select(e => e.Field!).ToArray();

    [Fact]
    public void The_guide_body_is_a_valid_definition()
    {
        var definition = ConnectorRequests.ParseCreate("YOUR_CONNECTOR", """
            {"datasetId":"YOUR_DATASET","config":{"url":"wss://ws-feed.exchange.coinbase.com","productId":["BTC-USD","LINK-USD"]},
             "connectorType":"COINBASE","wait":true}
            """, Available);
        Assert.Equal(new ConnectorDefinition("COINBASE", "YOUR_DATASET", "", true,
            """{"url":"wss://ws-feed.exchange.coinbase.com","productId":["BTC-USD","LINK-USD"]}"""), definition);
    }

    [Fact]
    public void Defaults_fill_wait_and_url()
    {
        var definition = ConnectorRequests.ParseCreate("C", """{"datasetId":"D","config":{"productId":["BTC-USD"]},"connectorType":"COINBASE","description":"ticks"}""", Available);
        Assert.True(definition.Wait);
        Assert.Equal("ticks", definition.Description);
        Assert.Equal("wss://ws-feed.exchange.coinbase.com", JsonNode.Parse(definition.ConfigJson)!["url"]!.GetValue<string>());
    }

    [Fact]
    public void Every_violation_is_listed()
    {
        var ex = Refused(() => ConnectorRequests.ParseCreate("C", """
            {"id":"other","datasetId":"_systemX","config":{"url":5,"productId":["BTC-USD",7]},"connectorType":"COINBASE","wait":"no","state":{"status":"flying"},"description":3}
            """, Available));
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Equal(["config.productId[1]", "config.url", "datasetId", "description", "id", "state.status", "wait"], Fields(ex).Order());
    }

    [Theory]
    [InlineData("""{"datasetId":"D","config":{"url":"wss://x"},"connectorType":"COINBASE"}""", "config.productId")]
    [InlineData("""{"datasetId":"D","connectorType":"COINBASE"}""", "config")]
    [InlineData("""{"config":{"productId":["A"]},"connectorType":"COINBASE"}""", "datasetId")]
    [InlineData("""{"datasetId":"D","config":{"productId":["A"]}}""", "connectorType")]
    [InlineData("""{"datasetId":"D","config":{"productId":["A"]},"connectorType":"coinbase"}""", "connectorType")]
    [InlineData("""{"datasetId":"D","config":{"productId":"A"},"connectorType":"COINBASE"}""", "config.productId")]
    [InlineData("""{"datasetId":"D","config":{"productId":["A"]},"connectorType":"COINBASE","id":"bad id"}""", "id")]
    [InlineData("""[]""", "body")]
    [InlineData("""{"unterminated""", "body")]
    public void Bad_definitions_name_the_field(string json, string field) =>
        Assert.Contains(field, Fields(Refused(() => ConnectorRequests.ParseCreate("C", json, Available))));

    [Fact]
    public void Types_without_a_source_in_this_version_are_refused_clearly()
    {
        var ex = Refused(() => ConnectorRequests.ParseCreate("C", """{"datasetId":"D","config":{"url":"http://127.0.0.1:8545"},"connectorType":"ETHEREUM"}""", Available));
        Assert.Equal(["connectorType"], Fields(ex));
        Assert.Contains("not available yet in this version", ex.Message);
        // Their schemas still validate: a bad ETHEREUM body lists its own problems first.
        var bad = Refused(() => ConnectorRequests.ParseCreate("C", """{"datasetId":"D","config":{"startBlock":"earliest","confirmations":-1},"connectorType":"ETHEREUM"}""", Available));
        Assert.Equal(["config.confirmations", "config.startBlock", "config.url"], Fields(bad).Order());
        var mysql = Refused(() => ConnectorRequests.ParseCreate("C", """{"datasetId":"D","config":{"host":"db","port":70000},"connectorType":"MYSQL"}""", Available));
        Assert.Equal(["config.database", "config.port", "config.user"], Fields(mysql).Order());
    }

    [Fact]
    public void Changes_parse_stream_status_and_definition()
    {
        var current = new ConnectorDefinition("COINBASE", "D", "", true, """{"url":"wss://x","productId":["BTC-USD"]}""");
        Assert.Equal(new ConnectorChange(null, "ticker", null), ConnectorRequests.ParseChange(current, """{"selectedStream":"ticker"}"""));
        Assert.Equal(new ConnectorChange(null, null, ConnectorStatus.Running), ConnectorRequests.ParseChange(current, """{"status":"running"}"""));
        Assert.Equal(new ConnectorChange(null, null, ConnectorStatus.Stopped), ConnectorRequests.ParseChange(current, """{"state":{"status":"stopped"}}"""));
        var changed = ConnectorRequests.ParseChange(current, """{"wait":false,"datasetId":"E"}""").Definition;
        Assert.Equal(current with { Wait = false, DatasetId = "E" }, changed);
        Assert.Contains("status", Fields(Refused(() => ConnectorRequests.ParseChange(current, """{"status":"errored"}"""))));
        Assert.Contains("config.productId", Fields(Refused(() => ConnectorRequests.ParseChange(current, """{"config":{"url":"wss://x"}}"""))));
        Assert.Contains("connectorType", Fields(Refused(() => ConnectorRequests.ParseChange(current, """{"connectorType":"MYSQL"}"""))));
        Assert.Contains("body", Fields(Refused(() => ConnectorRequests.ParseChange(current, """{"unrelated":1}"""))));
    }

    [Fact]
    public void Secrets_are_masked_and_nothing_else()
    {
        var config = JsonNode.Parse("""{"host":"db","user":"app","password":"hunter2","database":"shop"}""")!.AsObject();
        var masked = ConnectorSchemas.MaskSecrets(ConnectorSchemas.MySql, config);
        Assert.Equal("""{"host":"db","user":"app","password":"********","database":"shop"}""", masked.ToJsonString());
        Assert.Equal("hunter2", config["password"]!.GetValue<string>());
        var coinbase = JsonNode.Parse("""{"url":"wss://x","productId":["BTC-USD"]}""")!.AsObject();
        Assert.Equal(coinbase.ToJsonString(), ConnectorSchemas.MaskSecrets(ConnectorSchemas.Coinbase, coinbase).ToJsonString());
    }

    [Fact]
    public void The_id_pattern_of_the_published_schema_accepts_letters_digits_dash_and_underscore()
    {
        foreach (var ok in new[] { "BTC", "btc-usd_1" })
            ConnectorRequests.ParseCreate(ok, $$"""{"id":"{{ok}}","datasetId":"D","config":{"productId":["A"]},"connectorType":"COINBASE"}""", Available);
        Assert.Contains("id", Fields(Refused(() => ConnectorRequests.ParseCreate("a.b", """{"id":"a.b","datasetId":"D","config":{"productId":["A"]},"connectorType":"COINBASE"}""", Available))));
    }
}
