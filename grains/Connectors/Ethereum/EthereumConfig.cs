using System.Text.Json;
using System.Text.Json.Nodes;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>The <c>config</c> of an ETHEREUM connector.</summary>
/// <param name="Url">The node's JSON-RPC endpoint: http(s) is polled, ws(s) subscribes to new heads.</param>
/// <param name="StartBlock">The first block to read when there is no checkpoint; null for the head at the first start.</param>
/// <param name="Confirmations">Blocks read only once this many blocks are mined on top of them.</param>
/// <param name="PollInterval">How often the head is asked for (over WebSocket: the longest wait for a notification).</param>
/// <param name="Addresses">logs: the contracts read (lower case); empty for every contract.</param>
/// <param name="Topics">logs: the topic filter by position (null = any; otherwise the alternatives, lower case).</param>
/// <param name="Abi">logs: the event decoded into columns, or null.</param>
public sealed record EthereumConfig(Uri Url, long? StartBlock, int Confirmations, TimeSpan PollInterval,
    string[] Addresses, string[]?[] Topics, EventAbi? Abi)
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
        var addresses = config["address"] switch
        {
            JsonValue one => [one.GetValue<string>().ToLowerInvariant()],
            JsonArray many => many.Select(a => a!.GetValue<string>().ToLowerInvariant()).ToArray(),
            _ => Array.Empty<string>(),
        };
        var topics = (config["topics"] as JsonArray ?? []).Select(t => t switch
        {
            JsonValue one => new[] { one.GetValue<string>().ToLowerInvariant() },
            JsonArray any => any.Select(a => a!.GetValue<string>().ToLowerInvariant()).ToArray(),
            _ => null,
        }).ToArray();
        EventAbi? abi = null;
        if (config["abi"] is { } abiNode)
        {
            try
            {
                abi = EventAbi.Parse(JsonSerializer.SerializeToElement(abiNode), EthereumRecords.LogColumnNames);
            }
            catch (FormatException ex)
            {
                throw new ConnectorSourceException($"config.abi {ex.Message}", fatal: true, ex);
            }
        }
        // An ABI without topics reads that event's logs only.
        if (abi is not null && topics.Length == 0) topics = [[abi.Topic0]];
        return new EthereumConfig(uri, start, confirmations, TimeSpan.FromMilliseconds(poll), addresses, topics, abi);
    }

    /// <summary>What the schema cannot check at create time: the event ABI parses into one usable event.</summary>
    public static void Check(JsonObject config, List<FieldError> errors)
    {
        if (config["abi"] is not { } abi || errors.Any(e => e.Field == "config.abi")) return;
        try
        {
            EventAbi.Parse(JsonSerializer.SerializeToElement(abi), EthereumRecords.LogColumnNames);
        }
        catch (FormatException ex)
        {
            errors.Add(new FieldError(null, "config.abi", ex.Message));
        }
    }
}
