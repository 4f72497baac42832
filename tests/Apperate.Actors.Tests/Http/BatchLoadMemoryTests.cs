using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// One batch load of a million CSV rows into its own silo process, so the process's peak working set (VmHWM) reflects
/// only this load.
/// </summary>
public sealed class BatchLoadMemoryTests(ITestOutputHelper output)
{
    private const string Ws = Api.Workspace;
    private const int Rows = 1_000_000;
    private const long MaxGrowthBytes = 300L * 1024 * 1024;

    [Fact]
    public async Task BatchLoad_a_million_csv_rows_in_one_load_with_a_bounded_peak_working_set()
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("VmHWM is read from /proc/<pid>/status");
        // The GC's first-generation budget follows the CPU's cache size (a virtual machine may report hundreds of MB),
        // and the service's server GC keeps one per heap: both fixed here (one workstation heap of 32 MB) so the
        // measured growth is the load's own, the same on every machine. Server GC adds about 140 MB to this peak
        // (README "Configuration").
        await using var silo = new SiloProcess(environment: new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x2000000", ["DOTNET_gcServer"] = "0" });
        await silo.StartAsync();
        var api = silo.Api;
        var id = Api.UniqueId("bl_mem");
        await api.CreateDataset(id, "sym", "d", null, ("sym", "string"), ("d", "string:date"), ("v", "integer"), ("s", "string"));

        // Warm the load path up (JIT, pools, the dataset's table) so the measured growth is the load's own.
        var warmId = Api.UniqueId("bl_memwarm");
        await api.CreateDataset(warmId, "sym", "d", null, ("sym", "string"), ("d", "string:date"), ("v", "integer"), ("s", "string"));
        var warm = new GeneratedCsv(20_000, i => $"W{i % 100:D2},{GeneratedCsv.Date(i / 100)},{i},w\n", "sym,d,v,s\n", "text/csv");
        (await api.Send(HttpMethod.Post, $"/v1/data/{Ws}/{warmId}", warm)).Expect(200);

        var before = PeakWorkingSet(silo.ProcessId);
        // 1,000 symbols × 1,000 dates: every (key, date) unique.
        var content = new GeneratedCsv(Rows, i => $"M{i % 1000:D3},{GeneratedCsv.Date(i / 1000)},{i},r{i}\n", "sym,d,v,s\n", "text/csv");
        var reply = await api.Send(HttpMethod.Post, $"/v1/data/{Ws}/{id}", content);
        var after = PeakWorkingSet(silo.ProcessId);
        output.WriteLine($"body {content.Length:N0} B; silo VmHWM before {before / 1024:N0} KB, after {after / 1024:N0} KB, growth {(after - before) / 1024:N0} KB");

        reply.Expect(200);
        var json = reply.Json;
        var jobId = json["jobId"]!.GetValue<string>();
        reply.ExpectJson(200, new JsonObject
        {
            ["success"] = true,
            ["message"] = $"Data upload of {content.Length}B for {id} completed, jobId: {jobId} has been created",
            ["jobId"] = jobId,
            ["jobUrl"] = $"/v1/jobs/{Ws}/ingest/{jobId}",
            ["status"] = "ingested",
            ["received"] = Rows,
            ["ingested"] = Rows,
            ["invalid"] = 0,
            ["duplicates"] = 0,
        }.ToJsonString());
        Assert.Equal(Rows, await api.RecordCount(id));

        var job = (await api.Get($"/v1/jobs/{Ws}/ingest/{jobId}")).Expect(200).Json;
        Assert.Equal("ingested", job["status"]!.GetValue<string>());
        Assert.Equal(Rows, job["ingested"]!.GetValue<long>());
        Assert.Equal(content.Length, job["bytes"]!.GetValue<long>());

        foreach (var i in new[] { 0, 999, 1000, 543_210, Rows - 1 })
        {
            var rows = await api.Data($"{id}/M{i % 1000:D3}?on={GeneratedCsv.Date(i / 1000)}");
            var expected = JsonNode.Parse($$"""[{"sym":"M{{i % 1000:D3}}","d":"{{GeneratedCsv.Date(i / 1000)}}","v":{{i.ToString(CultureInfo.InvariantCulture)}},"s":"r{{i}}"}]""");
            Assert.True(JsonNode.DeepEquals(expected, rows), $"row {i}: expected {expected!.ToJsonString()}, got {rows.ToJsonString()}");
        }

        Assert.True(after - before < MaxGrowthBytes,
            $"The silo's peak working set grew by {(after - before) / (1024 * 1024)} MB during the load of {Rows:N0} rows ({content.Length:N0} B), not under {MaxGrowthBytes / (1024 * 1024)} MB (VmHWM {before / 1024:N0} KB → {after / 1024:N0} KB).");
    }

    /// <summary>VmHWM of <paramref name="pid"/> in bytes.</summary>
    private static long PeakWorkingSet(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var parts = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1] == "kB") return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            throw new FormatException($"Unexpected VmHWM line in /proc/{pid}/status: {line}");
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no VmHWM line");
    }
}
