using System.Text.Json.Nodes;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>The <c>config</c> of an ETHEREUM connector.</summary>
/// <param name="Url">The node's JSON-RPC endpoint: http(s) is polled, ws(s) subscribes to new heads.</param>
/// <param name="StartBlock">The first block to read when there is no checkpoint; null for the head at the first start.</param>
/// <param name="Confirmations">Blocks read only once this many blocks are mined on top of them.</param>
/// <param name="PollInterval">How often the head is asked for (over WebSocket: the longest wait for a notification).</param>
public sealed record EthereumConfig(Uri Url, long? StartBlock, int Confirmations, TimeSpan PollInterval)
{
    /// <summary>True when the URL is a WebSocket endpoint.</summary>
    public bool IsWebSocket => Url.Scheme is "ws" or "wss";

    /// <summary>Reads a config already valid against the schema; what the schema cannot say is a fatal source error.</summary>
    public static EthereumConfig Parse(string configJson)
    {
        var config = JsonNode.Parse(configJson)!.AsObject();
        var url = config["url"]!.GetValue<string>();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
            throw new ConnectorSourceException($"config.url '{url}' is not an http(s):// or ws(s):// URL", fatal: true);
        long? start = config["startBlock"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;
        var confirmations = config["confirmations"] is JsonValue c && c.TryGetValue<int>(out var k) ? k : 0;
        var poll = config["pollIntervalMs"] is JsonValue p && p.TryGetValue<int>(out var ms) ? ms : 1000;
        return new EthereumConfig(uri, start, confirmations, TimeSpan.FromMilliseconds(poll));
    }
}
