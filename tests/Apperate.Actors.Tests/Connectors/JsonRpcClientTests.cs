using System.Text.Json;
using Apperate.Actors.Connectors.Ethereum;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>The JSON-RPC client over HTTP and WebSocket against a real anvil node.</summary>
public sealed class JsonRpcClientTests(AnvilServer anvil) : IClassFixture<AnvilServer>
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calls_answer_results_and_node_errors_with_their_code(bool webSocket)
    {
        await using var client = JsonRpcClient.Create(new Uri(webSocket ? anvil.WsUrl : anvil.HttpUrl));
        Assert.Equal("0x7a69", (await client.CallAsync("eth_chainId", [], CancellationToken.None)).GetString());
        var head = HexQuantity.ToInt64((await client.CallAsync("eth_blockNumber", [], CancellationToken.None)).GetString());
        var block = await client.CallAsync("eth_getBlockByNumber", [HexQuantity.From(head), false], CancellationToken.None);
        Assert.Equal(head, HexQuantity.ToInt64(block.GetProperty("number").GetString()));
        Assert.Equal(JsonValueKind.Null, (await client.CallAsync("eth_getBlockByNumber", [HexQuantity.From(head + 1000), false], CancellationToken.None)).ValueKind);

        var error = await Assert.ThrowsAsync<JsonRpcException>(() => client.CallAsync("eth_noSuchMethod", [], CancellationToken.None));
        // anvil answers "method not found" over HTTP and "invalid params" over WebSocket.
        Assert.Equal(webSocket ? -32602 : -32601, error.Code);
        Assert.Contains("eth_noSuchMethod", error.Message);
        Assert.Equal(webSocket, client.Notifications is not null);
    }

    [Fact]
    public async Task A_websocket_subscription_announces_new_heads()
    {
        await using var client = JsonRpcClient.Create(new Uri(anvil.WsUrl));
        var subscription = await client.CallAsync("eth_subscribe", ["newHeads"], CancellationToken.None);
        Assert.StartsWith("0x", subscription.GetString());
        await anvil.MineAsync();
        var head = await anvil.BlockNumberAsync();
        using var timeout = new CancellationTokenSource(Soon);
        var announced = await client.Notifications!.ReadAsync(timeout.Token);
        Assert.Equal(head, HexQuantity.ToInt64(announced.GetProperty("number").GetString()));
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_the_call()
    {
        var port = LoopbackPorts.Take(1)[0];
        await using var http = JsonRpcClient.Create(new Uri($"http://127.0.0.1:{port}"));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.CallAsync("eth_chainId", [], CancellationToken.None));
        await using var ws = JsonRpcClient.Create(new Uri($"ws://127.0.0.1:{port}"));
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => ws.CallAsync("eth_chainId", [], CancellationToken.None));
    }
}
