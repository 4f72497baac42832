using Apperate.Actors.Connectors.Ethereum;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Newtonsoft.Json;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>Quantities, block → record mapping (from Nethereum's block model) and reorg tracking of the ETHEREUM source, without a node.</summary>
[Trait("Category", "Unit")]
public sealed class EthereumDecodingTests
{
    [Theory]
    [InlineData("0x0", "0")]
    [InlineData("0xde0b6b3a7640000", "1000000000000000000")]
    [InlineData("0x8000000000000000", "9223372036854775808")]
    [InlineData("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "115792089237316195423570985008687907853269984665640564039457584007913129639935")]
    public void Wei_amounts_of_any_size_are_exact_decimal_text(string hex, string expected)
    {
        var block = Parse(Block.Replace("\"value\":\"0x0\"", $"\"value\":\"{hex}\"", StringComparison.Ordinal));
        var second = EthereumRecords.Transactions.Columns.Zip(EthereumRecords.TransactionsOf(block)[1].Values).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(expected, second["value"]);
    }

    [Fact]
    public void Int64_quantities_refuse_what_does_not_fit()
    {
        Assert.Equal(long.MaxValue, EthereumNode.ToInt64(new HexBigInteger("0x7fffffffffffffff"), "number"));
        Assert.Throws<FormatException>(() => EthereumNode.ToInt64(new HexBigInteger("0x8000000000000000"), "number"));
        Assert.Throws<FormatException>(() => EthereumNode.ToInt64(null, "number"));
    }

    private static BlockWithTransactions Parse(string json) => JsonConvert.DeserializeObject<BlockWithTransactions>(json)!;

    private const string Block = """
        {"number":"0x1b4","hash":"0xaaa","parentHash":"0xbbb","timestamp":"0x6632f0c0","miner":"0x00000000000000000000000000000000000000ff",
         "gasUsed":"0xa410","gasLimit":"0x1c9c380","baseFeePerGas":"0x3b9aca00","difficulty":"0x0","size":"0x2d1",
         "transactions":[
           {"hash":"0x111","transactionIndex":"0x0","from":"0xf39f","to":"0x7099","value":"0x42dc39e4a2a4ec94000","gas":"0x5208",
            "gasPrice":"0x77359400","maxFeePerGas":"0xb2d05e00","maxPriorityFeePerGas":"0x3b9aca00","nonce":"0x7","type":"0x2","input":"0x"},
           {"hash":"0x222","transactionIndex":"0x1","from":"0x3c44","to":null,"value":"0x0","gas":"0x10000","gasPrice":"0x1","nonce":"0x0","type":"0x0","input":"0x6080"}
         ]}
        """;

    [Fact]
    public void A_block_becomes_one_record_keyed_by_its_number_and_dated_by_its_timestamp()
    {
        var block = Parse(Block);
        var row = EthereumRecords.Block(block);
        Assert.Equal("436", row.Key);
        Assert.Equal("", row.Subkey);
        Assert.Equal(1714614464000, row.Date);
        var values = EthereumRecords.Blocks.Columns.Zip(row.Values).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(436L, values["number"]);
        Assert.Equal("2024-05-02T01:47:44Z", values["timestamp"]);
        Assert.Equal("0xaaa", values["hash"]);
        Assert.Equal("0xbbb", values["parentHash"]);
        Assert.Equal(42000L, values["gasUsed"]);
        Assert.Equal("1000000000", values["baseFeePerGas"]);
        Assert.Equal(2L, values["transactionCount"]);
        Assert.Equal((436L, "0xaaa", "0xbbb"), EthereumRecords.Header(block));
    }

    [Fact]
    public void Transactions_are_keyed_by_block_number_and_index_with_wei_as_decimal_text()
    {
        var rows = EthereumRecords.TransactionsOf(Parse(Block));
        Assert.Equal(2, rows.Length);
        Assert.Equal(("436", "0"), (rows[0].Key, rows[0].Subkey));
        Assert.Equal(("436", "1"), (rows[1].Key, rows[1].Subkey));
        var first = EthereumRecords.Transactions.Columns.Zip(rows[0].Values).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal("19733665200224797802496", first["value"]);
        Assert.Equal("2000000000", first["gasPrice"]);
        Assert.Equal("3000000000", first["maxFeePerGas"]);
        Assert.Equal(21000L, first["gas"]);
        Assert.Equal(7L, first["nonce"]);
        Assert.Equal("0xaaa", first["blockHash"]);
        Assert.Equal("2024-05-02T01:47:44Z", first["timestamp"]);
        var second = EthereumRecords.Transactions.Columns.Zip(rows[1].Values).ToDictionary(p => p.First, p => p.Second);
        Assert.Null(second["to"]);
        Assert.Null(second["maxFeePerGas"]);
        Assert.Equal("0", second["value"]);
    }

    [Fact]
    public void The_tracker_notices_a_parent_mismatch_and_rewinds_to_the_ancestor()
    {
        var tracker = new ChainTracker();
        Assert.True(tracker.Extends(10, "0xanything"));
        tracker.Add(10, "0xa10");
        tracker.Add(11, "0xa11");
        tracker.Add(12, "0xa12");
        Assert.True(tracker.Extends(13, "0xA12"));
        Assert.False(tracker.Extends(13, "0xb12"));
        Assert.Equal([12L, 11L, 10L], tracker.NewestFirst());

        Assert.Equal(11, tracker.RewindTo(10));
        Assert.Equal(10, tracker.Last);
        Assert.True(tracker.Replaces(11));
        Assert.True(tracker.Replaces(12));
        Assert.False(tracker.Replaces(13));
        tracker.Add(11, "0xb11");

        var resumed = ChainTracker.FromCheckpoint(tracker.ToCheckpoint());
        Assert.Equal(11, resumed.Last);
        Assert.Equal("0xb11", resumed.LastHash);
        Assert.Equal("0xa10", resumed.HashOf(10));
        Assert.True(resumed.Replaces(12));
        Assert.Null(ChainTracker.FromCheckpoint(null).Last);
    }

    [Fact]
    public void The_tracker_keeps_a_bounded_window()
    {
        var tracker = new ChainTracker();
        for (var n = 0; n < ChainTracker.Window + 50; n++) tracker.Add(n, $"0x{n:x}");
        Assert.Equal(ChainTracker.Window, tracker.NewestFirst().Count());
        Assert.Null(tracker.HashOf(49));
        Assert.Equal("0x32", tracker.HashOf(50));
    }
}
