using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>
/// The ETHEREUM <c>logs</c> stream against a real anvil node: contracts that emit ERC-20 style events, decoded with an
/// event ABI, filtered by address, and kept to the canonical chain across a reorg.
/// </summary>
public sealed class EthereumLogsTests(EthereumFixture fixture) : IClassFixture<EthereumFixture>
{
    private const string TransferTopic = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
    private const string ApprovalTopic = "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925";
    private const string TransferAbi = "Transfer(address indexed from, address indexed to, uint256 value)";

    private Api Api => fixture.Silo.Api;
    private AnvilServer Anvil => fixture.Anvil;

    private Task<string> DeployEmitterAsync(string topic) => Anvil.DeployEmitterAsync(topic);

    /// <summary>Calls the emitter: an event from <paramref name="from"/> to <paramref name="to"/> of <paramref name="value"/>; returns the block.</summary>
    private async Task<long> EmitAsync(string contract, string from, string to, BigInteger value) =>
        await Anvil.BlockOfAsync(await Anvil.EmitAsync(contract, from, to, value));

    private static JsonObject Config(string url, long startBlock, string address) => new()
    {
        ["url"] = url,
        ["startBlock"] = startBlock,
        ["pollIntervalMs"] = 100,
        ["address"] = address,
        ["abi"] = TransferAbi,
    };

    [Fact]
    public async Task Transfers_and_approvals_arrive_decoded_with_exact_values_and_other_contracts_are_left_out()
    {
        var accounts = Anvil.Accounts;
        var token = await DeployEmitterAsync(TransferTopic);
        var approvals = await DeployEmitterAsync(ApprovalTopic);
        var start = await Anvil.BlockNumberAsync() + 1;
        var big = BigInteger.Parse("1234567890123456789012345", CultureInfo.InvariantCulture);
        var first = await EmitAsync(token, accounts[1], accounts[2], 5);
        await EmitAsync(approvals, accounts[1], accounts[2], 7);

        var ds = Api.UniqueId("ETH_LOGS");
        var name = ConnectorApi.UniqueName("LOGS");
        var received = await Api.StartConnector(name, "ETHEREUM", ds, Config(Anvil.HttpUrl, start, token), "logs", fixture.Diagnostics);
        Assert.Equal(["blocks", "transactions", "logs"], received["streams"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));

        var second = await EmitAsync(token, accounts[3], accounts[4], big);
        var rows = await Api.WaitForRows($"{ds}/{token}?last=10", r => r.Count == 2, "the two transfers", fixture.Diagnostics);
        var byBlock = rows.ToDictionary(r => r!["blockNumber"]!.GetValue<long>(), r => r!);
        Assert.Equal(accounts[1], byBlock[first]["from"]!.GetValue<string>());
        Assert.Equal(accounts[2], byBlock[first]["to"]!.GetValue<string>());
        Assert.Equal("5", byBlock[first]["value"]!.GetValue<string>());
        Assert.Equal("1234567890123456789012345", byBlock[second]["value"]!.GetValue<string>());
        Assert.Equal(accounts[3], byBlock[second]["from"]!.GetValue<string>());
        Assert.Equal(token, byBlock[second]["address"]!.GetValue<string>());
        Assert.Equal("0x" + TransferTopic, byBlock[second]["topic0"]!.GetValue<string>());
        Assert.Matches("^0x[0-9a-f]{64}:0$", byBlock[second]["logId"]!.GetValue<string>());
        var block = await Anvil.BlockAsync(second);
        Assert.Equal(block["hash"]!.GetValue<string>(), byBlock[second]["blockHash"]!.GetValue<string>());
        // The event's parameters are columns: uint256 as exact decimal text.
        var schema = (await Api.Get($"/v1/datasets/{Api.Workspace}/{ds}")).Expect(200).Json["schema"]!["properties"]!;
        Assert.Equal("string", schema["value"]!["type"]!.GetValue<string>());
        Assert.Equal("integer", schema["blockNumber"]!["type"]!.GetValue<string>());
        // Only the token's logs: the other contract's events are not in the dataset.
        Assert.Empty(await Api.Data($"{ds}/{approvals}?last=10"));
        Assert.Equal(2, (await Api.Data($"{ds}?last=100")).Count);
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);

        // The approvals, through a connector of their own with the event as a JSON ABI fragment.
        var approvalsDs = Api.UniqueId("ETH_APPROVALS");
        var approvalsName = ConnectorApi.UniqueName("APPR");
        var approvalConfig = Config(Anvil.HttpUrl, start, approvals);
        approvalConfig["abi"] = JsonNode.Parse("""{"type":"event","name":"Approval","inputs":[{"name":"owner","type":"address","indexed":true},{"name":"spender","type":"address","indexed":true},{"name":"value","type":"uint256"}]}""");
        await Api.StartConnector(approvalsName, "ETHEREUM", approvalsDs, approvalConfig, "logs", fixture.Diagnostics);
        var approved = Assert.Single(await Api.WaitForRows($"{approvalsDs}/{approvals}?last=10", r => r.Count == 1, "the approval", fixture.Diagnostics))!;
        Assert.Equal(accounts[1], approved["owner"]!.GetValue<string>());
        Assert.Equal(accounts[2], approved["spender"]!.GetValue<string>());
        Assert.Equal("7", approved["value"]!.GetValue<string>());
        Assert.Equal("0x" + ApprovalTopic, approved["topic0"]!.GetValue<string>());
        (await Api.Put($"/v1/connectors/connector/{approvalsName}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_reorg_leaves_exactly_the_canonical_chains_logs()
    {
        var accounts = Anvil.Accounts;
        var token = await DeployEmitterAsync(TransferTopic);
        var start = await Anvil.BlockNumberAsync() + 1;
        var ds = Api.UniqueId("ETH_LOGS_REORG");
        var name = ConnectorApi.UniqueName("RLOGS");
        await Api.StartConnector(name, "ETHEREUM", ds, Config(Anvil.HttpUrl, start, token), "logs", fixture.Diagnostics, wait: false);

        await EmitAsync(token, accounts[5], accounts[6], 1);
        await EmitAsync(token, accounts[5], accounts[6], 2);
        var orphanedBlock = await EmitAsync(token, accounts[5], accounts[6], 3);
        await Api.WaitForRows($"{ds}/{token}?last=10", r => r.Count == 3, "three transfers", fixture.Diagnostics);

        // The last two blocks are replaced by empty ones; one more block lets a connector at the head notice.
        await Anvil.RpcAsync("anvil_reorg", 2, new JsonArray());
        await Anvil.MineAsync();
        var kept = await EmitAsync(token, accounts[7], accounts[6], 4);
        var rows = await Api.WaitForRows($"{ds}/{token}?last=10",
            r => r.Select(t => t!["value"]!.GetValue<string>()).Order().SequenceEqual(["1", "4"]),
            "the orphaned transfers to be gone and the new one stored", fixture.Diagnostics);
        foreach (var row in rows)
        {
            var number = row!["blockNumber"]!.GetValue<long>();
            Assert.Equal((await Anvil.BlockAsync(number))["hash"]!.GetValue<string>(), row["blockHash"]!.GetValue<string>());
        }
        Assert.Contains(rows, r => r!["blockNumber"]!.GetValue<long>() == kept);
        Assert.DoesNotContain(rows, r => r!["blockNumber"]!.GetValue<long>() == orphanedBlock && r["value"]!.GetValue<string>() == "3");
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task Ranges_the_node_refuses_as_too_many_logs_are_halved_until_it_answers()
    {
        var accounts = Anvil.Accounts;
        var token = await DeployEmitterAsync(TransferTopic);
        var start = await Anvil.BlockNumberAsync() + 1;
        for (var i = 1; i <= 12; i++) await EmitAsync(token, accounts[1], accounts[9], i);
        await using var node = new LimitingRpcProxy(Anvil.HttpUrl, maxLogBlocks: 4);
        var ds = Api.UniqueId("ETH_LOGS_LIMIT");
        var name = ConnectorApi.UniqueName("LLOGS");
        await Api.StartConnector(name, "ETHEREUM", ds, Config(node.Url, start, token), "logs", fixture.Diagnostics);
        var rows = await Api.WaitForRows($"{ds}/{token}?last=100", r => r.Count == 12, "the 12 transfers through a node that answers at most 4 blocks", fixture.Diagnostics);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(), rows.Select(r => r!["value"]!.GetValue<string>()).Order());
        var ranges = node.Ranges;
        Assert.Contains(ranges, r => r.Refused);
        Assert.All(ranges.Where(r => !r.Refused), r => Assert.InRange(r.To - r.From + 1, 1, 4));
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_kill_9_while_reading_resumes_with_no_gap_and_no_duplicate()
    {
        var accounts = Anvil.Accounts;
        var token = await DeployEmitterAsync(TransferTopic);
        var start = await Anvil.BlockNumberAsync() + 1;
        for (var i = 1; i <= 20; i++) await EmitAsync(token, accounts[8], accounts[9], i);
        var ds = Api.UniqueId("ETH_LOGS_KILL");
        await using var first = new SiloProcess();
        await first.StartAsync();
        await first.Api.StartConnector("LOGS", "ETHEREUM", ds, Config(Anvil.HttpUrl, start, token), "logs", () => first.Tail(), wait: false);
        await first.Api.WaitForRows($"{ds}/{token}?last=100", r => r.Count > 0, "the first transfers", () => first.Tail());
        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30), "after kill -9");

        // Emitted while the silo is down: read after the restart, with everything before it.
        for (var i = 21; i <= 30; i++) await EmitAsync(token, accounts[8], accounts[9], i);
        await using var second = new SiloProcess(first.DataDirectory, first.Token);
        await second.StartAsync();
        var rows = await second.Api.WaitForRows($"{ds}/{token}?last=100", r => r.Count >= 30, "the 30 transfers", () => second.Tail());
        Assert.Equal(Enumerable.Range(1, 30).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(),
            rows.Select(r => r!["value"]!.GetValue<string>()).Order());
        Assert.Equal(30, await second.Api.RecordCount(ds));
        (await second.Api.Put("/v1/connectors/connector/LOGS", """{"status":"stopped"}""")).Expect(200);
    }

    [Theory]
    [InlineData("abi", "\"Transfer(address indexed from, notatype to)\"", "config.abi")]
    [InlineData("abi", "\"Clash(address indexed address)\"", "config.abi")]
    [InlineData("address", "\"0x1234\"", "config.address")]
    [InlineData("topics", "[\"0xnothex\"]", "config.topics[0]")]
    public async Task A_bad_abi_address_or_topic_is_a_400_naming_the_field(string field, string value, string named)
    {
        var config = new JsonObject { ["url"] = Anvil.HttpUrl, [field] = JsonNode.Parse(value) };
        var body = new JsonObject { ["datasetId"] = Api.UniqueId("ETH_BAD"), ["connectorType"] = "ETHEREUM", ["config"] = config, ["wait"] = true };
        var reply = (await Api.Post($"/v1/connectors/connector/{ConnectorApi.UniqueName("BAD")}", body.ToJsonString())).Expect(400);
        Assert.Contains(named, reply.Body, StringComparison.Ordinal);
    }
}
