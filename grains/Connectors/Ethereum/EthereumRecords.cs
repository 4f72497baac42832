using System.Globalization;
using Apperate.Actors.Datasets;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using EthBlock = Nethereum.RPC.Eth.DTOs.Block;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// The two ETHEREUM streams and how a block from <c>eth_getBlockByNumber(n, true)</c> (Nethereum's <see cref="BlockWithTransactions"/>) becomes their records.
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

    /// <summary>The columns every record of the <c>logs</c> stream has, before the event's own.</summary>
    private static readonly (string Name, PropertyType Type)[] LogBase =
    [
        ("address", PropertyType.String), ("logId", PropertyType.String), ("timestamp", PropertyType.DateTime),
        ("blockNumber", PropertyType.Integer), ("blockHash", PropertyType.String), ("transactionHash", PropertyType.String),
        ("transactionIndex", PropertyType.Integer), ("logIndex", PropertyType.Integer), ("topic0", PropertyType.String),
        ("topic1", PropertyType.String), ("topic2", PropertyType.String), ("topic3", PropertyType.String), ("data", PropertyType.String),
    ];

    /// <summary>The names an event's parameters cannot take.</summary>
    public static readonly IReadOnlyCollection<string> LogColumnNames = [.. LogBase.Select(c => c.Name)];

    /// <summary>
    /// The stream of contract event logs: key = the contract's address, subkey = <c>logId</c> (<c>txHash:logIndex</c>),
    /// date = the block's timestamp; with an event ABI, its parameters as columns after the raw ones.
    /// </summary>
    public static SourceStream Logs(EventAbi? abi) =>
        Stream("logs", "address", "logId", [.. LogBase, .. (abi?.Columns ?? []).Select(c => (c.Name, c.Type))]);

    /// <summary>The streams, in the order discovery lists them (the logs stream's columns follow the config's ABI).</summary>
    public static SourceStream[] All(EventAbi? abi) => [Blocks, Transactions, Logs(abi)];

    /// <summary>The <c>logs</c> record of a log in a block dated <paramref name="epochSeconds"/>.</summary>
    /// <exception cref="FormatException">The log lacks its position.</exception>
    public static RecordRow Log(FilterLog log, long epochSeconds, EventAbi? abi)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(epochSeconds);
        var address = Required(log.Address, "address").ToLowerInvariant();
        var txHash = Required(log.TransactionHash, "transactionHash");
        var logIndex = EthereumNode.ToInt64(log.LogIndex, "logIndex");
        var topics = (log.Topics ?? []).Select(t => t?.ToString()?.ToLowerInvariant()).ToArray();
        var logId = txHash + ":" + logIndex.ToString(CultureInfo.InvariantCulture);
        object?[] raw =
        [
            address, logId, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            EthereumNode.ToInt64(log.BlockNumber, "blockNumber"), log.BlockHash, txHash, Int(log.TransactionIndex, "transactionIndex"), logIndex,
            Topic(topics, 0), Topic(topics, 1), Topic(topics, 2), Topic(topics, 3), log.Data,
        ];
        object?[] decoded = abi is null ? [] : abi.Decode([.. topics.Select(t => t ?? "")], log.Data) ?? new object?[abi.Inputs.Count];
        return new RecordRow(address, logId, time.ToUnixTimeMilliseconds(), [.. raw, .. decoded], null);
    }

    private static string? Topic(string?[] topics, int index) => index < topics.Length ? topics[index] : null;

    /// <summary>The block's number, hash and parent hash.</summary>
    /// <exception cref="FormatException">The block lacks them.</exception>
    public static (long Number, string Hash, string ParentHash) Header(EthBlock block) =>
        (EthereumNode.ToInt64(block.Number, "number"), Required(block.BlockHash, "hash"), Required(block.ParentHash, "parentHash"));

    /// <summary>The <c>blocks</c> record of a block.</summary>
    public static RecordRow Block(BlockWithTransactions block)
    {
        var number = EthereumNode.ToInt64(block.Number, "number");
        var (time, epochMs) = Timestamp(block);
        object?[] values =
        [
            number, time, Required(block.BlockHash, "hash"), Required(block.ParentHash, "parentHash"), block.Miner,
            Int(block.GasUsed, "gasUsed"), Int(block.GasLimit, "gasLimit"), Amount(block.BaseFeePerGas), Amount(block.Difficulty),
            Int(block.Size, "size"), (long)(block.Transactions?.Length ?? 0),
        ];
        return new RecordRow(number.ToString(CultureInfo.InvariantCulture), "", epochMs, values, null);
    }

    /// <summary>The <c>transactions</c> records of a block fetched with full transactions, in block order.</summary>
    public static RecordRow[] TransactionsOf(BlockWithTransactions block)
    {
        if (block.Transactions is not { Length: > 0 } txs) return [];
        var number = EthereumNode.ToInt64(block.Number, "number");
        var key = number.ToString(CultureInfo.InvariantCulture);
        var blockHash = Required(block.BlockHash, "hash");
        var (time, epochMs) = Timestamp(block);
        var rows = new RecordRow[txs.Length];
        for (var i = 0; i < txs.Length; i++)
        {
            var tx = txs[i] ?? throw new FormatException($"block {number} has an empty transaction");
            var index = EthereumNode.ToInt64(tx.TransactionIndex, "transactionIndex");
            object?[] values =
            [
                number, index, time, Required(tx.TransactionHash, "hash"), blockHash, tx.From, tx.To,
                Amount(tx.Value), Int(tx.Gas, "gas"), Amount(tx.GasPrice), Amount(tx.MaxFeePerGas),
                Amount(tx.MaxPriorityFeePerGas), Int(tx.Nonce, "nonce"), Int(tx.Type, "type"), tx.Input,
            ];
            rows[i] = new RecordRow(key, index.ToString(CultureInfo.InvariantCulture), epochMs, values, null);
        }
        return rows;
    }

    private static (string Text, long EpochMs) Timestamp(EthBlock block)
    {
        var seconds = EthereumNode.ToInt64(block.Timestamp, "timestamp");
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return (time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), time.ToUnixTimeMilliseconds());
    }

    private static string Required(string? value, string name) => value ?? throw new FormatException($"'{name}' is missing");

    private static object? Int(HexBigInteger? quantity, string name) => quantity is null ? null : EthereumNode.ToInt64(quantity, name);

    /// <summary>Wei and other amounts past 64 bits: the exact decimal text.</summary>
    private static object? Amount(HexBigInteger? quantity) => quantity?.Value.ToString(CultureInfo.InvariantCulture);

    private static SourceStream Stream(string id, string key, string? subkey, (string Name, PropertyType Type)[] columns)
    {
        var properties = Array.ConvertAll(columns, c => new PropertyDefinition(c.Name, c.Type));
        string[] required = subkey is null ? [key, "timestamp"] : [key, subkey, "timestamp"];
        return new SourceStream(id, new DatasetSchema(properties, required, AdditionalProperties: false), new ColumnMapping(key, subkey, "timestamp"));
    }
}
