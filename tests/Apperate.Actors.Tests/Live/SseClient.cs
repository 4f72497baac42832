using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Apperate.Actors.Tests.Live;

/// <summary>One server-sent event as a client received it.</summary>
public sealed record SseEvent(string Type, string Data, string? Id, TimeSpan? Retry)
{
    /// <summary>The data of a records message: its JSON array.</summary>
    public JsonArray Records => JsonNode.Parse(Data)?.AsArray() ?? throw new InvalidOperationException($"event '{Type}' has no array data: {Data}");

    public long Sequence => long.Parse(Id ?? throw new InvalidOperationException($"event '{Type}' has no id"), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A real SSE client: one HTTP request read as <c>text/event-stream</c> by the BCL's <see cref="SseParser"/>, with every
/// event queued in arrival order. <see cref="LastEventId"/> is what a browser's EventSource would send when reconnecting.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private HttpResponseMessage? _response;
    private Task? _reading;

    private SseClient(HttpClient http) => _http = http;

    /// <summary>The id of the last event that carried one.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>True once the server ended the stream or the connection broke.</summary>
    public bool Ended => _reading?.IsCompleted ?? false;

    /// <summary>Why reading ended, when it broke rather than ended.</summary>
    public Exception? Error { get; private set; }

    /// <summary>
    /// Opens <paramref name="pathAndQuery"/> on <paramref name="baseAddress"/>; returns the client and the HTTP status.
    /// With <paramref name="receiveBuffer"/> the socket's receive buffer is that small, so an unread stream soon blocks the server.
    /// </summary>
    public static async Task<(SseClient Client, int Status, string Body)> OpenAsync(Uri baseAddress, string pathAndQuery, string? lastEventId = null, int? receiveBuffer = null, bool read = true)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
        if (receiveBuffer is { } size)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = size };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        var client = new SseClient(new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan });
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        var response = await client._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, client._stop.Token);
        client._response = response;
        var status = (int)response.StatusCode;
        if (status != 200) return (client, status, await response.Content.ReadAsStringAsync());
        if (read) client.StartReading(await response.Content.ReadAsStreamAsync());
        return (client, status, "");
    }

    /// <summary>Starts reading a stream opened with <c>read: false</c>.</summary>
    public async Task StartReadingAsync() => StartReading(await _response!.Content.ReadAsStreamAsync());

    private void StartReading(Stream stream) => _reading = Task.Run(async () =>
    {
        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(_stop.Token))
            {
                if (item.EventId is { Length: > 0 } id) LastEventId = id;
                await _events.Writer.WriteAsync(new SseEvent(item.EventType, item.Data, string.IsNullOrEmpty(item.EventId) ? null : item.EventId, item.ReconnectionInterval));
            }
        }
        catch (Exception ex) when (!_stop.IsCancellationRequested)
        {
            Error = ex;
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    });

    /// <summary>The next event, or null when the stream ended first; fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan timeout, string what)
    {
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.WaitToReadAsync(timer.Token) && _events.Reader.TryRead(out var e) ? e : null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
        }
    }

    /// <summary>The next event that is not a heartbeat.</summary>
    public async Task<SseEvent?> NextNonHeartbeatAsync(TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - clock.Elapsed;
            var e = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), what);
            if (e is null || e.Type != "heartbeat") return e;
        }
    }

    /// <summary>An event already received, without waiting; null when none is queued.</summary>
    public SseEvent? TryTake() => _events.Reader.TryRead(out var e) ? e : null;

    /// <summary>Waits until the stream ends (the server closed it); fails naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitEndedAsync(TimeSpan timeout, string what)
    {
        try
        {
            await _reading!.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
        }
    }

    /// <summary>Drops the connection, as a client that goes away does.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reading is not null) await _reading;
        _response?.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }
}
