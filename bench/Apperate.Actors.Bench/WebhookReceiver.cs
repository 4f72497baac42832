using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Bench;

/// <summary>
/// The rules group's webhook receiver: Kestrel on 127.0.0.1 (a free port) in the bench process. Every request to
/// <c>/hook/&lt;sink&gt;/&lt;rule&gt;</c> is answered 200 at once (the response is completed before anything is checked),
/// then its arrival time, signature and body go to that scenario's <see cref="WebhookSink"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, WebhookSink> _sinks = new(StringComparer.Ordinal);
    private long _unrouted;

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests to a path that names no sink or no rule of it.</summary>
    public long Unrouted => Interlocked.Read(ref _unrouted);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    /// <summary>Routes <c>/hook/<see cref="WebhookSink.Tag"/>/…</c> to <paramref name="sink"/>.</summary>
    public void Add(WebhookSink sink) => _sinks[sink.Tag] = sink;

    /// <summary>The webhook URL of rule number <paramref name="rule"/> of <paramref name="sink"/>.</summary>
    public Uri Url(WebhookSink sink, int rule) => new(BaseAddress, $"hook/{sink.Tag}/{rule.ToString(CultureInfo.InvariantCulture)}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var request = context.Request;
        var length = request.ContentLength is > 0 and < 1 << 20 and var n ? (int)n : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var read = 0;
        try
        {
            while (true)
            {
                if (read == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, read).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var got = await request.Body.ReadAsync(buffer.AsMemory(read), context.RequestAborted);
                if (got == 0) break;
                read += got;
            }
            string? id = request.Headers["webhook-id"], timestamp = request.Headers["webhook-timestamp"], signature = request.Headers["webhook-signature"];
            var path = request.Path.Value;
            // Answered before it is judged: the service's delivery is timed up to here, not our checks.
            context.Response.StatusCode = 200;
            context.Response.ContentLength = 0;
            await context.Response.CompleteAsync();

            if (Route(path, out var sink, out var rule)) sink.Receive(rule, id, timestamp, signature, buffer.AsSpan(0, read), arrived);
            else Interlocked.Increment(ref _unrouted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Route(string? path, out WebhookSink sink, out int rule)
    {
        sink = null!;
        rule = -1;
        // /hook/<tag>/<rule>
        if (path is null || !path.StartsWith("/hook/", StringComparison.Ordinal)) return false;
        var rest = path.AsSpan("/hook/".Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0) return false;
        if (!_sinks.TryGetValue(rest[..slash].ToString(), out var found)) return false;
        if (!int.TryParse(rest[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out rule)) return false;
        sink = found;
        return true;
    }
}

/// <summary>
/// What one scenario of the rules group sent and received: per record (row number), when its write was answered 2xx and
/// when its webhook arrived, both as <see cref="Stopwatch.GetTimestamp"/> of the bench process.
/// </summary>
/// <remarks>
/// Rule <c>k</c> of the scenario fixes the key <c>S(k)</c>, and row <c>n</c> has symbol <c>S(n mod rules)</c> and date
/// 2020-01-01T00:00:00Z + n ms, so each record passes exactly one rule and its webhook names its row by
/// <c>data.date</c>. A webhook counts only when its Standard Webhooks signature verifies with its rule's secret (every
/// request is checked: HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{body}</c>, timestamp within 5 minutes) and
/// its body is the alert of that rule for a record that rule can pass: <c>type</c> <c>rule.triggered</c>,
/// <c>data.alertId</c> = <c>webhook-id</c>, <c>data.ruleId</c> = the rule's id, <c>data.key</c> = the rule's key,
/// <c>data.record.symbol</c> = the key, and the row <c>data.date</c> names one of this scenario's.
/// </remarks>
public sealed class WebhookSink
{
    private readonly long[] _answered;
    private readonly long[] _arrived;
    private readonly long[] _raised;
    private readonly long _anchorTicks = Stopwatch.GetTimestamp();
    private readonly double _anchorUnixMs = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
    private readonly byte[]?[] _keys;
    private readonly string?[] _ruleIds;
    private long _requests, _checked, _distinct, _duplicates, _badSignatures, _badBodies, _untracked;
    private string? _firstProblem;

    /// <param name="tag">The path segment that routes to this sink.</param>
    /// <param name="rules">The scenario's rules (and symbols).</param>
    /// <param name="capacity">More than the rows the scenario can send.</param>
    public WebhookSink(string tag, int rules, long capacity)
    {
        Tag = tag;
        Rules = rules;
        _answered = new long[capacity];
        _arrived = new long[capacity];
        _raised = new long[capacity];
        _keys = new byte[rules][];
        _ruleIds = new string[rules];
    }

    public string Tag { get; }

    public int Rules { get; }

    public long Capacity => _answered.Length;

    /// <summary>Distinct rows whose webhook arrived and checked out.</summary>
    public long Received => Interlocked.Read(ref _distinct);

    /// <summary>Rule <paramref name="rule"/> has id <paramref name="ruleId"/> and signs with <paramref name="secret"/> (<c>whsec_…</c>).</summary>
    public void SetRule(int rule, string ruleId, string secret)
    {
        _ruleIds[rule] = ruleId;
        _keys[rule] = StandardWebhooks.Key(secret);
    }

    /// <summary>The write of row <paramref name="row"/> was answered 2xx at <paramref name="timestamp"/>.</summary>
    public void Answered(long row, long timestamp)
    {
        if ((ulong)row < (ulong)_answered.Length) Volatile.Write(ref _answered[row], timestamp);
        else Interlocked.Increment(ref _untracked);
    }

    internal void Receive(int rule, string? webhookId, string? timestamp, string? signature, ReadOnlySpan<byte> body, long arrived)
    {
        Interlocked.Increment(ref _requests);
        if ((uint)rule >= (uint)Rules || _keys[rule] is not { } key)
        {
            Problem(ref _badBodies, $"a request to rule {rule}, which this scenario did not create");
            return;
        }
        Interlocked.Increment(ref _checked);
        if (StandardWebhooks.Verify(key, webhookId, timestamp, signature, body, DateTimeOffset.UtcNow.ToUnixTimeSeconds()) is { } error)
        {
            Problem(ref _badSignatures, $"rule {rule}, webhook-id {webhookId}: {error}");
            return;
        }
        long row, raised;
        try
        {
            (row, raised) = RowOf(rule, webhookId!, body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            Problem(ref _badBodies, $"rule {rule}, webhook-id {webhookId}: {ex.Message}");
            return;
        }
        if (Interlocked.CompareExchange(ref _arrived[row], arrived, 0) == 0)
        {
            Volatile.Write(ref _raised[row], raised);
            Interlocked.Increment(ref _distinct);
        }
        else
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    /// <summary>
    /// The row a signed alert of rule <paramref name="rule"/> names and when the alert was raised (its <c>timestamp</c>:
    /// the commit's time, epoch ms); throws when the body is not that rule's alert for one of our rows.
    /// </summary>
    private (long Row, long Raised) RowOf(int rule, string webhookId, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.GetProperty("type").GetString() != "rule.triggered") throw new FormatException($"type is {root.GetProperty("type")}, not rule.triggered");
        var data = root.GetProperty("data");
        if (data.GetProperty("alertId").GetString() != webhookId) throw new FormatException($"data.alertId {data.GetProperty("alertId")} is not the webhook-id");
        if (data.GetProperty("ruleId").GetString() != _ruleIds[rule]) throw new FormatException($"data.ruleId {data.GetProperty("ruleId")} is not rule {rule}'s id {_ruleIds[rule]}");
        var symbol = Payloads.Symbol(rule);
        if (data.GetProperty("key").GetString() != symbol) throw new FormatException($"data.key {data.GetProperty("key")} is not rule {rule}'s key {symbol}");
        if (data.GetProperty("record").GetProperty("symbol").GetString() != symbol) throw new FormatException($"data.record.symbol is not {symbol}");
        var row = Payloads.RowOfDate(data.GetProperty("date").GetInt64());
        if (row < 0 || row >= _arrived.Length || row % Rules != rule) throw new FormatException($"data.date names row {row}, which rule {rule} cannot pass or this scenario did not send");
        var raised = DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        return (row, raised);
    }

    private double WallMs(long timestamp) => _anchorUnixMs + (timestamp - _anchorTicks) * 1000.0 / Stopwatch.Frequency;

    private void Problem(ref long counter, string problem)
    {
        Interlocked.Increment(ref counter);
        Interlocked.CompareExchange(ref _firstProblem, problem, null);
    }

    /// <summary>Pairs every answered row with its webhook: the latency samples (arrival − answer) and what is missing or extra.</summary>
    /// <param name="parts">
    /// The latency split at the alert's <c>timestamp</c> (when the commit that raised it started, epoch ms, so ±1 ms): write
    /// answered → alert raised, and alert raised → webhook arrived, both on the machine's wall clock.
    /// </param>
    public WebhookCheck Summarize(double requestedRate, double issuedRate, int senders, double intervalMs, double waitedSeconds, long unrouted, out Latency latency,
        out Dictionary<string, Latency> parts)
    {
        var samples = new List<double>(_answered.Length);
        var toCommit = new List<double>(_answered.Length);
        var fromCommit = new List<double>(_answered.Length);
        long events = 0, missing = 0, unacknowledged = 0, early = 0;
        var ticksPerMs = Stopwatch.Frequency / 1000.0;
        for (var n = 0; n < _answered.Length; n++)
        {
            var answered = Volatile.Read(ref _answered[n]);
            var arrived = Volatile.Read(ref _arrived[n]);
            if (answered != 0)
            {
                events++;
                if (arrived == 0)
                {
                    missing++;
                    continue;
                }
                var ms = (arrived - answered) / ticksPerMs;
                if (ms < 0) early++;
                samples.Add(ms);
                var raised = Volatile.Read(ref _raised[n]);
                toCommit.Add(raised - WallMs(answered));
                fromCommit.Add(WallMs(arrived) - raised);
            }
            else if (arrived != 0)
            {
                unacknowledged++;
            }
        }
        latency = Latency.Of(samples);
        parts = new Dictionary<string, Latency>(StringComparer.Ordinal)
        {
            ["write answered → alert raised (the commit started; async writes reach the dataset grain through a stream)"] = Latency.Of(toCommit),
            ["alert raised → webhook arrived (the commit, the hand-over to the delivery grain, the POST)"] = Latency.Of(fromCommit),
        };
        return new WebhookCheck(Rules, requestedRate, issuedRate, senders, intervalMs, events, samples.Count, missing, Interlocked.Read(ref _duplicates), unacknowledged,
            Interlocked.Read(ref _requests), Interlocked.Read(ref _checked), Interlocked.Read(ref _badSignatures), Interlocked.Read(ref _badBodies), unrouted, Interlocked.Read(ref _untracked), early, waitedSeconds, _firstProblem);
    }
}

/// <summary>Standard Webhooks 1.0 verification, written here from the spec (not the product's signer).</summary>
internal static class StandardWebhooks
{
    private const string Prefix = "whsec_";
    private const long ToleranceSeconds = 5 * 60;

    /// <summary>The HMAC key of a <c>whsec_</c> secret: the base64-decoded part after the prefix.</summary>
    public static byte[] Key(string secret) => Convert.FromBase64String(secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret);

    /// <summary>Null when one of the <c>v1,</c> signatures is the HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c> and the timestamp is within 5 minutes of now; otherwise why not.</summary>
    public static string? Verify(byte[] key, string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body, long nowSeconds)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature)) return "webhook-id, webhook-timestamp or webhook-signature is missing";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return $"webhook-timestamp '{timestamp}' is not unix seconds";
        if (Math.Abs(nowSeconds - seconds) > ToleranceSeconds) return $"webhook-timestamp {seconds} is more than 5 minutes from now ({nowSeconds})";
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes(id + "." + timestamp + "."));
        hmac.AppendData(body);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.GetHashAndReset(mac);
        Span<byte> expected = stackalloc byte[Base64.GetMaxEncodedToUtf8Length(HMACSHA256.HashSizeInBytes)];
        Base64.EncodeToUtf8(mac, expected, out _, out var written);
        expected = expected[..written];
        foreach (var part in signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith("v1,", StringComparison.Ordinal)) continue;
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(part[3..]), expected)) return null;
        }
        return $"no v1 signature in '{signature}' matches";
    }
}
