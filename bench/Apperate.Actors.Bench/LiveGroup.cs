using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Apperate.Actors.Bench;

/// <summary>
/// The <c>live</c> group: commit → subscriber latency with 100 live subscribers (server-sent events), batched write
/// throughput with 1,000 subscribers connected against the same load without them, and the service's memory per idle
/// subscriber. See bench/README.md, "The live group".
/// </summary>
internal sealed partial class Bench
{
    // Targets of live subscriptions (the brief of the live group; bench/README.md).
    private const double LiveP99Target = 50, LiveShareTarget = 0.90, LiveKibPerIdleTarget = 64;

    private const string LiveBaselineId = "live-batch-0-subscribers";

    private async Task LiveGroupAsync()
    {
        // Memory first, while the service is quiet: a load run before leaves garbage whose collection hides what connections cost.
        if (o.RunsPart("live", "batch")) await LiveIdleScenarioAsync();
        if (o.RunsPart("live", "latency")) await LiveLatencyScenarioAsync();
        if (o.RunsPart("live", "batch")) await LiveBatchScenariosAsync();
    }

    // ---- memory per idle subscriber -------------------------------------------------------------------------------

    private async Task LiveIdleScenarioAsync()
    {
        var subscribers = o.Smoke ? 50 : 1_000;
        var settle = TimeSpan.FromSeconds(o.Smoke ? 0.2 : 3);
        var s = new ScenarioReport { Id = "live-idle-1000", Title = $"10. memory of {subscribers:N0} idle SSE subscribers", Concurrency = subscribers };
        _report.Scenarios.Add(s);
        try
        {
            var ds = DatasetId("LIVEIDLE");
            s.DatasetId = ds;
            await _service.CreateDatasetAsync(ds);
            // The service settles (no load for a few seconds) before each reading of its memory.
            await Task.Delay(settle);
            var before = _cpu.Memory();
            var clock = Stopwatch.StartNew();
            await using var followers = await LiveFollowers.OpenAsync(o.Url!, o.Token, k => $"/v1/sse/{Ws}/{ds}?nosnapshot=true&symbols=X{k}", subscribers, new LiveSink(subscribers, 1));
            s.Seconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(settle);
            var after = _cpu.Memory();
            s.Request = $"GET /v1/sse/{Ws}/{ds}?nosnapshot=true&symbols=X{{k}}  Authorization: Bearer $TOKEN  (subscriber k, k = 0…{subscribers - 1})";
            s.Load = $"{subscribers:N0} subscribers on {subscribers:N0} HTTP/1.1 connections, opened 50 at a time, each waiting for its first frame; the service's RSS read {settle.TotalSeconds:0.#} s before and {settle.TotalSeconds:0.#} s after";
            s.Payload = "none: the subscribers follow keys nobody writes";
            s.Memory = after;
            if (before is { } b && after is { } a)
            {
                var kib = (a.RssMiB - b.RssMiB) * 1024 / subscribers;
                s.Notes.Add($"service RSS {b.RssMiB:N1} MiB before the subscribers connected, {a.RssMiB:N1} MiB with them: {kib:N1} KiB each (connected in {followers.ConnectSeconds:F1} s; " +
                            "RSS also moves with the garbage collector, so a few MiB either way are noise)");
                s.Targets.Add(new TargetCheck($"≤ {LiveKibPerIdleTarget} KB of service memory per idle subscriber", $"{kib:N1} KiB", kib <= LiveKibPerIdleTarget));
                Log($"{s.Id}: RSS {b.RssMiB:N1} → {a.RssMiB:N1} MiB for {subscribers:N0} subscribers = {kib:N1} KiB each");
            }
            else
            {
                s.Error = "the service's memory could not be read (--silo-pid)";
            }
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
    }

    // ---- commit → subscriber latency ---------------------------------------------------------------------------

    private async Task LiveLatencyScenarioAsync()
    {
        var subscribers = o.Smoke ? 10 : 100;
        var rate = o.Smoke ? 200 : 1_000;
        var senders = Math.Max(1, (int)Math.Round(rate * EventInterval.TotalSeconds));
        var interval = TimeSpan.FromSeconds((double)senders / rate);
        var s = new ScenarioReport { Id = "live-latency-1k", Title = $"9. commit → subscriber, {rate:N0} records/s paced, {subscribers:N0} SSE subscribers", Concurrency = senders };
        _report.Scenarios.Add(s);
        try
        {
            var ds = DatasetId("LIVE1K");
            s.DatasetId = ds;
            await _service.CreateDatasetAsync(ds);
            var capacity = senders * ((long)Math.Ceiling(o.Duration / interval) + 2);
            var sink = new LiveSink(subscribers, capacity);
            var ssePath = $"/v1/sse/{Ws}/{ds}?nosnapshot=true";
            await using var followers = await LiveFollowers.OpenAsync(o.Url!, o.Token, ssePath, subscribers, sink);
            Log($"{s.Id}: {subscribers} subscribers connected in {followers.ConnectSeconds:F1} s");

            var path = $"/v1/record/{Ws}/{ds}?wait=true";
            s.Request = $"POST {path}  Authorization: Bearer $TOKEN, Content-Type: application/json  (one record per request; {subscribers} subscribers: GET {ssePath})";
            s.Load = $"{senders} paced senders on {senders} HTTP/1.1 keep-alive connections, each sending one wait=true request every {interval.TotalMilliseconds:0.##} ms (≈ {rate:N0} records/s) for {Duration:0.#} s; " +
                     $"{subscribers} subscribers on {subscribers} more connections, each reading every frame (System.Net.ServerSentEvents.SseParser, the records' dates parsed)";
            s.Payload = "one JSON record object; record n has date 2020-01-01T00:00:00Z + n ms, which names it in the frames";
            s.Example = Payloads.JsonExample(0, 1) + $"\n\n# a subscriber, as curl:\ncurl -N \"$URL{ssePath}\" -H \"Authorization: Bearer $TOKEN\"";

            var rows = new RowCounter();
            var uri = new Uri(path, UriKind.Relative);
            using var http = LoadRunner.Client(o.Url!, senders, o.Token);
            var before = _cpu.Sample();
            var load = await LoadRunner.RunAsync(http, senders, o.Duration, _ => new LiveEventWorker(uri, rows, sink), interval);
            s.Cpu = _cpu.Since(before);
            s.Memory = _cpu.Memory();
            s.Apply(load);
            s.RequestLatency = load.Latency;
            var waited = await WaitForSubscribersAsync(sink, rows.Issued);
            s.Verification = await _service.VerifyAsync(ds, load.Records, o.DrainTimeout);
            var check = sink.Summarize(rows.Issued, out var latency, out var parts);
            s.Latency = latency;
            s.LatencyParts = parts;
            s.LatencyLabel = "write sent → subscriber (a frame carrying the record read by a subscriber − the moment its wait=true write was sent; the commit is inside this span)";
            s.Targets.Add(new TargetCheck($"p99 ≤ {LiveP99Target} ms", $"{latency.P99Ms:0.0} ms", latency.Count > 0 && latency.P99Ms <= LiveP99Target));
            s.Targets.Add(new TargetCheck("every acknowledged record reaches every subscriber once", $"{check.Delivered:N0} of {check.Expected:N0} ({check.Missing:N0} missing, {check.Duplicates:N0} twice)", check.Matched));
            s.Notes.Add($"{subscribers} subscribers received {check.Frames:N0} frames; waited {waited:F2} s after the window for the last ones; subscribers that ended early: {followers.Ended}");
            if (s.RecordsPerSecond < rate * 0.95)
                s.Notes.Add($"**the senders issued {s.RecordsPerSecond:N0} records/s, not the {rate:N0} asked** (write answers p99 {load.Latency.P99Ms:0.0} ms)");
            Log($"{s.Id}: {s.RecordsPerSecond:N0} records/s, delivered {check.Delivered:N0}/{check.Expected:N0} (missing {check.Missing:N0}, twice {check.Duplicates:N0}), " +
                $"latency p50 {latency.P50Ms:0.0} p90 {latency.P90Ms:0.0} p99 {latency.P99Ms:0.0} max {latency.MaxMs:0.0} ms; {string.Join("; ", parts.Select(p => $"{p.Key} p50 {p.Value.P50Ms:0.0} p99 {p.Value.P99Ms:0.0}"))}; " +
                $"CPU service {s.Cpu.ServiceCores:F2} bench {s.Cpu.BenchCores:F2}");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
    }

    /// <summary>Waits until every subscriber has every issued record, or none arrived for <see cref="StragglerWait"/>; returns the seconds waited.</summary>
    private async Task<double> WaitForSubscribersAsync(LiveSink sink, long issued)
    {
        var clock = Stopwatch.StartNew();
        var last = sink.Arrivals;
        var progressAt = TimeSpan.Zero;
        while (!sink.Complete(issued) && clock.Elapsed - progressAt < StragglerWait && clock.Elapsed < o.DrainTimeout)
        {
            await Task.Delay(10);
            if (sink.Arrivals != last)
            {
                last = sink.Arrivals;
                progressAt = clock.Elapsed;
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    // ---- batched writes with subscribers connected --------------------------------------------------------------

    private async Task LiveBatchScenariosAsync()
    {
        var subscribers = o.Smoke ? 50 : 1_000;
        var none = new List<double>();
        await BatchBaselineAsync(LiveBaselineId, "LIVE0", "no subscribers, before the run with subscribers", none);
        var s = new ScenarioReport { Id = "live-batch-1000", Title = $"11. async POST /record, 100/request, {subscribers:N0} SSE subscribers connected", Concurrency = o.BatchConcurrency };
        _report.Scenarios.Add(s);
        LiveFollowers? followers = null;
        try
        {
            var run = await RuleBatchLoadAsync("LIVE" + subscribers, async ds =>
            {
                s.DatasetId = ds;
                // Subscribers to keys the load never writes: each commit is offered to the dataset's feed, none gets a record.
                followers = await LiveFollowers.OpenAsync(o.Url!, o.Token, k => $"/v1/sse/{Ws}/{ds}?nosnapshot=true&symbols=X{k}", subscribers, new LiveSink(subscribers, 1));
                Log($"{s.Id}: {subscribers:N0} subscribers connected in {followers.ConnectSeconds:F1} s");
            });
            var path = $"/v1/record/{Ws}/{run.Dataset}";
            s.Request = $"POST {path}  Authorization: Bearer $TOKEN, Content-Type: application/json";
            s.Load = $"{o.BatchConcurrency} concurrent clients, closed loop, {Duration:0.#} s (scenario 2's load), while {subscribers:N0} subscribers stay connected to the same dataset";
            s.Payload = $"a JSON array of {RuleBatchRows} record objects, symbols S0000…S{Payloads.SymbolCount - 1:D4}; subscriber k follows symbol X{{k}}, which no record has: every commit is offered to the dataset's feed, which finds no subscriber for any row";
            ApplyBatchRun(s, run);
            s.Notes.Add($"subscribers that ended during the run: {followers!.Ended} of {subscribers:N0}; frames they received: {followers.Frames:N0} (heartbeats only expected)");
            Log($"{s.Id}: {s.RecordsPerSecond:N0} records/s acknowledged, {run.StoredRate:N0} stored/s, CPU service {run.Cpu.ServiceCores:F2} bench {run.Cpu.BenchCores:F2}; subscribers ended {followers.Ended}");
        }
        catch (Exception ex)
        {
            s.Error = $"{ex.GetType().Name}: {ex.Message}";
            Log($"{s.Id} failed: {ex}");
        }
        finally
        {
            if (followers is not null) await followers.DisposeAsync();
        }
        await BatchBaselineAsync(LiveBaselineId + "-after", "LIVE0AFTER", "no subscribers, after the run with subscribers", none);

        if (none.Count == 0 || s.Error is not null || s.StoredRecordsPerSecond is not { } stored) return;
        var baseline = none.Average();
        var ratio = stored / baseline;
        s.Ratios.Add(new RatioReport("live0", none.Count == 2 ? $"{LiveBaselineId} and {LiveBaselineId}-after (mean)" : LiveBaselineId, "stored records/s", baseline, ratio));
        s.Targets.Add(new TargetCheck($"≥ {LiveShareTarget:P0} of the same load with no subscribers", $"{ratio:P0}", ratio >= LiveShareTarget));
        Log($"{s.Id}: {stored:N0} stored records/s = {ratio:P0} of the no-subscriber rate ({baseline:N0})");
    }
}

/// <summary>
/// When each record was sent and answered, and when each subscriber read it. Rows are record numbers (their dates);
/// arrivals are <see cref="Stopwatch.GetTimestamp"/> of the bench process.
/// </summary>
internal sealed class LiveSink
{
    private readonly long[] _sent;
    private readonly long[] _answered;
    private readonly long[][] _arrived;
    private readonly long[] _delivered;
    private long _duplicates, _outOfRange, _arrivals, _frames;

    public LiveSink(int subscribers, long capacity)
    {
        _sent = new long[capacity];
        _answered = new long[capacity];
        _arrived = [.. Enumerable.Range(0, subscribers).Select(_ => new long[capacity])];
        _delivered = new long[subscribers];
    }

    public long Arrivals => Interlocked.Read(ref _arrivals);

    public void Sent(long row, long timestamp)
    {
        if (row < _sent.Length && _sent[row] == 0) _sent[row] = timestamp;
    }

    public void Answered(long row, long timestamp)
    {
        if (row < _answered.Length) _answered[row] = timestamp;
    }

    public void Frame() => Interlocked.Increment(ref _frames);

    public void Arrived(int subscriber, long row, long timestamp)
    {
        if (row < 0 || row >= _sent.Length)
        {
            Interlocked.Increment(ref _outOfRange);
            return;
        }
        if (_arrived[subscriber][row] != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        _arrived[subscriber][row] = timestamp;
        Interlocked.Increment(ref _delivered[subscriber]);
        Interlocked.Increment(ref _arrivals);
    }

    public bool Complete(long issued)
    {
        var expected = 0L;
        for (var row = 0; row < Math.Min(issued, _sent.Length); row++)
            if (_answered[row] != 0) expected++;
        for (var i = 0; i < _delivered.Length; i++)
            if (Interlocked.Read(ref _delivered[i]) < expected) return false;
        return true;
    }

    public LiveCheck Summarize(long issued, out Latency latency, out Dictionary<string, Latency> parts)
    {
        var total = new List<double>();
        var write = new List<double>();
        var after = new List<double>();
        long expected = 0, delivered = 0;
        var rows = Math.Min(issued, _sent.Length);
        for (var row = 0; row < rows; row++)
        {
            if (_answered[row] == 0) continue; // not acknowledged: not expected
            expected += _arrived.Length;
            write.Add(Ms(_sent[row], _answered[row]));
            foreach (var arrivals in _arrived)
            {
                if (arrivals[row] == 0) continue;
                delivered++;
                total.Add(Ms(_sent[row], arrivals[row]));
                after.Add(Ms(_answered[row], arrivals[row]));
            }
        }
        latency = Latency.Of(total);
        parts = new Dictionary<string, Latency>
        {
            ["write sent → answered (wait=true: after the commit)"] = Latency.Of(write),
            ["write answered → subscriber (negative: the frame came first)"] = Latency.Of(after),
        };
        return new LiveCheck(expected, delivered, expected - delivered, Interlocked.Read(ref _duplicates) + Interlocked.Read(ref _outOfRange), Interlocked.Read(ref _frames));
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}

/// <summary>What the subscribers received against what was acknowledged.</summary>
internal sealed record LiveCheck(long Expected, long Delivered, long Missing, long Duplicates, long Frames)
{
    public bool Matched => Expected > 0 && Missing == 0 && Duplicates == 0;
}

/// <summary>Live subscribers in the bench process: one connection each, every frame read and its records' dates parsed.</summary>
internal sealed class LiveFollowers : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private long _frames;
    private int _ended;

    private LiveFollowers(HttpClient http) => _http = http;

    public double ConnectSeconds { get; private set; }

    public long Frames => Interlocked.Read(ref _frames);

    public int Ended => Volatile.Read(ref _ended);

    public static Task<LiveFollowers> OpenAsync(Uri url, string? token, string path, int count, LiveSink sink) => OpenAsync(url, token, _ => path, count, sink);

    /// <summary>Opens <paramref name="count"/> subscribers (<paramref name="path"/> of each index), 50 at a time; returns once each has read its first frame.</summary>
    public static async Task<LiveFollowers> OpenAsync(Uri url, string? token, Func<int, string> path, int count, LiveSink sink)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = count + 1, UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var http = new HttpClient(handler) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var followers = new LiveFollowers(http);
        var clock = Stopwatch.StartNew();
        var connected = new TaskCompletionSource[count];
        for (var i = 0; i < count; i++) connected[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var start = 0; start < count; start += 50)
        {
            for (var i = start; i < Math.Min(count, start + 50); i++)
            {
                var index = i;
                followers._readers.Add(Task.Run(() => followers.ReadAsync(index, path(index), sink, connected[index])));
            }
            await Task.WhenAll(connected.Skip(start).Take(50).Select(c => c.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        }
        followers.ConnectSeconds = clock.Elapsed.TotalSeconds;
        return followers;
    }

    private async Task ReadAsync(int index, string path, LiveSink sink, TaskCompletionSource connected)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = HttpVersion.Version11 };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            await using var stream = await response.Content.ReadAsStreamAsync(_stop.Token);
            var parser = SseParser.Create(stream, static (type, data) => type == "message" ? data.ToArray() : []);
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                connected.TrySetResult();
                Interlocked.Increment(ref _frames);
                if (item.EventType != "message") continue;
                sink.Frame();
                ReadDates(item.Data, index, sink, now);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            connected.TrySetException(ex);
        }
        finally
        {
            if (!_stop.IsCancellationRequested) Interlocked.Increment(ref _ended);
        }
    }

    /// <summary>Finds every record's <c>date</c> in a frame's JSON array and notes its arrival.</summary>
    private static void ReadDates(byte[] data, int subscriber, LiveSink sink, long timestamp)
    {
        var reader = new Utf8JsonReader(data);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 2 || !reader.ValueTextEquals("date"u8)) continue;
            reader.Read();
            var date = DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
            sink.Arrived(subscriber, Payloads.RowOfDate(date), timestamp);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers);
        _http.Dispose();
        _stop.Dispose();
    }
}

/// <summary>One record per wait=true request; tells the sink when each was sent and answered.</summary>
internal sealed class LiveEventWorker(Uri uri, RowCounter rows, LiveSink sink) : IRequestWorker, IAnswerObserver
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ArrayBufferWriter<byte> _body = new(256);
    private long _row;

    public int Next()
    {
        _row = rows.Take(1);
        Payloads.WriteJsonBody(_body, _row, 1, bareObject: true);
        return 1;
    }

    public HttpRequestMessage Build()
    {
        sink.Sent(_row, Stopwatch.GetTimestamp());
        var content = new ReadOnlyMemoryContent(_body.WrittenMemory);
        content.Headers.ContentType = Json;
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Version = HttpVersion.Version11 };
    }

    public void Answered(long timestamp) => sink.Answered(_row, timestamp);
}
