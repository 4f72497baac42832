using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// The two ETHEREUM streams and how a block from <c>eth_getBlockByNumber(n, true)</c> becomes their records.
/// </summary>
/// <remarks>
/// Every record is indexed by its position in the chain, never by a hash: <c>blocks</c> by <c>number</c>,
/// <c>transactions</c> by <c>blockNumber</c> + <c>transactionIndex</c>, both dated by the block's <c>timestamp</c>.
/// A reorg therefore touches exactly the keys (block numbers) of the orphaned blocks: they are deleted and written
/// again from the new chain. Wei amounts (<c>value</c>, <c>gasPrice</c>, <c>baseFeePerGas</c>…) exceed 64 bits and are
/// kept exact as decimal strings; counts and gas that fit 64 bits are integers; hashes and addresses stay lower-case hex.
/// </remarks>
public static class EthereumRecords
{
    /// <summary>The stream of blocks.</summary>
    public static readonly SourceStream Blocks = Stream("blocks", "number", null,
    [
        ("number", PropertyType.Integer), ("timestamp", PropertyType.DateTime), ("hash", PropertyType.String),
        ("parentHash", PropertyType.String), ("miner", PropertyType.String), ("gasUsed", PropertyType.Integer),
        ("gasLimit", PropertyType.Integer), ("baseFeePerGas", PropertyType.String), ("difficulty", PropertyType.String),
        ("size", PropertyType.Integer), ("transactionCount", PropertyType.Integer),
    ]);

    /// <summary>The stream of transactions.</summary>
    public static readonly SourceStream Transactions = Stream("transactions", "blockNumber", "transactionIndex",
    [
        ("blockNumber", PropertyType.Integer), ("transactionIndex", PropertyType.Integer), ("timestamp", PropertyType.DateTime),
        ("hash", PropertyType.String), ("blockHash", PropertyType.String), ("from", PropertyType.String),
        ("to", PropertyType.String), ("value", PropertyType.String), ("gas", PropertyType.Integer),
        ("gasPrice", PropertyType.String), ("maxFeePerGas", PropertyType.String), ("maxPriorityFeePerGas", PropertyType.String),
        ("nonce", PropertyType.Integer), ("type", PropertyType.Integer), ("input", PropertyType.String),
    ]);

    /// <summary>Both streams, in the order discovery lists them.</summary>
    public static readonly SourceStream[] All = [Blocks, Transactions];

    /// <summary>The block's number, hash and parent hash.</summary>
    /// <exception cref="FormatException">The block lacks them.</exception>
    public static (long Number, string Hash, string ParentHash) Header(JsonElement block) =>
        (HexQuantity.ToInt64(Text(block, "number")), Required(block, "hash"), Required(block, "parentHash"));

    /// <summary>The <c>blocks</c> record of a block.</summary>
    public static RecordRow Block(JsonElement block)
    {
        var number = HexQuantity.ToInt64(Text(block, "number"));
        var (time, epochMs) = Timestamp(block);
        var count = block.TryGetProperty("transactions", out var txs) && txs.ValueKind == JsonValueKind.Array ? txs.GetArrayLength() : 0;
        object?[] values =
        [
            number, time, Required(block, "hash"), Required(block, "parentHash"), Text(block, "miner"),
            Int(block, "gasUsed"), Int(block, "gasLimit"), Amount(block, "baseFeePerGas"), Amount(block, "difficulty"),
            Int(block, "size"), (long)count,
        ];
        return new RecordRow(number.ToString(CultureInfo.InvariantCulture), "", epochMs, values, null);
    }

    /// <summary>The <c>transactions</c> records of a block fetched with full transactions, in block order.</summary>
    public static RecordRow[] TransactionsOf(JsonElement block)
    {
        if (!block.TryGetProperty("transactions", out var txs) || txs.ValueKind != JsonValueKind.Array || txs.GetArrayLength() == 0) return [];
        var number = HexQuantity.ToInt64(Text(block, "number"));
        var key = number.ToString(CultureInfo.InvariantCulture);
        var blockHash = Required(block, "hash");
        var (time, epochMs) = Timestamp(block);
        var rows = new RecordRow[txs.GetArrayLength()];
        var i = 0;
        foreach (var tx in txs.EnumerateArray())
        {
            if (tx.ValueKind != JsonValueKind.Object)
                throw new FormatException($"block {number} lists transaction hashes only: it was not fetched with full transactions");
            var index = HexQuantity.ToInt64(Text(tx, "transactionIndex"));
            object?[] values =
            [
                number, index, time, Required(tx, "hash"), blockHash, Text(tx, "from"), Text(tx, "to"),
                Amount(tx, "value"), Int(tx, "gas"), Amount(tx, "gasPrice"), Amount(tx, "maxFeePerGas"),
                Amount(tx, "maxPriorityFeePerGas"), Int(tx, "nonce"), Int(tx, "type"), Text(tx, "input"),
            ];
            rows[i++] = new RecordRow(key, index.ToString(CultureInfo.InvariantCulture), epochMs, values, null);
        }
        return rows;
    }

    private static (string Text, long EpochMs) Timestamp(JsonElement block)
    {
        var seconds = HexQuantity.ToInt64(Text(block, "timestamp"));
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return (time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), time.ToUnixTimeMilliseconds());
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Required(JsonElement o, string name) => Text(o, name) ?? throw new FormatException($"'{name}' is missing");

    private static object? Int(JsonElement o, string name) => Text(o, name) is { } hex ? HexQuantity.ToInt64(hex) : null;

    private static object? Amount(JsonElement o, string name) => Text(o, name) is { } hex ? HexQuantity.ToDecimalString(hex) : null;

    private static SourceStream Stream(string id, string key, string? subkey, (string Name, PropertyType Type)[] columns)
    {
        var properties = Array.ConvertAll(columns, c => new PropertyDefinition(c.Name, c.Type));
        string[] required = subkey is null ? [key, "timestamp"] : [key, subkey, "timestamp"];
        return new SourceStream(id, new DatasetSchema(properties, required, AdditionalProperties: false), new ColumnMapping(key, subkey, "timestamp"));
    }
}
