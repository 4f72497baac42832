using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Bench;

/// <summary>
/// The <c>ethereum</c> group: how fast the ETHEREUM connector backfills the <c>blocks</c> stream from a real anvil node
/// on loopback (blocks/s from <c>startBlock</c> 0 to the head). See bench/README.md, "The ethereum group".
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
        var blocks = o.Smoke ? 200 : 5_000;
        var s = new ScenarioReport { Id = "ethereum-blocks-backfill", Title = $"13. ETHEREUM blocks backfill, {blocks:N0} blocks from anvil", Concurrency = 1 };
        _report.Scenarios.Add(s);
        try
        {
            await using var anvil = new AnvilServer();
            await anvil.InitializeAsync();
            // Empty blocks: what is measured is the connector's path per block (RPC, decode, write), not the node's work.
            // anvil mines a long run ever slower (5,000 at once: 20 s, the next 5,000: 50 s), so in runs of 1,000.
            for (var mined = 0; mined < blocks; mined += 1_000) await anvil.MineAsync(Math.Min(1_000, blocks - mined));
            var head = await anvil.BlockNumberAsync();

            var ds = DatasetId("ETHBLOCKS");
            var name = "bench-eth-" + _suffix.ToLowerInvariant();
            s.DatasetId = ds;
            using var http = LoadRunner.Client(o.Url!, 1, o.Token);
            var config = new { url = anvil.HttpUrl, startBlock = 0, confirmations = 0, pollIntervalMs = 200 };
            await Send(http, HttpMethod.Post, $"/v1/connectors/connector/{name}", new { datasetId = ds, connectorType = "ETHEREUM", config, wait = true });
            await WaitUntil(async () => (await Connector(http, name)).GetProperty("state").GetProperty("status").GetString() == "received", TimeSpan.FromSeconds(60), "the connector's streams");
            await Send(http, HttpMethod.Put, $"/v1/connectors/connector/{name}", new { selectedStream = "blocks" });

            var clock = Stopwatch.StartNew();
            var sample = _cpu.Sample();
            await Send(http, HttpMethod.Put, $"/v1/connectors/connector/{name}", new { status = "running" });
            var expected = head + 1;
            await WaitUntil(async () => await _service.CountAsync(ds) >= expected, TimeSpan.FromMinutes(5), $"{expected:N0} blocks in {ds}");
            var seconds = clock.Elapsed.TotalSeconds;
            s.Cpu = _cpu.Since(sample);
            s.Memory = _cpu.Memory();
            await Send(http, HttpMethod.Put, $"/v1/connectors/connector/{name}", new { status = "stopped" });

            s.Seconds = seconds;
            s.Records = expected;
            s.RecordsPerSecond = expected / seconds;
            s.Request = $"POST /v1/connectors/connector/{name} {{\"datasetId\":\"{ds}\",\"connectorType\":\"ETHEREUM\",\"config\":{JsonSerializer.Serialize(config)},\"wait\":true}}, then PUT selectedStream=blocks and status=running";
            s.Load = $"anvil on loopback with {expected:N0} blocks (blocks 1…{head} mined empty with anvil_mine); the clock runs from status=running until GET /v1/datasets counts every block";
            s.Payload = "one record per block: number, timestamp, hash, parentHash, miner, gas, base fee, difficulty, size, transaction count";
            s.Notes.Add($"{expected:N0} blocks in {seconds:F2} s = {s.RecordsPerSecond:N0} blocks/s (each block one eth_getBlockByNumber(n, true) call over HTTP, 100 blocks per batch)");
            Log($"{s.Id}: {expected:N0} blocks in {seconds:F2} s = {s.RecordsPerSecond:N0} blocks/s");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
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
