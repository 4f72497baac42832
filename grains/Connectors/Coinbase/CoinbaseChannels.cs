using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors.Coinbase;

/// <summary>A feed channel this connector can read: the message types it carries and the dataset shape they fill.</summary>
/// <param name="Name">The channel name, which is also the stream id.</param>
/// <param name="MessageTypes">The <c>type</c> values of its data messages.</param>
/// <param name="Stream">The dataset shape.</param>
public sealed record CoinbaseChannel(string Name, string[] MessageTypes, SourceStream Stream);

/// <summary>
/// The Exchange feed's public channels that become streams. Every record is keyed by <c>product_id</c> and dated by
/// <c>time</c>; the subkey is the message's own unique id within the product (<c>trade_id</c>, or <c>sequence</c> for
/// heartbeats), so two messages of one millisecond stay two records and a message seen twice is stored once.
/// </summary>
/// <remarks>
/// <c>level2_batch</c> is not offered: its order-book updates change several price levels per message and have no
/// unique id of their own to index.
/// </remarks>
public static class CoinbaseChannels
{
    private static readonly (string, PropertyType)[] TickerColumns =
    [
        ("product_id", PropertyType.String), ("time", PropertyType.DateTime), ("trade_id", PropertyType.Integer),
        ("sequence", PropertyType.Integer), ("price", PropertyType.Number), ("open_24h", PropertyType.Number),
        ("volume_24h", PropertyType.Number), ("low_24h", PropertyType.Number), ("high_24h", PropertyType.Number),
        ("volume_30d", PropertyType.Number), ("best_bid", PropertyType.Number), ("best_bid_size", PropertyType.Number),
        ("best_ask", PropertyType.Number), ("best_ask_size", PropertyType.Number), ("side", PropertyType.String),
        ("last_size", PropertyType.Number),
    ];

    /// <summary>The channels in the order discovery lists them.</summary>
    public static readonly CoinbaseChannel[] All =
    [
        Channel("ticker", ["ticker"], "trade_id", TickerColumns),
        Channel("ticker_batch", ["ticker"], "trade_id", TickerColumns),
        Channel("matches", ["match", "last_match"], "trade_id",
        [
            ("product_id", PropertyType.String), ("time", PropertyType.DateTime), ("trade_id", PropertyType.Integer),
            ("sequence", PropertyType.Integer), ("price", PropertyType.Number), ("size", PropertyType.Number),
            ("side", PropertyType.String), ("maker_order_id", PropertyType.String), ("taker_order_id", PropertyType.String),
        ]),
        Channel("heartbeat", ["heartbeat"], "sequence",
        [
            ("product_id", PropertyType.String), ("time", PropertyType.DateTime), ("sequence", PropertyType.Integer),
            ("last_trade_id", PropertyType.Integer),
        ]),
    ];

    /// <summary>The channel named <paramref name="name"/>, or null.</summary>
    public static CoinbaseChannel? Find(string name) => Array.Find(All, c => c.Name == name);

    private static CoinbaseChannel Channel(string name, string[] types, string subkey, (string Name, PropertyType Type)[] columns)
    {
        var properties = Array.ConvertAll(columns, c => new PropertyDefinition(c.Name, c.Type));
        var schema = new DatasetSchema(properties, ["product_id", subkey, "time"], AdditionalProperties: false);
        return new CoinbaseChannel(name, types, new SourceStream(name, schema, new ColumnMapping("product_id", subkey, "time")));
    }
}
