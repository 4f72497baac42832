using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Bench;

/// <summary>
/// The <c>ethereum</c> group: how fast the ETHEREUM connector backfills the <c>blocks</c> stream (blocks/s) and the
/// <c>logs</c> stream (events/s) from a real anvil node on loopback. See bench/README.md, "The ethereum group".
/// </summary>
internal sealed partial class Bench
{
    private async Task EthereumGroupAsync()
    {
        try
        {
            AnvilServer.Find();
        }
        catch (InvalidOperationException ex) when (o.Only is null)
        {
            // A run of every group on a machine without anvil: say so, as the cluster part does without mariadbd.
            _report.Notes.Add($"The ethereum group did not run: {ex.Message}");
            return;
        }
        await using var anvil = new AnvilServer();
        await anvil.InitializeAsync();
        // Logs first: anvil mines ever slower as its chain grows, and the blocks scenario mines thousands.
        await EthereumLogsScenarioAsync(anvil);
        await EthereumBlocksScenarioAsync(anvil);
    }

    private async Task EthereumBlocksScenarioAsync(AnvilServer anvil)
    {
        var blocks = o.Smoke ? 200 : 5_000;
        var s = new ScenarioReport { Id = "ethereum-blocks-backfill", Title = $"13. ETHEREUM blocks backfill, {blocks:N0} blocks from anvil", Concurrency = 1 };
        _report.Scenarios.Add(s);
        try
        {
            // Empty blocks: what is measured is the connector's path per block (RPC, decode, write), not the node's work.
            // anvil mines a long run ever slower (5,000 at once: 20 s, the next 5,000: 50 s), so in runs of 1,000.
            var first = await anvil.BlockNumberAsync() + 1;
            for (var mined = 0; mined < blocks; mined += 1_000) await anvil.MineAsync(Math.Min(1_000, blocks - mined));
            var head = await anvil.BlockNumberAsync();

            var ds = DatasetId("ETHBLOCKS");
            var name = "bench-eth-" + _suffix.ToLowerInvariant();
            var config = new { url = anvil.HttpUrl, startBlock = first, confirmations = 0, pollIntervalMs = 200 };
            var expected = head - first + 1;
            await BackfillAsync(s, name, ds, config, "blocks", expected);
            s.Load = $"anvil on loopback: blocks {first}…{head} mined empty with anvil_mine, read from startBlock {first}; the clock runs from status=running until GET /v1/datasets counts every block";
            s.Payload = "one record per block: number, timestamp, hash, parentHash, miner, gas, base fee, difficulty, size, transaction count";
            s.Notes.Add($"{expected:N0} blocks in {s.Seconds:F2} s = {s.RecordsPerSecond:N0} blocks/s (one eth_getBlockByNumber(n, true) call over HTTP per block, 8 in flight, 100 blocks per batch)");
            Log($"{s.Id}: {expected:N0} blocks in {s.Seconds:F2} s = {s.RecordsPerSecond:N0} blocks/s");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
    }

    private async Task EthereumLogsScenarioAsync(AnvilServer anvil)
    {
        var events = o.Smoke ? 50 : 1_000;
        var s = new ScenarioReport { Id = "ethereum-logs-backfill", Title = $"14. ETHEREUM logs backfill, {events:N0} Transfer events from anvil", Concurrency = 1 };
        _report.Scenarios.Add(s);
        try
        {
            // One emitter contract; each call is one transaction (one block, anvil mining on demand) with one Transfer log.
            var token = await anvil.DeployEmitterAsync("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
            var start = await anvil.BlockNumberAsync() + 1;
            var accounts = anvil.Accounts;
            // Five senders, each one transaction at a time (a sender's transactions in flight together would share a nonce).
            var last = await Task.WhenAll(Enumerable.Range(0, 5).Select(async sender =>
            {
                var hash = "";
                for (var k = sender; k < events; k += 5) hash = await anvil.EmitAsync(token, accounts[1 + sender], accounts[9], k + 1);
                return hash;
            }));
            foreach (var hash in last) await anvil.ReceiptAsync(hash);
            var head = await anvil.BlockNumberAsync();

            var ds = DatasetId("ETHLOGS");
            var name = "bench-logs-" + _suffix.ToLowerInvariant();
            var config = new { url = anvil.HttpUrl, startBlock = start, address = token, abi = "Transfer(address indexed from, address indexed to, uint256 value)", pollIntervalMs = 200 };
            await BackfillAsync(s, name, ds, config, "logs", events);
            s.Load = $"anvil on loopback: {events:N0} Transfer events of one contract in blocks {start}…{head} (five senders, each transaction mined on arrival); the clock runs from status=running until GET /v1/datasets counts every log";
            s.Payload = "one record per log: address, logId, timestamp, block/tx/log positions, topics, data, and the decoded from, to and value (exact decimal text)";
            s.Notes.Add($"{events:N0} logs in {s.Seconds:F2} s = {s.RecordsPerSecond:N0} events/s (eth_getLogs over ranges of up to 2,000 blocks, a header read per block with logs for its date and hash)");
            Log($"{s.Id}: {events:N0} logs in {s.Seconds:F2} s = {s.RecordsPerSecond:N0} events/s");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
    }

    /// <summary>
    /// Creates an ETHEREUM connector on <paramref name="stream"/> into <paramref name="ds"/>, starts it and times it until
    /// the dataset holds <paramref name="expected"/> records; fills the scenario's rate, CPU, memory and request.
    /// </summary>
    private async Task BackfillAsync(ScenarioReport s, string name, string ds, object config, string stream, long expected)
    {
        s.DatasetId = ds;
        using var http = LoadRunner.Client(o.Url!, 1, o.Token);
        await Send(http, HttpMethod.Post, $"/v1/connectors/connector/{name}", new { datasetId = ds, connectorType = "ETHEREUM", config, wait = true });
        await WaitUntil(async () => (await Connector(http, name)).GetProperty("state").GetProperty("status").GetString() == "received", TimeSpan.FromSeconds(60), "the connector's streams");
        await Send(http, HttpMethod.Put, $"/v1/connectors/connector/{name}", new { selectedStream = stream });

        var clock = Stopwatch.StartNew();
        var sample = _cpu.Sample();
        await Send(http, HttpMethod.Put, $"/v1/connectors/connector/{name}", new { status = "running" });
        await WaitUntil(async () => await _service.CountAsync(ds) >= expected, TimeSpan.FromMinutes(5), $"{expected:N0} {stream} records in {ds}");
        s.Seconds = clock.Elapsed.TotalSeconds;
        s.Cpu = _cpu.Since(sample);
        s.Memory = _cpu.Memory();
        await Send(http, HttpMethod.Put, $"/v1/connectors/connector/{name}", new { status = "stopped" });
        s.Records = expected;
        s.RecordsPerSecond = expected / s.Seconds;
        s.Request = $"POST /v1/connectors/connector/{name} {{\"datasetId\":\"{ds}\",\"connectorType\":\"ETHEREUM\",\"config\":{JsonSerializer.Serialize(config)},\"wait\":true}}, then PUT selectedStream={stream} and status=running";
    }

    private static async Task Send(HttpClient http, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> Connector(HttpClient http, string name)
    {
        using var response = await http.GetAsync($"/v1/connectors/connector/{name}");
        response.EnsureSuccessStatusCode();
        // Apperate's shape: an array holding the one connector.
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement[0].Clone();
    }

    private static Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what) => Eventually.Until(condition, timeout, what);
}
