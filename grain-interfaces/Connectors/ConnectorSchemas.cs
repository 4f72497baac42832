using System.Text.Json.Nodes;

namespace Apperate.Actors.Connectors;

/// <summary>
/// The JSON Schema of each connector type, served by <c>GET /v1/connectors[/:type]</c> and used to validate
/// definitions. COINBASE is Apperate's published schema as is; ETHEREUM and MYSQL have the same shape with their own
/// <c>config</c>.
/// </summary>
/// <remarks>
/// Config properties marked <c>"writeOnly": true</c> are secrets: accepted on input, masked on output.
/// </remarks>
public static class ConnectorSchemas
{
    public const string Coinbase = "COINBASE";
    public const string Ethereum = "ETHEREUM";
    public const string MySql = "MYSQL";

    /// <summary>The types in the order <c>GET /v1/connectors</c> lists them.</summary>
    public static readonly string[] Types = [Coinbase, Ethereum, MySql];

    /// <summary>What replaces a secret value on output.</summary>
    public const string Mask = "********";

    private const string CoinbaseSchema = """
        {
          "type": "object",
          "properties": {
            "id": { "type": "string", "minLength": 1, "pattern": "^[a-zA-Z0-9-_]+$", "title": "Coinbase Tap" },
            "datasetId": { "type": "string", "minLength": 0 },
            "wait": { "type": "boolean", "default": "true" },
            "connectorType": { "type": "string", "enum": ["MYSQL", "COINBASE", "ETHEREUM"] },
            "state": {
              "type": "object",
              "properties": {
                "status": { "type": "string", "enum": ["pending", "received", "ready", "running", "stopped", "errored"] }
              },
              "required": []
            },
            "config": {
              "type": "object",
              "properties": {
                "url": { "type": "string", "default": "wss://ws-feed.exchange.coinbase.com" },
                "productId": { "type": "array", "items": { "type": "string" } }
              },
              "required": ["productId", "url"]
            }
          },
          "required": ["config", "connectorType", "wait"],
          "additionalProperties": true,
          "title": "Coinbase Tap Schema"
        }
        """;

    // ETHEREUM and MYSQL: Apperate's COINBASE schema with their own tap title, config and schema title.
    private const string EthereumConfig = """
        {
          "type": "object",
          "properties": {
            "url": { "type": "string", "minLength": 1 },
            "startBlock": {
              "anyOf": [{ "type": "integer", "minimum": 0 }, { "type": "string", "enum": ["latest"] }],
              "default": "latest"
            },
            "confirmations": { "type": "integer", "minimum": 0, "default": 0 },
            "pollIntervalMs": { "type": "integer", "minimum": 100, "default": 1000 },
            "address": {
              "description": "logs: the contract address, or several; every contract when absent",
              "anyOf": [
                { "type": "string", "pattern": "^0x[0-9a-fA-F]{40}$" },
                { "type": "array", "items": { "type": "string", "pattern": "^0x[0-9a-fA-F]{40}$" } }
              ]
            },
            "topics": {
              "description": "logs: eth_getLogs topic filters by position: null (any), a topic, or a list of alternatives",
              "type": "array",
              "items": {
                "anyOf": [
                  { "type": "null" },
                  { "type": "string", "pattern": "^0x[0-9a-fA-F]{64}$" },
                  { "type": "array", "items": { "type": "string", "pattern": "^0x[0-9a-fA-F]{64}$" } }
                ]
              }
            },
            "abi": {
              "description": "logs: the event to decode into columns: a signature such as Transfer(address indexed from, address indexed to, uint256 value), or a JSON ABI event (an object, or an array holding one)",
              "anyOf": [{ "type": "string", "minLength": 1 }, { "type": "object" }, { "type": "array" }]
            }
          },
          "required": ["url"]
        }
        """;

    private const string MySqlConfig = """
        {
          "type": "object",
          "properties": {
            "host": { "type": "string", "minLength": 1 },
            "port": { "type": "integer", "minimum": 1, "maximum": 65535, "default": 3306 },
            "database": { "type": "string", "minLength": 1 },
            "user": { "type": "string", "minLength": 1 },
            "password": { "type": "string", "writeOnly": true },
            "cursorColumn": { "type": "string", "minLength": 1 },
            "pollIntervalMs": { "type": "integer", "minimum": 100, "default": 1000 },
            "batchSize": { "type": "integer", "minimum": 1, "maximum": 50000, "default": 1000 }
          },
          "required": ["host", "database", "user"]
        }
        """;

    /// <summary>The schema of <paramref name="type"/> (upper case), or null for an unknown type.</summary>
    public static JsonObject? Find(string type) => type switch
    {
        Coinbase => Parse(CoinbaseSchema),
        Ethereum => Derived("Ethereum Tap", EthereumConfig, "Ethereum Tap Schema"),
        MySql => Derived("MySQL Tap", MySqlConfig, "MySQL Tap Schema"),
        _ => null,
    };

    private static JsonObject Parse(string schema) => JsonNode.Parse(schema)!.AsObject();

    private static JsonObject Derived(string tapTitle, string config, string title)
    {
        var schema = Parse(CoinbaseSchema);
        schema["properties"]!["id"]!["title"] = tapTitle;
        schema["properties"]!["config"] = JsonNode.Parse(config);
        schema["title"] = title;
        return schema;
    }

    /// <summary>
    /// Replaces every secret (<c>writeOnly</c>) value of <paramref name="config"/> with <see cref="Mask"/>, following
    /// the <c>config</c> schema of <paramref name="type"/>. Returns a masked copy.
    /// </summary>
    public static JsonObject MaskSecrets(string type, JsonObject config)
    {
        var masked = config.DeepClone().AsObject();
        if (Find(type)?["properties"]?["config"]?["properties"] is not JsonObject properties) return masked;
        foreach (var (name, schema) in properties)
        {
            if (schema?["writeOnly"]?.GetValue<bool>() == true && masked.ContainsKey(name) && masked[name] is not null)
                masked[name] = Mask;
        }
        return masked;
    }
}
