using System.Numerics;
using System.Text.Json;
using Apperate.Actors.Connectors.Ethereum;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>Hex quantities, block → record mapping and reorg tracking of the ETHEREUM source, without a node.</summary>
[Trait("Category", "Unit")]
public sealed class EthereumDecodingTests
{
    [Theory]
    [InlineData("0x0", "0")]
    [InlineData("0x1", "1")]
    [InlineData("0xff", "255")]
    [InlineData("0xde0b6b3a7640000", "1000000000000000000")]
    [InlineData("0x8000000000000000", "9223372036854775808")]
    [InlineData("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "115792089237316195423570985008687907853269984665640564039457584007913129639935")]
    [InlineData("0X2A", "42")]
    public void Quantities_decode_exactly(string hex, string expected)
    {
        Assert.Equal(expected, HexQuantity.ToDecimalString(hex));
        Assert.True(HexQuantity.TryParse(hex, out var value));
        Assert.Equal(BigInteger.Parse(expected), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("12")]
    [InlineData("0xg1")]
    [InlineData("-0x1")]
    [InlineData("0x 1")]
    public void Malformed_quantities_are_refused(string? hex)
    {
        Assert.False(HexQuantity.TryParse(hex, out _));
        Assert.Throws<FormatException>(() => HexQuantity.ToDecimalString(hex));
    }

    [Fact]
    public void Int64_quantities_refuse_what_does_not_fit()
    {
        Assert.Equal(long.MaxValue, HexQuantity.ToInt64("0x7fffffffffffffff"));
        Assert.Throws<FormatException>(() => HexQuantity.ToInt64("0x8000000000000000"));
        Assert.Equal("0x0", HexQuantity.From(0));
        Assert.Equal("0x1b4", HexQuantity.From(436));
    }

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
        using var doc = JsonDocument.Parse(Block);
        var row = EthereumRecords.Block(doc.RootElement);
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
        Assert.Equal((436L, "0xaaa", "0xbbb"), EthereumRecords.Header(doc.RootElement));
    }

    [Fact]
    public void Transactions_are_keyed_by_block_number_and_index_with_wei_as_decimal_text()
    {
        using var doc = JsonDocument.Parse(Block);
        var rows = EthereumRecords.TransactionsOf(doc.RootElement);
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
    public void Blocks_fetched_without_full_transactions_are_refused()
    {
        using var doc = JsonDocument.Parse("""{"number":"0x1","hash":"0xa","parentHash":"0xb","timestamp":"0x1","transactions":["0x111"]}""");
        Assert.Throws<FormatException>(() => EthereumRecords.TransactionsOf(doc.RootElement));
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
