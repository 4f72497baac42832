using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>
/// A loopback WebSocket server (Kestrel on 127.0.0.1, a free port) that speaks the Exchange market-data feed protocol:
/// a client must send <c>{"type":"subscribe","product_ids":[…],"channels":[…]}</c> within 5 s or is disconnected; the
/// answer is a <c>subscriptions</c> echo, or an <c>error</c> for an unknown product or channel; <c>heartbeat</c>
/// subscribers get one heartbeat per product every second; the test scripts ticker messages and drops connections.
/// </summary>
public sealed class ExchangeFeedServer : IAsyncDisposable
{
    /// <summary>A client that has not subscribed after this long is disconnected (as the real feed does).</summary>
    public static readonly TimeSpan SubscribeDeadline = TimeSpan.FromSeconds(5);

    private static readonly string[] Channels = ["ticker", "ticker_batch", "matches", "heartbeat", "level2_batch"];

    private WebApplication _app = null!;
    private readonly HashSet<string> _products;
    private readonly ConcurrentDictionary<int, Subscriber> _subscribers = new();
    private readonly List<(string Product, string Json)> _tickers = [];
    private readonly ConcurrentDictionary<string, long> _sequences = new();
    private readonly Timer _heartbeats;
    private int _nextId;
    private int _subscriptions;
    private int _connections;
    private int _timeouts;

    private ExchangeFeedServer(string[] products)
    {
        _products = [.. products];
        _heartbeats = new Timer(_ => SendHeartbeats(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The feed URL, <c>ws://127.0.0.1:port</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>True: every new subscription first receives all tickers sent so far for its products (as a feed replaying recent messages after a reconnect would).</summary>
    public bool ReplayOnSubscribe { get; set; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Successful subscriptions so far (a reconnecting client that subscribes again counts again).</summary>
    public int Subscriptions => Volatile.Read(ref _subscriptions);

    /// <summary>Clients subscribed right now.</summary>
    public int Subscribed => _subscribers.Count;

    /// <summary>Every subscribe request received, as sent.</summary>
    public ConcurrentQueue<string> SubscribeRequests { get; } = new();

    /// <summary>Connections closed because they did not subscribe in time.</summary>
    public int Timeouts => Volatile.Read(ref _timeouts);

    /// <summary>Starts a feed that knows <paramref name="products"/>.</summary>
    public static async Task<ExchangeFeedServer> StartAsync(params string[] products)
    {
        var server = new ExchangeFeedServer(products);
        (server._app, var address) = await LoopbackApp.StartAsync(app =>
        {
            app.UseWebSockets();
            app.Run(server.HandleAsync);
        });
        server.Url = "ws://" + address["http://".Length..];
        return server;
    }

    /// <summary>
    /// Sends a ticker message for <paramref name="product"/> to its ticker subscribers (and records it for replay).
    /// The sequence counts up per product; <paramref name="time"/> defaults to now with microseconds.
    /// </summary>
    public async Task<JsonObject> TickerAsync(string product, string price, long tradeId, string? time = null, string side = "buy")
    {
        var sequence = _sequences.AddOrUpdate(product, 1000, (_, s) => s + 17);
        var message = new JsonObject
        {
            ["type"] = "ticker",
            ["sequence"] = sequence,
            ["product_id"] = product,
            ["price"] = price,
            ["open_24h"] = "49000.01",
            ["volume_24h"] = "12345.67890123",
            ["low_24h"] = "48500.5",
            ["high_24h"] = "50500",
            ["volume_30d"] = "400000.12345678",
            ["best_bid"] = "50000.11",
            ["best_bid_size"] = "0.5",
            ["best_ask"] = "50000.13",
            ["best_ask_size"] = "0.25",
            ["side"] = side,
            ["time"] = time ?? DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            ["trade_id"] = tradeId,
            ["last_size"] = "0.00012",
        };
        var json = message.ToJsonString();
        lock (_tickers) _tickers.Add((product, json));
        foreach (var subscriber in _subscribers.Values)
            if (subscriber.Wants("ticker", product) || subscriber.Wants("ticker_batch", product)) await subscriber.SendAsync(json);
        return message;
    }

    /// <summary>Aborts every connection, as a network failure would.</summary>
    public void DropConnections()
    {
        foreach (var subscriber in _subscribers.Values) subscriber.Socket.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await _heartbeats.DisposeAsync();
        DropConnections();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _connections);
        var subscriber = new Subscriber(socket);
        var id = Interlocked.Increment(ref _nextId);
        try
        {
            // Canceling a WebSocket receive aborts the socket, so the deadline races the receive instead.
            var receive = ReceiveAsync(socket, context.RequestAborted);
            if (await Task.WhenAny(receive, Task.Delay(SubscribeDeadline)) != receive)
            {
                Interlocked.Increment(ref _timeouts);
                await subscriber.CloseAsync(WebSocketCloseStatus.PolicyViolation, "subscribe within 5 seconds");
                // The client answers the close; its answer completes the pending receive.
                await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(2)));
                return;
            }
            var first = await receive;
            if (first is null) return;
            if (!await SubscribeAsync(subscriber, first)) return;
            _subscribers[id] = subscriber;
            Interlocked.Increment(ref _subscriptions);
            while (await ReceiveAsync(socket, context.RequestAborted) is not null)
            {
                // Later messages (more subscribes, unsubscribes) are accepted and ignored.
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away or the test dropped the connection.
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }

    private async Task<bool> SubscribeAsync(Subscriber subscriber, string text)
    {
        SubscribeRequests.Enqueue(text);
        JsonNode? request;
        try
        {
            request = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request?["type"]?.GetValue<string>() != "subscribe")
        {
            await subscriber.SendAsync("""{"type":"error","message":"Failed to subscribe","reason":"the first message must be a subscribe"}""");
            await subscriber.CloseAsync(WebSocketCloseStatus.PolicyViolation, "expected subscribe");
            return false;
        }
        var products = request["product_ids"]?.AsArray().Select(p => p!.GetValue<string>()).ToArray() ?? [];
        var channels = request["channels"]?.AsArray().Select(c => c is JsonObject o ? o["name"]!.GetValue<string>() : c!.GetValue<string>()).ToArray() ?? [];
        var reason = products.FirstOrDefault(p => !_products.Contains(p)) is { } unknownProduct ? $"{unknownProduct} is not a valid product"
            : channels.FirstOrDefault(c => !Channels.Contains(c)) is { } unknownChannel ? $"{unknownChannel} is not a valid channel"
            : products.Length == 0 ? "no product ids" : null;
        if (reason is not null)
        {
            await subscriber.SendAsync(new JsonObject { ["type"] = "error", ["message"] = "Failed to subscribe", ["reason"] = reason }.ToJsonString());
            await subscriber.CloseAsync(WebSocketCloseStatus.PolicyViolation, "failed to subscribe");
            return false;
        }
        foreach (var channel in channels) subscriber.Channels[channel] = products;
        var echo = new JsonObject
        {
            ["type"] = "subscriptions",
            ["channels"] = new JsonArray(channels.Select(c => (JsonNode)new JsonObject { ["name"] = c, ["product_ids"] = new JsonArray(products.Select(p => (JsonNode)p!).ToArray()) }).ToArray()),
        };
        await subscriber.SendAsync(echo.ToJsonString());
        if (ReplayOnSubscribe)
        {
            (string Product, string Json)[] sent;
            lock (_tickers) sent = [.. _tickers];
            foreach (var (product, json) in sent)
                if (subscriber.Wants("ticker", product) || subscriber.Wants("ticker_batch", product)) await subscriber.SendAsync(json);
        }
        return true;
    }

    private void SendHeartbeats()
    {
        foreach (var subscriber in _subscribers.Values)
        {
            if (!subscriber.Channels.TryGetValue("heartbeat", out var products)) continue;
            foreach (var product in products)
            {
                var heartbeat = new JsonObject
                {
                    ["type"] = "heartbeat",
                    ["last_trade_id"] = 0,
                    ["product_id"] = product,
                    ["sequence"] = _sequences.GetOrAdd(product, 1000),
                    ["time"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                };
                _ = subscriber.SendAsync(heartbeat.ToJsonString());
            }
        }
    }

    private static async Task<string?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    private sealed class Subscriber(WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public WebSocket Socket => socket;

        public ConcurrentDictionary<string, string[]> Channels { get; } = new();

        public bool Wants(string channel, string product) => Channels.TryGetValue(channel, out var products) && products.Contains(product);

        public async Task SendAsync(string json)
        {
            await _send.WaitAsync();
            try
            {
                if (socket.State == WebSocketState.Open)
                    await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
            {
                // Dropped meanwhile.
            }
            finally
            {
                _send.Release();
            }
        }

        public async Task CloseAsync(WebSocketCloseStatus status, string reason)
        {
            try
            {
                await socket.CloseOutputAsync(status, reason, CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
            {
                // Gone already.
            }
        }
    }
}
