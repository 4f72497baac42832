using System.Numerics;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>One anvil node and one silo process shared by the ETHEREUM connector tests.</summary>
public sealed class EthereumFixture : IAsyncLifetime
{
    public AnvilServer Anvil { get; } = new();

    public SiloProcess Silo { get; } = new();

    public string Diagnostics() => $"silo:{Environment.NewLine}{Silo.Tail()}{Environment.NewLine}anvil:{Environment.NewLine}{Anvil.Tail()}";

    public async Task InitializeAsync()
    {
        await Anvil.InitializeAsync();
        await Silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Anvil.DisposeAsync();
    }
}

/// <summary>The ETHEREUM connector over HTTP on the real silo, against a real anvil node.</summary>
public sealed class EthereumConnectorTests(EthereumFixture fixture) : IClassFixture<EthereumFixture>
{
    private Api Api => fixture.Silo.Api;
    private AnvilServer Anvil => fixture.Anvil;

    private static JsonObject Config(string url, long? startBlock, int confirmations = 0) => new()
    {
        ["url"] = url,
        ["startBlock"] = startBlock is { } n ? n : "latest",
        ["confirmations"] = confirmations,
        ["pollIntervalMs"] = 100,
    };

    private static long[] Numbers(JsonArray rows, string property = "number") => rows.Select(r => r![property]!.GetValue<long>()).Order().ToArray();

    [Fact]
    public async Task Blocks_and_transactions_sent_from_dev_accounts_arrive_with_exact_values_from_the_start_block()
    {
        var accounts = Anvil.Accounts;
        // Before the start block: must not be read.
        await Anvil.SendAsync(accounts[0], accounts[1], 5);
        var oneEtherAndOneWei = BigInteger.Parse("1000000000000000001");
        var first = await Anvil.SendAsync(accounts[0], accounts[1], oneEtherAndOneWei);
        var start = await Anvil.BlockOfAsync(first);

        var blocks = Api.UniqueId("ETH_BLOCKS");
        var transactions = Api.UniqueId("ETH_TXS");
        var blocksName = ConnectorApi.UniqueName("BLK");
        var txName = ConnectorApi.UniqueName("TXS");
        var received = await Api.StartConnector(blocksName, "ETHEREUM", blocks, Config(Anvil.HttpUrl, start), "blocks", fixture.Diagnostics);
        Assert.Equal(["blocks", "transactions", "logs"], received["streams"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        // The transactions connector listens over WebSocket (eth_subscribe newHeads).
        await Api.StartConnector(txName, "ETHEREUM", transactions, Config(Anvil.WsUrl, start), "transactions", fixture.Diagnostics);

        // Sent while the connectors run: more than 64 bits of wei, and a second sender.
        var big = BigInteger.Parse("1234567890123456789012");
        var second = await Anvil.SendAsync(accounts[2], accounts[3], big);
        var secondBlock = await Anvil.BlockOfAsync(second);

        var txRows = await Api.WaitForRows($"{transactions}/{secondBlock}?last=10", r => r.Count == 1, $"the transaction of block {secondBlock}", fixture.Diagnostics);
        var tx = txRows[0]!;
        var node = (await Anvil.BlockAsync(secondBlock))["transactions"]![0]!;
        Assert.Equal(second, tx["hash"]!.GetValue<string>());
        Assert.Equal("1234567890123456789012", tx["value"]!.GetValue<string>());
        Assert.Equal(accounts[2], tx["from"]!.GetValue<string>());
        Assert.Equal(accounts[3], tx["to"]!.GetValue<string>());
        Assert.Equal(secondBlock, tx["blockNumber"]!.GetValue<long>());
        Assert.Equal(0, tx["transactionIndex"]!.GetValue<long>());
        Assert.Equal(node["blockHash"]!.GetValue<string>(), tx["blockHash"]!.GetValue<string>());
        Assert.Equal(AnvilServer.Quantity(node["gas"]!.GetValue<string>()), tx["gas"]!.GetValue<long>());
        Assert.Equal(BigInteger.Parse(node["gasPrice"]!.GetValue<string>()[2..], System.Globalization.NumberStyles.HexNumber).ToString(), tx["gasPrice"]!.GetValue<string>());
        Assert.Equal(AnvilServer.Quantity(node["nonce"]!.GetValue<string>()), tx["nonce"]!.GetValue<long>());

        var firstRows = await Api.WaitForRows($"{transactions}/{start}?last=10", r => r.Count == 1, $"the transaction of block {start}", fixture.Diagnostics);
        Assert.Equal(first, firstRows[0]!["hash"]!.GetValue<string>());
        Assert.Equal("1000000000000000001", firstRows[0]!["value"]!.GetValue<string>());
        Assert.Equal(accounts[0], firstRows[0]!["from"]!.GetValue<string>());

        // Blocks: exactly start..secondBlock, each with the node's hash, parent and timestamp.
        var blockRows = await Api.WaitForRows($"{blocks}?last=100", r => r.Count > 0 && Numbers(r).Max() >= secondBlock,
            $"blocks up to {secondBlock}", fixture.Diagnostics);
        Assert.Equal(Enumerable.Range((int)start, (int)(secondBlock - start + 1)).Select(n => (long)n), Numbers(blockRows));
        var nodeBlock = await Anvil.BlockAsync(secondBlock);
        var stored = blockRows.Single(r => r!["number"]!.GetValue<long>() == secondBlock)!;
        Assert.Equal(nodeBlock["hash"]!.GetValue<string>(), stored["hash"]!.GetValue<string>());
        Assert.Equal(nodeBlock["parentHash"]!.GetValue<string>(), stored["parentHash"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(AnvilServer.Quantity(nodeBlock["timestamp"]!.GetValue<string>())).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            stored["timestamp"]!.GetValue<string>());
        Assert.Equal(1, stored["transactionCount"]!.GetValue<long>());
        Assert.Equal(AnvilServer.Quantity(nodeBlock["gasUsed"]!.GetValue<string>()), stored["gasUsed"]!.GetValue<long>());
        Assert.Equal(BigInteger.Parse("0" + nodeBlock["baseFeePerGas"]!.GetValue<string>()[2..], System.Globalization.NumberStyles.HexNumber).ToString(), stored["baseFeePerGas"]!.GetValue<string>());

        // Nothing before the start block in either dataset.
        Assert.Empty(await Api.Data($"{transactions}/{start - 1}?last=10"));
        // The stats are saved right after the write the rows came from.
        await Eventually.Until(async () => (await Api.Connector(blocksName))["stats"]!["recordsWritten"]!.GetValue<long>() == secondBlock - start + 1,
            ConnectorApi.Soon, $"the stats to count {secondBlock - start + 1} blocks");
        (await Api.Put($"/v1/connectors/connector/{blocksName}", """{"status":"stopped"}""")).Expect(200);
        (await Api.Put($"/v1/connectors/connector/{txName}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_reorg_replaces_the_orphaned_blocks_and_their_transactions()
    {
        var accounts = Anvil.Accounts;
        var start = await Anvil.BlockNumberAsync() + 1;
        var blocks = Api.UniqueId("ETH_REORG_BLOCKS");
        var transactions = Api.UniqueId("ETH_REORG_TXS");
        var blocksName = ConnectorApi.UniqueName("RBLK");
        var txName = ConnectorApi.UniqueName("RTXS");
        await Api.StartConnector(blocksName, "ETHEREUM", blocks, Config(Anvil.HttpUrl, start), "blocks", fixture.Diagnostics);
        // Written through the async path: the replacement must not race records still on the record stream.
        await Api.StartConnector(txName, "ETHEREUM", transactions, Config(Anvil.HttpUrl, start), "transactions", fixture.Diagnostics, wait: false);

        await Anvil.MineAsync();
        await Anvil.SendAsync(accounts[4], accounts[5], 1_000);
        var orphanedTx = await Anvil.SendAsync(accounts[4], accounts[5], 2_000);
        var head = await Anvil.BlockOfAsync(orphanedTx);
        var before = await Api.WaitForRows($"{blocks}?last=100", r => r.Count == head - start + 1, $"blocks {start}..{head}", fixture.Diagnostics);
        await Api.WaitForRows($"{transactions}/{head}?last=10", r => r.Count == 1, $"the transaction of block {head}", fixture.Diagnostics);
        var oldHashes = before.ToDictionary(r => r!["number"]!.GetValue<long>(), r => r!["hash"]!.GetValue<string>());

        // Replace the last two blocks with empty ones.
        await Anvil.RpcAsync("anvil_reorg", 2, new JsonArray());
        Assert.Equal(head, await Anvil.BlockNumberAsync());
        var newHashes = new Dictionary<long, string>();
        for (var n = start; n <= head; n++) newHashes[n] = (await Anvil.BlockAsync(n))["hash"]!.GetValue<string>();
        Assert.NotEqual(oldHashes[head], newHashes[head]);
        Assert.NotEqual(oldHashes[head - 1], newHashes[head - 1]);
        Assert.Equal(oldHashes[head - 2], newHashes[head - 2]);

        // A new block after the reorg makes even a connector at the head notice it.
        await Anvil.MineAsync();
        var after = await Api.WaitForRows($"{blocks}?last=100",
            r => r.Count > 0 && r.All(b => !newHashes.TryGetValue(b!["number"]!.GetValue<long>(), out var h) || h == b["hash"]!.GetValue<string>()),
            "the orphaned blocks to be replaced", fixture.Diagnostics);
        await Api.WaitForRows($"{blocks}?last=100", r => r.Count == head - start + 2, $"blocks {start}..{head + 1} once each", fixture.Diagnostics);
        after = await Api.Data($"{blocks}?last=100");
        Assert.Equal(Enumerable.Range((int)start, (int)(head - start + 2)).Select(n => (long)n), Numbers(after));
        foreach (var (number, hash) in newHashes)
            Assert.Equal(hash, after.Single(b => b!["number"]!.GetValue<long>() == number)!["hash"]!.GetValue<string>());

        // Transactions of the orphaned blocks are what the node's new blocks hold (the reorg emptied them).
        for (var n = head - 1; n <= head; n++)
        {
            var expected = (await Anvil.BlockAsync(n))["transactions"]!.AsArray().Select(t => t!["hash"]!.GetValue<string>()).ToArray();
            var number = n;
            var rows = await Api.WaitForRows($"{transactions}/{n}?last=10", r => r.Select(t => t!["hash"]!.GetValue<string>()).Order().SequenceEqual(expected.Order()),
                $"the transactions of block {number} to be the new chain's ({expected.Length})", fixture.Diagnostics);
            Assert.All(rows, t => Assert.Equal(newHashes[number], t!["blockHash"]!.GetValue<string>()));
        }
        var all = await Api.Data($"{transactions}?last=100");
        Assert.DoesNotContain(all, t => t!["blockHash"]!.GetValue<string>() == oldHashes[head]);
        Assert.True(all.Count(t => t!["hash"]!.GetValue<string>() == orphanedTx) <= 1, all.ToJsonString());
        (await Api.Put($"/v1/connectors/connector/{blocksName}", """{"status":"stopped"}""")).Expect(200);
        (await Api.Put($"/v1/connectors/connector/{txName}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task Blocks_are_read_only_once_they_have_the_configured_confirmations()
    {
        var start = await Anvil.BlockNumberAsync() + 1;
        var dataset = Api.UniqueId("ETH_CONFIRMED");
        var name = ConnectorApi.UniqueName("CONF");
        await Api.StartConnector(name, "ETHEREUM", dataset, Config(Anvil.HttpUrl, start, confirmations: 2), "blocks", fixture.Diagnostics);
        for (var i = 0; i < 3; i++) await Anvil.MineAsync();
        // Head = start + 2: only the start block has two blocks on top of it. A connector that ignored confirmations
        // would hold four rows after the next block, never exactly two.
        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 1, $"block {start} (two confirmations)", fixture.Diagnostics);
        await Anvil.MineAsync();
        var rows = await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 2, $"block {start + 1}", fixture.Diagnostics);
        Assert.Equal([start, start + 1], Numbers(rows));
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_running_connector_resumes_after_a_silo_restart_without_gaps_or_duplicates()
    {
        var start = await Anvil.BlockNumberAsync() + 1;
        var dataset = Api.UniqueId("ETH_RESTART");
        await using var first = new SiloProcess();
        await first.StartAsync();
        await first.Api.StartConnector("CHAIN", "ETHEREUM", dataset, Config(Anvil.HttpUrl, start), "blocks", () => first.Tail());
        await Anvil.MineAsync();
        await Anvil.MineAsync();
        await first.Api.WaitForRows($"{dataset}?last=100", r => r.Count == 2, "the first two blocks", () => first.Tail());
        Assert.Equal(0, await first.StopGracefullyAsync());

        // Mined while the silo is down: read after the restart.
        await Anvil.MineAsync();
        await Anvil.MineAsync();
        await using var second = new SiloProcess(first.DataDirectory, first.Token);
        await second.StartAsync();
        await Anvil.MineAsync();
        var rows = await second.Api.WaitForRows($"{dataset}?last=100", r => r.Count >= 5, "the five blocks", () => second.Tail());
        Assert.Equal(Enumerable.Range((int)start, 5).Select(n => (long)n), Numbers(rows));
        Assert.Equal(5, await second.Api.RecordCount(dataset));
        var connector = await second.Api.Connector("CHAIN");
        Assert.Equal("running", connector["state"]!["status"]!.GetValue<string>());
        Assert.True(connector["stats"]!["restarts"]!.GetValue<int>() >= 1, connector.ToJsonString());
        (await second.Api.Put("/v1/connectors/connector/CHAIN", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task An_unreachable_node_makes_the_connector_errored_with_the_reason()
    {
        var port = LoopbackPorts.Take(1)[0];
        var name = ConnectorApi.UniqueName("DOWN");
        var body = new JsonObject { ["datasetId"] = Api.UniqueId("ETH_DOWN"), ["connectorType"] = "ETHEREUM", ["config"] = Config($"http://127.0.0.1:{port}", null), ["wait"] = true };
        (await Api.Post($"/v1/connectors/connector/{name}", body.ToJsonString())).Expect(201);
        var errored = await Api.WaitForStatus(name, "errored", fixture.Diagnostics);
        var error = errored["state"]!["error"]!.GetValue<string>();
        Assert.Contains($"127.0.0.1:{port}", error);
        Assert.Contains("refused", error, StringComparison.OrdinalIgnoreCase);
    }
}
