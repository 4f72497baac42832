using System.Net.WebSockets;
using System.Numerics;
using System.Text.Json;
using System.Threading.Channels;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// The node as the ETHEREUM source uses it, through Nethereum's <see cref="Web3"/>: over HTTP with Nethereum's
/// <see cref="RpcClient"/>, over WebSocket with <see cref="WebSocketRpcClient"/> (which also delivers <c>newHeads</c>).
/// Every failure comes out in the connector's terms (<see cref="ConnectorSourceException"/>): JSON-RPC errors that a
/// retry cannot fix are fatal, everything about reaching the node is retried.
/// </summary>
public sealed class EthereumNode : IAsyncDisposable
{
    // One handler for all connectors (connections pooled per endpoint); each RpcClient gets its own HttpClient on it,
    // because Nethereum sets properties of the client it is given.
    private static readonly SocketsHttpHandler Handler = new() { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    private readonly WebSocketRpcClient? _socket;
    private readonly Web3 _web3;

    private EthereumNode(Uri url, ClientBase client, WebSocketRpcClient? socket)
    {
        // Every call is bounded by Nethereum's ClientBase.ConnectionTimeout (process-wide, 20 s by default).
        Url = url;
        _socket = socket;
        _web3 = new Web3(client);
    }

    /// <summary>A node at <paramref name="url"/>: http(s) is called with POSTs, ws(s) over one socket (connected on the first call).</summary>
    public static EthereumNode Connect(Uri url)
    {
        if (url.Scheme is "ws" or "wss")
        {
            var socket = new WebSocketRpcClient(url);
            return new EthereumNode(url, socket, socket);
        }
        return new EthereumNode(url, new RpcClient(url, new HttpClient(Handler, disposeHandler: false)), null);
    }

    /// <summary>The endpoint.</summary>
    public Uri Url { get; }

    /// <summary>New heads, once <see cref="SubscribeNewHeadsAsync"/> was called; null over HTTP.</summary>
    public ChannelReader<JsonElement>? NewHeads => _socket?.Notifications;

    /// <summary>The chain id (<c>eth_chainId</c>); fatal when the endpoint is not an Ethereum node.</summary>
    public async Task<BigInteger> ChainIdAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await CallAsync(() => _web3.Eth.ChainId.SendRequestAsync(), cancellationToken)).Value;
        }
        catch (ConnectorSourceException ex) when (ex.InnerException is FormatException or Newtonsoft.Json.JsonException or RpcResponseFormatException)
        {
            throw new ConnectorSourceException($"{Url} is not an Ethereum node: {ex.InnerException.Message}", fatal: true, ex.InnerException);
        }
    }

    /// <summary>The newest block number (<c>eth_blockNumber</c>).</summary>
    public async Task<long> HeadAsync(CancellationToken cancellationToken) =>
        ToInt64(await CallAsync(() => _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), cancellationToken), "eth_blockNumber");

    /// <summary>Block <paramref name="number"/> with its transactions, or null when the node does not serve it (yet).</summary>
    public Task<BlockWithTransactions?> BlockAsync(long number, CancellationToken cancellationToken) =>
        CallAsync<BlockWithTransactions?>(() => _web3.Eth.Blocks.GetBlockWithTransactionsByNumber.SendRequestAsync(new HexBigInteger(number)), cancellationToken);

    /// <summary>The hash of block <paramref name="number"/>, or null when the node does not have it.</summary>
    public async Task<string?> HashOfAsync(long number, CancellationToken cancellationToken) =>
        (await CallAsync<BlockWithTransactionHashes?>(() => _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(number)), cancellationToken))?.BlockHash;

    /// <summary>The header of block <paramref name="number"/> (hash, parent hash, timestamp), or null when the node does not have it.</summary>
    public Task<BlockWithTransactionHashes?> HeaderAsync(long number, CancellationToken cancellationToken) =>
        CallAsync<BlockWithTransactionHashes?>(() => _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(number)), cancellationToken);

    /// <summary>
    /// The logs of blocks <paramref name="from"/>…<paramref name="to"/> (<c>eth_getLogs</c>) of <paramref name="addresses"/>
    /// (every contract when empty) matching <paramref name="topics"/>; null when the node answers that the range holds
    /// too many logs (the caller asks again for a smaller one).
    /// </summary>
    public async Task<FilterLog[]?> LogsAsync(long from, long to, string[] addresses, string[]?[] topics, CancellationToken cancellationToken)
    {
        var filter = new NewFilterInput
        {
            FromBlock = new BlockParameter(new HexBigInteger(from)),
            ToBlock = new BlockParameter(new HexBigInteger(to)),
            Address = addresses.Length == 0 ? null : addresses,
            Topics = topics.Length == 0 ? null : [.. topics.Select(t => t is null ? null : t.Length == 1 ? (object)t[0] : t)],
        };
        try
        {
            return await CallAsync(() => _web3.Eth.Filters.GetLogs.SendRequestAsync(filter), cancellationToken);
        }
        catch (ConnectorSourceException ex) when (ex.InnerException is RpcResponseException { RpcError: { } error } && TooManyLogs(error))
        {
            return null;
        }
    }

    /// <summary>How nodes say a log range is too large: -32005 (Infura and others), or the words geth, Alchemy and others use.</summary>
    private static bool TooManyLogs(RpcError error) =>
        error.Code == -32005
        || error.Message is { } m && (m.Contains("more than", StringComparison.OrdinalIgnoreCase) || m.Contains("too many", StringComparison.OrdinalIgnoreCase)
                                      || m.Contains("exceed", StringComparison.OrdinalIgnoreCase) || m.Contains("range", StringComparison.OrdinalIgnoreCase));

    /// <summary>Subscribes to <c>newHeads</c> (WebSocket only).</summary>
    public Task SubscribeNewHeadsAsync(CancellationToken cancellationToken) =>
        _socket is null
            ? throw new InvalidOperationException("newHeads needs a WebSocket endpoint")
            : CallAsync(() => _socket.SendRequestAsync<string>(new RpcRequest(Guid.NewGuid().ToString("N"), "eth_subscribe", "newHeads")), cancellationToken);

    /// <summary>A quantity that must fit 64 bits (block numbers, gas, indexes).</summary>
    /// <exception cref="FormatException">It does not.</exception>
    public static long ToInt64(HexBigInteger? quantity, string what)
    {
        if (quantity is null) throw new FormatException($"{what} is missing");
        var value = quantity.Value;
        if (value < 0 || value > long.MaxValue) throw new FormatException($"{what} {quantity.HexValue} does not fit 64 bits");
        return (long)value;
    }

    /// <summary>One call with the connector's failures: JSON-RPC errors that will not change are fatal, I/O is retried.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().WaitAsync(cancellationToken);
        }
        catch (RpcResponseException ex)
        {
            // -32601 (method not found) and -32602 (invalid params) will not change on a retry; anything else might.
            var code = ex.RpcError?.Code ?? 0;
            throw new ConnectorSourceException($"{Url}: {ex.RpcError?.Message ?? ex.Message} (JSON-RPC error {code})", fatal: code is -32601 or -32602, ex);
        }
        catch (Exception ex) when (ex is RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException or WebSocketException
                                       or TimeoutException or IOException)
        {
            throw new ConnectorSourceException($"cannot reach {Url}: {Innermost(ex).Message}", fatal: false, ex);
        }
        catch (Exception ex) when (ex is FormatException or Newtonsoft.Json.JsonException or RpcResponseFormatException or OverflowException)
        {
            throw new ConnectorSourceException($"{Url} sent a malformed answer: {ex.Message}", fatal: false, ex);
        }
    }

    private Task CallAsync(Func<Task> call, CancellationToken cancellationToken) =>
        CallAsync(async () =>
        {
            await call();
            return true;
        }, cancellationToken);

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _socket?.DisposeAsync() ?? ValueTask.CompletedTask;
}
