using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>The loopback feed keeps the Exchange protocol's rules, so the connector tests test against them.</summary>
public sealed class ExchangeFeedServerTests
{
    private static async Task<string?> ReceiveAsync(ClientWebSocket socket, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        var result = await socket.ReceiveAsync(buffer, cancel.Token);
        return result.MessageType == WebSocketMessageType.Close ? null : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    [Fact]
    public async Task A_client_that_does_not_subscribe_within_5_seconds_is_disconnected()
    {
        await using var feed = await ExchangeFeedServer.StartAsync("BTC-USD");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(feed.Url), CancellationToken.None);
        Assert.Null(await ReceiveAsync(socket, ExchangeFeedServer.SubscribeDeadline + TimeSpan.FromSeconds(10)));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal(1, feed.Timeouts);
    }

    [Fact]
    public async Task A_subscription_is_echoed_then_tickers_and_heartbeats_flow_and_unknown_products_are_errors()
    {
        await using var feed = await ExchangeFeedServer.StartAsync("BTC-USD");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(feed.Url), CancellationToken.None);
        await SendAsync(socket, """{"type":"subscribe","product_ids":["BTC-USD"],"channels":["ticker",{"name":"heartbeat"}]}""");
        var echo = JsonNode.Parse((await ReceiveAsync(socket, TimeSpan.FromSeconds(10)))!)!;
        Assert.Equal("subscriptions", echo["type"]!.GetValue<string>());
        Assert.Equal(["ticker", "heartbeat"], echo["channels"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));

        await Eventually.Until(() => Task.FromResult(feed.Subscribed == 1), TimeSpan.FromSeconds(10), "the subscription to register");
        await feed.TickerAsync("BTC-USD", "1.5", 1);
        var types = new HashSet<string>();
        while (types.Count < 2) types.Add(JsonNode.Parse((await ReceiveAsync(socket, TimeSpan.FromSeconds(10)))!)!["type"]!.GetValue<string>());
        Assert.Equal(["heartbeat", "ticker"], types.Order());

        using var wrong = new ClientWebSocket();
        await wrong.ConnectAsync(new Uri(feed.Url), CancellationToken.None);
        await SendAsync(wrong, """{"type":"subscribe","product_ids":["NOPE-USD"],"channels":["ticker"]}""");
        var error = JsonNode.Parse((await ReceiveAsync(wrong, TimeSpan.FromSeconds(10)))!)!;
        Assert.Equal("""{"type":"error","message":"Failed to subscribe","reason":"NOPE-USD is not a valid product"}""", error.ToJsonString());
    }
}
