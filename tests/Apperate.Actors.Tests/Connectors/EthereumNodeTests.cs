using Apperate.Actors.Connectors;
using Apperate.Actors.Connectors.Ethereum;
using Apperate.Actors.Tests.Infrastructure;
using Nethereum.JsonRpc.Client;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>The node through Nethereum over HTTP and over the WebSocket client, against a real anvil node.</summary>
public sealed class EthereumNodeTests(AnvilServer anvil) : IClassFixture<AnvilServer>
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calls_answer_chain_head_and_blocks(bool webSocket)
    {
        await using var node = EthereumNode.Connect(new Uri(webSocket ? anvil.WsUrl : anvil.HttpUrl));
        Assert.Equal(31337, (int)await node.ChainIdAsync(CancellationToken.None));
        await anvil.MineAsync();
        var head = await node.HeadAsync(CancellationToken.None);
        Assert.Equal(await anvil.BlockNumberAsync(), head);
        var block = await node.BlockAsync(head, CancellationToken.None);
        Assert.NotNull(block);
        Assert.Equal(head, EthereumNode.ToInt64(block.Number, "number"));
        Assert.Equal((await anvil.BlockAsync(head))["hash"]!.GetValue<string>(), await node.HashOfAsync(head, CancellationToken.None));
        Assert.Null(await node.BlockAsync(head + 1000, CancellationToken.None));
        Assert.Equal(webSocket, node.NewHeads is not null);
    }

    [Fact]
    public async Task Calls_in_flight_together_on_one_socket_each_get_their_own_answer()
    {
        for (var i = 0; i < 8; i++) await anvil.MineAsync();
        await using var node = EthereumNode.Connect(new Uri(anvil.WsUrl));
        var head = await node.HeadAsync(CancellationToken.None);
        var numbers = Enumerable.Range(0, (int)Math.Min(head + 1, 16)).Select(n => (long)n).ToArray();
        var blocks = await Task.WhenAll(numbers.Select(n => node.BlockAsync(n, CancellationToken.None)));
        Assert.Equal(numbers, blocks.Select(b => EthereumNode.ToInt64(b!.Number, "number")));
    }

    [Fact]
    public async Task Node_errors_keep_their_json_rpc_code_over_the_websocket()
    {
        await using var client = new WebSocketRpcClient(new Uri(anvil.WsUrl));
        var error = await Assert.ThrowsAsync<RpcResponseException>(() => client.SendRequestAsync<string>(new RpcRequest(1, "eth_noSuchMethod")));
        // anvil answers "invalid params" over WebSocket (and "method not found" over HTTP).
        Assert.Equal(-32602, error.RpcError.Code);
        Assert.Contains("eth_noSuchMethod", error.RpcError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_websocket_subscription_announces_new_heads()
    {
        await using var node = EthereumNode.Connect(new Uri(anvil.WsUrl));
        await node.SubscribeNewHeadsAsync(CancellationToken.None);
        await anvil.MineAsync();
        var head = await anvil.BlockNumberAsync();
        using var timeout = new CancellationTokenSource(Soon);
        var announced = await node.NewHeads!.ReadAsync(timeout.Token);
        Assert.Equal(head, Convert.ToInt64(announced.GetProperty("number").GetString(), 16));
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_retried_failure_naming_it()
    {
        var port = LoopbackPorts.Take(1)[0];
        foreach (var url in new[] { $"http://127.0.0.1:{port}", $"ws://127.0.0.1:{port}" })
        {
            await using var node = EthereumNode.Connect(new Uri(url));
            var error = await Assert.ThrowsAsync<ConnectorSourceException>(() => node.HeadAsync(CancellationToken.None));
            Assert.False(error.Fatal, url);
            Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        }
    }
}
