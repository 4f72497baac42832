using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Apperate.Actors.Bench;

/// <summary>The count check at the end of a scenario: what the service acknowledged against what it stored.</summary>
public sealed record Verification(long Acknowledged, long Stored, bool Matched, double WaitedSeconds);

/// <summary>Control-plane calls to the service under test (dataset creation, stored counts).</summary>
public sealed class ServiceClient(HttpClient http, string workspace)
{
    public string Workspace => workspace;

    public async Task CreateDatasetAsync(string datasetId)
    {
        using var content = new StringContent(Payloads.CreateBody(datasetId), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync($"/v1/datasets/{workspace}", content);
        if ((int)response.StatusCode != 201)
            throw new InvalidOperationException($"POST /v1/datasets/{workspace} ({datasetId}) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// <c>POST /v1/rules/create</c> with <paramref name="body"/>; returns the rule's id and the secret of its first output
    /// (a webhook's generated <c>whsec_…</c>, returned only here), or null when that output has none.
    /// </summary>
    public async Task<(string Id, string? Secret)> CreateRuleAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v1/rules/create", content);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 200)
        {
            var hint = text.Contains("AllowedWebhookHosts", StringComparison.Ordinal) || text.Contains("loopback", StringComparison.OrdinalIgnoreCase)
                ? " (the rules group's receiver is on 127.0.0.1: start the service with --Apperate:Rules:AllowedWebhookHosts:0=127.0.0.1, as bench/run.sh does)"
                : "";
            throw new InvalidOperationException($"POST /v1/rules/create answered {(int)response.StatusCode}: {text}{hint}");
        }
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        string? secret = null;
        if (root.TryGetProperty("outputs", out var outputs) && outputs.GetArrayLength() > 0 && outputs[0].TryGetProperty("secret", out var s)) secret = s.GetString();
        return (root.GetProperty("id").GetString()!, secret);
    }

    /// <summary><c>records</c> of <c>GET /v1/datasets/:ws/:id</c>.</summary>
    public async Task<long> CountAsync(string datasetId)
    {
        using var response = await http.GetAsync($"/v1/datasets/{workspace}/{datasetId}");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /v1/datasets/{workspace}/{datasetId} answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("records").GetInt64();
    }

    /// <summary>Polls the stored count until it reaches <paramref name="acknowledged"/> (async writes land shortly after the answer) or the timeout passes.</summary>
    public async Task<Verification> VerifyAsync(string datasetId, long acknowledged, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stored = await CountAsync(datasetId);
            if (stored >= acknowledged || clock.Elapsed >= timeout)
                return new Verification(acknowledged, stored, stored == acknowledged, clock.Elapsed.TotalSeconds);
            await Task.Delay(stored == 0 ? 50 : 200);
        }
    }

    /// <summary>
    /// The two passes of a finished batch-load job from <c>GET /v1/jobs/:ws/ingest/:jobId</c>: validating (from the
    /// job's creation to its first processing report: upload, parse, check, spool) and processing (from there to the
    /// end: parse again, build rows, commit), in seconds.
    /// </summary>
    public async Task<(double Validating, double Processing)> JobPassesAsync(string jobId)
    {
        using var response = await http.GetAsync($"/v1/jobs/{workspace}/ingest/{jobId}");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /v1/jobs/{workspace}/ingest/{jobId} answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        var job = document.RootElement;
        var created = job.GetProperty("created").GetInt64();
        var started = job.GetProperty("started").GetInt64();
        var finished = job.GetProperty("finished").GetInt64();
        return ((started - created) / 1000.0, (finished - started) / 1000.0);
    }

    /// <summary>Uploads a file to <c>POST /v1/data/:ws/:id</c> (synchronous job) and returns the answer and the elapsed time.</summary>
    public async Task<(int Status, JsonElement? Body, string Text, double Seconds)> LoadFileAsync(string path, string datasetId, string contentType)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var content = new StreamContent(file, 1 << 16);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.ContentLength = file.Length;
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync($"/v1/data/{workspace}/{datasetId}", content);
        var text = await response.Content.ReadAsStringAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        JsonElement? body = null;
        try
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
        }
        return ((int)response.StatusCode, body, text, seconds);
    }
}
