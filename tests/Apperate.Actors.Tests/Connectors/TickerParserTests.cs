using System.Text;
using Apperate.Actors.Connectors.Coinbase;

namespace Apperate.Actors.Tests.Connectors;

[Trait("Category", "Unit")]
public sealed class TickerParserTests
{
    private static readonly CoinbaseChannel Ticker = CoinbaseChannels.Find("ticker")!;

    private static FeedMessage Parse(string json, CoinbaseChannel? channel = null) => TickerParser.Parse(Encoding.UTF8.GetBytes(json), channel ?? Ticker);

    private static object? Value(FeedMessage message, string column) => message.Row!.Values[Ticker.Stream.Schema.IndexOf(column)];

    [Fact]
    public void A_ticker_becomes_a_record_with_numbers_an_index_and_its_time()
    {
        var message = Parse("""
            {"type":"ticker","sequence":37475248783,"product_id":"BTC-USD","price":"50000.12","open_24h":"49000.01",
             "volume_24h":"12345.67890123","low_24h":"48500.5","high_24h":"50500","volume_30d":"400000.12345678",
             "best_bid":"50000.11","best_bid_size":"0.5","best_ask":"50000.13","best_ask_size":"0.25","side":"buy",
             "time":"2024-05-01T12:00:00.123456Z","trade_id":54321,"last_size":"0.00012"}
            """);
        Assert.Equal(FeedMessageKind.Data, message.Kind);
        Assert.Null(message.Problem);
        Assert.Equal("BTC-USD", message.ProductId);
        Assert.Equal(37475248783, message.Sequence);
        var row = message.Row!;
        Assert.Equal("BTC-USD", row.Key);
        Assert.Equal("54321", row.Subkey);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, 123, TimeSpan.Zero).ToUnixTimeMilliseconds(), row.Date);
        Assert.Equal(50000.12, Value(message, "price"));
        Assert.Equal(12345.67890123, Value(message, "volume_24h"));
        Assert.Equal(50500.0, Value(message, "high_24h"));
        Assert.Equal(0.00012, Value(message, "last_size"));
        Assert.Equal(54321L, Value(message, "trade_id"));
        Assert.Equal(37475248783L, Value(message, "sequence"));
        Assert.Equal("buy", Value(message, "side"));
        Assert.Equal("2024-05-01T12:00:00.123456Z", Value(message, "time"));
    }

    [Fact]
    public void Absent_and_null_fields_are_null_and_unknown_fields_are_ignored()
    {
        var message = Parse("""{"type":"ticker","product_id":"ETH-USD","time":"2024-05-01T12:00:00Z","trade_id":1,"price":null,"extra":{"a":[1,2]},"more":[1]}""");
        Assert.Null(message.Problem);
        Assert.Null(Value(message, "price"));
        Assert.Null(Value(message, "best_bid"));
        Assert.Null(message.Sequence);
    }

    [Theory]
    [InlineData("""{"type":"ticker","product_id":"BTC-USD","time":"2024-05-01T12:00:00Z","trade_id":1,"price":"12abc"}""", "price")]
    [InlineData("""{"type":"ticker","product_id":"BTC-USD","time":"2024-05-01T12:00:00Z","trade_id":1,"price":{"v":1}}""", "price")]
    [InlineData("""{"type":"ticker","product_id":"BTC-USD","time":"yesterday","trade_id":1}""", "time")]
    [InlineData("""{"type":"ticker","product_id":"BTC-USD","time":"2024-05-01T12:00:00Z","trade_id":"x1"}""", "trade_id")]
    [InlineData("""{"type":"ticker","product_id":"BTC-USD","time":"2024-05-01T12:00:00Z"}""", "trade_id")]
    public void A_malformed_ticker_is_a_problem_naming_the_field(string json, string field)
    {
        var message = Parse(json);
        Assert.Equal(FeedMessageKind.Data, message.Kind);
        Assert.Null(message.Row);
        Assert.Contains(field, message.Problem);
    }

    [Fact]
    public void Errors_carry_message_and_reason()
    {
        var message = Parse("""{"type":"error","message":"Failed to subscribe","reason":"NOPE-USD is not a valid product"}""");
        Assert.Equal(FeedMessageKind.Error, message.Kind);
        Assert.Equal("Failed to subscribe: NOPE-USD is not a valid product", message.Error);
        Assert.Equal("ErrSlowConsume", Parse("""{"type":"error","message":"ErrSlowConsume"}""").Error);
    }

    [Fact]
    public void Subscriptions_list_their_channel_names_in_either_form()
    {
        var message = Parse("""{"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]},"heartbeat"]}""");
        Assert.Equal(FeedMessageKind.Subscriptions, message.Kind);
        Assert.Equal(["ticker", "heartbeat"], message.Channels!);
    }

    [Theory]
    [InlineData("""{"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD","time":"2024-05-01T12:00:00Z"}""")]
    [InlineData("""{"type":"l2update","product_id":"BTC-USD","changes":[["buy","1","2"]]}""")]
    [InlineData("""{"type":"something_new"}""")]
    [InlineData("""not json""")]
    [InlineData("""[1,2]""")]
    public void Other_messages_are_ignored_for_the_ticker(string json) =>
        Assert.Equal(FeedMessageKind.Other, Parse(json).Kind);

    [Fact]
    public void Heartbeats_and_matches_have_their_own_channels()
    {
        var heartbeat = Parse("""{"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD","time":"2024-05-01T12:00:00Z"}""", CoinbaseChannels.Find("heartbeat"));
        Assert.Equal("90", heartbeat.Row!.Subkey);
        var match = Parse("""{"type":"match","trade_id":10,"sequence":50,"maker_order_id":"ac928c66","taker_order_id":"132fb6ae","time":"2024-05-01T12:00:00.5Z","product_id":"BTC-USD","size":"5.23512","price":"400.23","side":"sell"}""", CoinbaseChannels.Find("matches"));
        Assert.Equal("10", match.Row!.Subkey);
        Assert.Contains(400.23, match.Row.Values);
        Assert.Contains("ac928c66", match.Row.Values);
    }
}
