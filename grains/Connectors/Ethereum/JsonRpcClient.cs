using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>A JSON-RPC 2.0 error object returned by the node.</summary>
public sealed class JsonRpcException(int code, string message) : Exception($"{message} (JSON-RPC error {code})")
{
    /// <summary>The error code (-32601 method not found, -32602 invalid params…).</summary>
    public int Code { get; } = code;
}

/// <summary>
/// A JSON-RPC 2.0 client for an Ethereum node: HTTP POSTs, or one WebSocket that also carries
/// <c>eth_subscription</c> notifications.
/// </summary>
public abstract class JsonRpcClient : IAsyncDisposable
{
    /// <summary>How long one call may take.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private long _nextId;

    /// <summary>The endpoint.</summary>
    public Uri Url { get; }

    private protected JsonRpcClient(Uri url) => Url = url;

    /// <summary>An HTTP client for http(s) URLs, a WebSocket client (not yet connected) for ws(s) URLs.</summary>
    public static JsonRpcClient Create(Uri url) => url.Scheme is "ws" or "wss" ? new WebSocketJsonRpcClient(url) : new HttpJsonRpcClient(url);

    /// <summary>Calls <paramref name="method"/> and returns its <c>result</c> (a detached element).</summary>
    /// <exception cref="JsonRpcException">The node answered with an error.</exception>
    public async Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["method"] = method,
            ["params"] = parameters,
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        try
        {
            return ResultOf(await SendAsync(id, request, timeout.Token), method);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Url} did not answer {method} within {CallTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>New-head notifications, once subscribed; null for clients that cannot be notified (HTTP).</summary>
    public virtual ChannelReader<JsonElement>? Notifications => null;

    /// <summary>Sends one request and returns its whole response object.</summary>
    private protected abstract Task<JsonElement> SendAsync(long id, byte[] request, CancellationToken cancellationToken);

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static JsonElement ResultOf(JsonElement response, string method)
    {
        if (response.ValueKind != JsonValueKind.Object) throw new FormatException($"{method}: the answer is not a JSON-RPC response");
        if (response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "error";
            throw new JsonRpcException(code, $"{method}: {message}");
        }
        return response.TryGetProperty("result", out var result) ? result : default;
    }

    private sealed class HttpJsonRpcClient(Uri url) : JsonRpcClient(url)
    {
        // One handler for all connectors: connections are pooled per endpoint.
        private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        private protected override async Task<JsonElement> SendAsync(long id, byte[] request, CancellationToken cancellationToken)
        {
            using var content = new ByteArrayContent(request);
            content.Headers.ContentType = new("application/json");
            using var response = await Http.PostAsync(Url, content, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode && body.Length == 0)
                throw new HttpRequestException($"{Url} answered HTTP {(int)response.StatusCode}", null, response.StatusCode);
            try
            {
                using var document = JsonDocument.Parse(body);
                return document.RootElement.Clone();
            }
            catch (JsonException) when (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"{Url} answered HTTP {(int)response.StatusCode}", null, response.StatusCode);
            }
        }
    }

    private sealed class WebSocketJsonRpcClient(Uri url) : JsonRpcClient(url)
    {
        private readonly ClientWebSocket _socket = new() { Options = { KeepAliveInterval = TimeSpan.FromSeconds(20) } };
        private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
        private readonly Channel<JsonElement> _notifications = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleReader = true });
        private readonly SemaphoreSlim _sending = new(1, 1);
        private readonly CancellationTokenSource _closing = new();
        private Task? _receiving;

        public override ChannelReader<JsonElement> Notifications => _notifications.Reader;

        private protected override async Task<JsonElement> SendAsync(long id, byte[] request, CancellationToken cancellationToken)
        {
            await _sending.WaitAsync(cancellationToken);
            var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                if (_receiving is null)
                {
                    await _socket.ConnectAsync(Url, cancellationToken);
                    _receiving = Task.Run(ReceiveLoopAsync, CancellationToken.None);
                }
                _pending[id] = answer;
                await _socket.SendAsync(request, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            catch
            {
                _pending.TryRemove(id, out _);
                throw;
            }
            finally
            {
                _sending.Release();
            }
            try
            {
                return await answer.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            Exception failure;
            try
            {
                while (true)
                {
                    var part = await _socket.ReceiveAsync(buffer, _closing.Token);
                    if (part.MessageType == WebSocketMessageType.Close)
                    {
                        failure = new WebSocketException($"{Url} closed the connection: {_socket.CloseStatusDescription ?? _socket.CloseStatus?.ToString()}");
                        break;
                    }
                    message.Write(buffer, 0, part.Count);
                    if (!part.EndOfMessage) continue;
                    Dispatch(message.GetBuffer().AsSpan(0, (int)message.Length));
                    message.SetLength(0);
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            foreach (var (id, waiting) in _pending)
                if (_pending.TryRemove(id, out _)) waiting.TrySetException(failure);
            _notifications.Writer.TryComplete(failure);
        }

        private void Dispatch(ReadOnlySpan<byte> json)
        {
            JsonElement root;
            try
            {
                var reader = new Utf8JsonReader(json);
                root = JsonElement.ParseValue(ref reader);
            }
            catch (JsonException)
            {
                return;
            }
            if (root.ValueKind != JsonValueKind.Object) return;
            if (root.TryGetProperty("id", out var id) && id.TryGetInt64(out var n))
            {
                if (_pending.TryRemove(n, out var waiting)) waiting.TrySetResult(root);
                return;
            }
            if (root.TryGetProperty("method", out var method) && method.ValueEquals("eth_subscription")
                && root.TryGetProperty("params", out var parameters) && parameters.TryGetProperty("result", out var result))
                _notifications.Writer.TryWrite(result);
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var polite = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", polite.Token);
                }
            }
            catch (Exception)
            {
                // Closing politely is a courtesy; the socket is aborted below either way.
            }
            _closing.Cancel();
            _socket.Abort();
            if (_receiving is not null) await _receiving;
            _socket.Dispose();
            _closing.Dispose();
            _sending.Dispose();
        }
    }
}
