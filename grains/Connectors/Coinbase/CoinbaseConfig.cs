using System.Text.Json.Nodes;

namespace Apperate.Actors.Connectors.Coinbase;

/// <summary>The <c>config</c> of a COINBASE connector.</summary>
/// <param name="Url">The feed's WebSocket URL.</param>
/// <param name="ProductIds">The products to subscribe to.</param>
public sealed record CoinbaseConfig(Uri Url, string[] ProductIds)
{
    /// <summary>Reads a config already valid against the schema; what the schema cannot say is a fatal source error.</summary>
    public static CoinbaseConfig Parse(string configJson)
    {
        var config = JsonNode.Parse(configJson)!.AsObject();
        var url = config["url"]!.GetValue<string>();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
            throw new ConnectorSourceException($"config.url '{url}' is not a ws:// or wss:// URL", fatal: true);
        var products = config["productId"]!.AsArray().Select(p => p!.GetValue<string>()).Distinct(StringComparer.Ordinal).ToArray();
        if (products.Length == 0) throw new ConnectorSourceException("config.productId lists no product", fatal: true);
        return new CoinbaseConfig(uri, products);
    }
}
