using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Apperate.Actors.Bench;

/// <summary>One client's sequence of requests: <see cref="Next"/> moves on to new records, <see cref="Build"/> makes the message (again on a retry).</summary>
public interface IRequestWorker
{
    /// <summary>Prepares the next request; returns the number of records it carries.</summary>
    int Next();

    /// <summary>A new message for the prepared request.</summary>
    HttpRequestMessage Build();
}

/// <summary>A worker told when each of its requests was answered 2xx (the rules group times webhooks from that moment).</summary>
public interface IAnswerObserver
{
    /// <summary>The prepared request was answered 2xx; <paramref name="timestamp"/> is <see cref="Stopwatch.GetTimestamp"/> just after its body was read.</summary>
    void Answered(long timestamp);
}

/// <summary>Hands out distinct row numbers to the clients writing one dataset.</summary>
public sealed class RowCounter
{
    private long _next;

    public long Take(int count) => Interlocked.Add(ref _next, count) - count;

    public long Issued => Interlocked.Read(ref _next);
}

/// <summary><c>POST /v1/record</c> with <c>rowsPerRequest</c> new records per request (one record is sent as a bare object).</summary>
public sealed class RecordWorker(Uri uri, int rowsPerRequest, RowCounter rows) : IRequestWorker
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ArrayBufferWriter<byte> _body = new(rowsPerRequest * 128 + 16);

    public int Next()
    {
        Payloads.WriteJsonBody(_body, rows.Take(rowsPerRequest), rowsPerRequest, bareObject: rowsPerRequest == 1);
        return rowsPerRequest;
    }

    public HttpRequestMessage Build()
    {
        var content = new ReadOnlyMemoryContent(_body.WrittenMemory);
        content.Headers.ContentType = Json;
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Version = HttpVersion.Version11 };
    }
}

/// <summary><c>GET /v1/data/:ws/:id/:key?last=1</c> for a random key of the bench's key space.</summary>
public sealed class ReadWorker(Func<string, Uri> uriForKey, int seed) : IRequestWorker
{
    private readonly Random _random = new(seed);
    private Uri? _uri;

    public int Next()
    {
        _uri = uriForKey(Payloads.Symbol(_random.Next(Payloads.SymbolCount)));
        return 1;
    }

    public HttpRequestMessage Build() => new(HttpMethod.Get, _uri) { Version = HttpVersion.Version11 };
}

/// <summary>What a closed-loop run did.</summary>
public sealed class LoadResult
{
    /// <summary>Requests answered 2xx.</summary>
    public long Requests { get; init; }
    /// <summary>Records carried by 2xx answers (acknowledged).</summary>
    public long Records { get; init; }
    /// <summary>429 answers (the request was retried after <see cref="LoadRunner.RetryAfter429"/>).</summary>
    public long Rejected429 { get; init; }
    /// <summary>Other non-2xx answers and transport failures.</summary>
    public long Errors { get; init; }
    public double Seconds { get; init; }
    public required Latency Latency { get; init; }
    public string? FirstError { get; init; }
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record Latency(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public static Latency Of(List<double> samples)
    {
        if (samples.Count == 0) return new Latency(0, 0, 0, 0, 0);
        samples.Sort();
        return new Latency(samples.Count, At(samples, 0.50), At(samples, 0.90), At(samples, 0.99), samples[^1]);
    }

    private static double At(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>
/// A closed-loop load generator: <c>concurrency</c> clients, each sending its next request as soon as the previous
/// one was answered (or, when paced, at fixed intervals), until the duration is over.
/// </summary>
/// <remarks>
/// Latency is measured per answered request, from just before <c>SendAsync</c> to the end of the response body. A
/// 429 is counted and the same body is sent again after <see cref="RetryAfter429"/>; only the answer that accepted it
/// contributes a latency sample.
/// </remarks>
public static class LoadRunner
{
    public static readonly TimeSpan RetryAfter429 = TimeSpan.FromMilliseconds(100);

    /// <summary>A client with HTTP/1.1 keep-alive and one connection per concurrent request.</summary>
    public static HttpClient Client(Uri baseAddress, int connections, string? token, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(100),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<LoadResult> RunAsync(HttpClient http, int concurrency, TimeSpan duration, Func<int, IRequestWorker> createWorker,
        TimeSpan? pace = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var workers = new Task<WorkerTotals>[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var worker = createWorker(w);
            // Paced clients start spread over one interval so their requests do not line up.
            var offset = pace is { } p ? TimeSpan.FromTicks(p.Ticks * w / concurrency) : TimeSpan.Zero;
            workers[w] = Task.Run(() => RunWorkerAsync(http, worker, clock, duration, pace, offset, cancellationToken), cancellationToken);
        }
        var totals = await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var samples = new List<double>(totals.Sum(t => t.Latencies.Count));
        foreach (var t in totals) samples.AddRange(t.Latencies);
        return new LoadResult
        {
            Requests = totals.Sum(t => t.Requests),
            Records = totals.Sum(t => t.Records),
            Rejected429 = totals.Sum(t => t.Rejected),
            Errors = totals.Sum(t => t.Errors),
            Seconds = seconds,
            Latency = Latency.Of(samples),
            FirstError = totals.Select(t => t.FirstError).FirstOrDefault(e => e is not null),
        };
    }

    private sealed class WorkerTotals
    {
        public long Requests, Records, Rejected, Errors;
        public readonly List<double> Latencies = new(4096);
        public string? FirstError;
    }

    private static async Task<WorkerTotals> RunWorkerAsync(HttpClient http, IRequestWorker worker, Stopwatch clock, TimeSpan duration,
        TimeSpan? pace, TimeSpan offset, CancellationToken cancellationToken)
    {
        var totals = new WorkerTotals();
        var next = offset;
        var sink = new byte[16 * 1024];
        while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
        {
            if (pace is { } interval)
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
                next += interval;
                if (clock.Elapsed >= duration) break;
            }
            var records = worker.Next();
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                int status;
                string? error = null;
                try
                {
                    using var request = worker.Build();
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode || status == 429)
                    {
                        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                        while (await body.ReadAsync(sink, cancellationToken) > 0) { }
                    }
                    else
                    {
                        error = $"{status}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
                {
                    status = 0;
                    error = $"{ex.GetType().Name}: {ex.Message}";
                }
                var ended = Stopwatch.GetTimestamp();
                var elapsedMs = Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds;
                if (status is >= 200 and < 300)
                {
                    (worker as IAnswerObserver)?.Answered(ended);
                    totals.Requests++;
                    totals.Records += records;
                    totals.Latencies.Add(elapsedMs);
                    break;
                }
                if (status == 429)
                {
                    totals.Rejected++;
                    if (clock.Elapsed >= duration) break;
                    await Task.Delay(RetryAfter429, cancellationToken);
                    continue;
                }
                totals.Errors++;
                totals.FirstError ??= error;
                break;
            }
        }
        return totals;
    }
}
