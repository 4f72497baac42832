using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Apperate.Actors.Tests.Infrastructure;

/// <summary>
/// An anvil Ethereum node of its own for the tests and the benchmark: 127.0.0.1 on a free port, automining, the standard dev accounts;
/// stopped by process id when disposed.
/// </summary>
public sealed class AnvilServer : IAsyncLifetime
{
    private const string Install = "npm install --prefix tests/.tools @foundry-rs/anvil-linux-amd64@1.7.1";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ServerProcess? _server;
    private long _id;

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>The HTTP JSON-RPC endpoint.</summary>
    public string HttpUrl => $"http://127.0.0.1:{Port}";

    /// <summary>The WebSocket JSON-RPC endpoint.</summary>
    public string WsUrl => $"ws://127.0.0.1:{Port}";

    /// <summary>Recent node output, for failure messages.</summary>
    public string Tail() => _server?.Tail() ?? "";

    /// <summary>The funded dev accounts (<c>eth_accounts</c>).</summary>
    public string[] Accounts { get; private set; } = [];

    /// <summary>The anvil program (<c>APPERATE_ANVIL</c>, the test command's install, or PATH); a clear failure naming the install when missing.</summary>
    public static string Find() => Tools.Find("APPERATE_ANVIL", "anvil", Install,
        Path.Combine(Tools.RepositoryRoot(), "tests", ".tools", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil"));

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var anvil = Find();
        Port = LoopbackPorts.Take(1)[0];
        _server = ServerProcess.Start(anvil, ["--host", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture)]);
        await Eventually.Until(async () =>
        {
            if (!_server.IsRunning) throw new InvalidOperationException($"anvil exited before it was ready:{Environment.NewLine}{_server.Tail()}");
            try
            {
                await RpcAsync("eth_chainId");
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), $"anvil (pid {_server.Id}) to answer on {HttpUrl}");
        Accounts = (await RpcAsync("eth_accounts"))!.AsArray().Select(a => a!.GetValue<string>()).ToArray();
    }

    /// <summary>Calls <paramref name="method"/> and returns its result; a JSON-RPC error throws.</summary>
    public async Task<JsonNode?> RpcAsync(string method, params JsonNode?[] parameters)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = Interlocked.Increment(ref _id), ["method"] = method, ["params"] = new JsonArray(parameters) };
        using var content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(HttpUrl, content);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (answer["error"] is { } error) throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        return answer["result"];
    }

    /// <summary>The head block number.</summary>
    public async Task<long> BlockNumberAsync() => Quantity((await RpcAsync("eth_blockNumber"))!.GetValue<string>());

    /// <summary>Mines one empty block.</summary>
    public Task MineAsync() => RpcAsync("evm_mine");

    /// <summary>Mines <paramref name="blocks"/> empty blocks at once (<c>anvil_mine</c>).</summary>
    public Task MineAsync(long blocks) => RpcAsync("anvil_mine", "0x" + blocks.ToString("x", CultureInfo.InvariantCulture));

    /// <summary>The block at <paramref name="number"/> (with full transactions).</summary>
    public async Task<JsonObject> BlockAsync(long number) =>
        (await RpcAsync("eth_getBlockByNumber", "0x" + number.ToString("x", CultureInfo.InvariantCulture), true))!.AsObject();

    /// <summary>Sends <paramref name="wei"/> from one dev account to another (automining puts it in its own block); returns the tx hash.</summary>
    public async Task<string> SendAsync(string from, string to, BigInteger wei) =>
        (await RpcAsync("eth_sendTransaction", new JsonObject { ["from"] = from, ["to"] = to, ["value"] = "0x" + wei.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0') }))!.GetValue<string>();

    /// <summary>The receipt of a transaction, once it is mined.</summary>
    public async Task<JsonObject> ReceiptAsync(string hash)
    {
        JsonNode? receipt = null;
        await Eventually.Until(async () => (receipt = await RpcAsync("eth_getTransactionReceipt", hash)) is JsonObject, TimeSpan.FromSeconds(10),
            $"transaction {hash} to be mined");
        return receipt!.AsObject();
    }

    /// <summary>The block number a transaction was mined in.</summary>
    public async Task<long> BlockOfAsync(string hash) => Quantity((await ReceiptAsync(hash))["blockNumber"]!.GetValue<string>());

    /// <summary>
    /// Deploys a contract whose every call emits one event with <paramref name="topic"/> (64 hex digits) as its first
    /// topic: topic1 = the caller, topic2 = the call's first 32-byte word, data = its second word — an ERC-20 style
    /// <c>Transfer(from, to, value)</c> or <c>Approval(owner, spender, value)</c>. Returns its address (lower case).
    /// </summary>
    /// <remarks>
    /// Runtime code (49 bytes): PUSH1 0x20 CALLDATALOAD PUSH1 0 MSTORE PUSH1 0 CALLDATALOAD CALLER PUSH32 topic
    /// PUSH1 0x20 PUSH1 0 LOG3 STOP; the creation code copies it out and returns it: PUSH1 0x31 DUP1 PUSH1 0x0b PUSH1 0
    /// CODECOPY PUSH1 0 RETURN.
    /// </remarks>
    public async Task<string> DeployEmitterAsync(string topic)
    {
        var runtime = "60203560005260003533" + "7f" + topic + "60206000a300";
        var creation = "0x6031" + "80" + "600b" + "6000" + "39" + "6000" + "f3" + runtime;
        var hash = (await RpcAsync("eth_sendTransaction", new JsonObject { ["from"] = Accounts[0], ["data"] = creation, ["gas"] = "0x100000" }))!.GetValue<string>();
        return (await ReceiptAsync(hash))["contractAddress"]!.GetValue<string>().ToLowerInvariant();
    }

    /// <summary>Calls an emitter from <paramref name="from"/>: an event to <paramref name="to"/> of <paramref name="value"/>; returns the transaction hash.</summary>
    public async Task<string> EmitAsync(string contract, string from, string to, BigInteger value)
    {
        var data = "0x" + to[2..].PadLeft(64, '0') + value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0').PadLeft(64, '0');
        return (await RpcAsync("eth_sendTransaction", new JsonObject { ["from"] = from, ["to"] = contract, ["data"] = data, ["gas"] = "0x100000" }))!.GetValue<string>();
    }

    /// <summary>Decodes a quantity.</summary>
    public static long Quantity(string hex) => long.Parse(hex.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _http.Dispose();
    }
}
