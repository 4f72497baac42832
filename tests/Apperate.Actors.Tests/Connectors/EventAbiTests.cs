using System.Text.Json;
using Apperate.Actors.Connectors.Ethereum;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>Event ABIs for the ETHEREUM logs stream: parsed from a signature or JSON, and logs decoded into exact, typed values.</summary>
[Trait("Category", "Unit")]
public sealed class EventAbiTests
{
    private static readonly string[] LogColumns = ["address", "blockNumber", "logIndex", "transactionHash", "timestamp"];

    private const string TransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

    private static EventAbi Parse(string json) => EventAbi.Parse(JsonDocument.Parse(json).RootElement, LogColumns);

    [Theory]
    [InlineData("\"Transfer(address indexed from, address indexed to, uint256 value)\"")]
    [InlineData("\"event Transfer(address indexed from, address indexed to, uint256 value)\"")]
    [InlineData("""{"type":"event","name":"Transfer","anonymous":false,"inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}]}""")]
    [InlineData("""[{"type":"event","name":"Transfer","inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}]}]""")]
    public void A_signature_or_a_json_fragment_gives_the_event_its_topic_and_typed_columns(string abi)
    {
        var transfer = Parse(abi);
        Assert.Equal("Transfer", transfer.Name);
        Assert.Equal(TransferTopic, transfer.Topic0);
        Assert.Equal([("from", PropertyType.String), ("to", PropertyType.String), ("value", PropertyType.String)], transfer.Columns.Select(c => (c.Name, c.Type)));
        Assert.Equal([true, true, false], transfer.Inputs.Select(i => i.Indexed));
    }

    [Fact]
    public void A_transfer_log_decodes_exactly_with_addresses_in_lower_case()
    {
        var transfer = Parse("\"Transfer(address indexed from, address indexed to, uint256 value)\"");
        string[] topics =
        [
            TransferTopic,
            "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8",
        ];
        // 2^70 + 1: past 64 bits, kept exact.
        var values = transfer.Decode(topics, "0x0000000000000000000000000000000000000000000000400000000000000001");
        Assert.Equal(["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", "1180591620717411303425"], values);
    }

    [Fact]
    public void Small_integers_bools_and_bytes_get_their_own_column_types()
    {
        var abi = Parse("\"Mixed(uint8 indexed small, int64 signed, uint64 wide, bool flag, bytes32 tag, string indexed label)\"");
        Assert.Equal([PropertyType.Integer, PropertyType.Integer, PropertyType.String, PropertyType.Boolean, PropertyType.String, PropertyType.String],
            abi.Columns.Select(c => c.Type));
        var label = "0x" + new string('a', 64);
        string[] topics = [abi.Topic0, "0x" + new string('0', 62) + "07", label];
        var data = "0x"
                   + "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" // int64 -1
                   + "000000000000000000000000000000000000000000000000ffffffffffffffff" // uint64 max
                   + "0000000000000000000000000000000000000000000000000000000000000001" // true
                   + "0102030000000000000000000000000000000000000000000000000000000000"; // bytes32
        Assert.Equal([7L, -1L, "18446744073709551615", true, "0x0102030000000000000000000000000000000000000000000000000000000000", label],
            abi.Decode(topics, data));
    }

    [Fact]
    public void A_log_of_another_event_or_shape_is_not_decoded()
    {
        var transfer = Parse("\"Transfer(address indexed from, address indexed to, uint256 value)\"");
        Assert.Null(transfer.Decode(["0x" + new string('1', 64), "0x" + new string('0', 64), "0x" + new string('0', 64)], "0x" + new string('0', 64)));
        Assert.Null(transfer.Decode([TransferTopic], "0x"));
    }

    [Theory]
    [InlineData("\"Transfer(address indexed from, notatype to)\"", "is not an event ABI")]
    [InlineData("\"not a signature\"", "is not an event signature")]
    [InlineData("""[{"type":"function","name":"f","inputs":[]}]""", "holds no event")]
    [InlineData("""{"type":"event","name":"Anon","anonymous":true,"inputs":[]}""", "anonymous")]
    [InlineData("\"Clash(address indexed address)\"", "clashes")]
    [InlineData("\"Bad(uint256 _systemX)\"", "cannot be a column")]
    [InlineData("42", "must be an event signature")]
    public void A_bad_abi_says_why(string abi, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Parse(abi));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
