using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Nethereum.JsonRpc.Client;
using Nethereum.JsonRpc.Client.RpcMessages;
using Newtonsoft.Json;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// Nethereum's JSON-RPC over one WebSocket, which also carries the <c>eth_subscription</c> notifications of
/// <c>eth_subscribe</c> (<see cref="Notifications"/>). Nethereum's own WebSocket client package is not among the
/// packages this project may use, so this is the one piece of JSON-RPC transport written here: requests and answers
/// are Nethereum's messages, matched by id on a single socket.
/// </summary>
public sealed class WebSocketRpcClient(Uri url) : ClientBase, IAsyncDisposable
{
    private static readonly JsonSerializerSettings Settings = DefaultJsonSerializerSettingsFactory.BuildDefaultJsonSerializerSettings();

    private readonly ClientWebSocket _socket = new() { Options = { KeepAliveInterval = TimeSpan.FromSeconds(20) } };
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _pending = new();
    private readonly Channel<JsonElement> _notifications = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private Task? _receiving;
    private long _nextId;

    /// <summary>The endpoint.</summary>
    public Uri Url { get; } = url;

    /// <summary>The <c>result</c> of every <c>eth_subscription</c> notification, in arrival order.</summary>
    public ChannelReader<JsonElement> Notifications => _notifications.Reader;

    /// <inheritdoc />
    public override async Task<RpcResponseMessage> SendAsync(RpcRequestMessage rpcRequestMessage, string? route = null)
    {
        // Nethereum gives every request the same id by default; on one socket with several calls in flight, each
        // needs its own, so the socket uses a number of its own and the answer gets the caller's id back.
        var callerId = rpcRequestMessage.Id;
        var id = Interlocked.Increment(ref _nextId);
        var request = new RpcRequestMessage { Id = id, JsonRpcVersion = rpcRequestMessage.JsonRpcVersion, Method = rpcRequestMessage.Method, RawParameters = rpcRequestMessage.RawParameters };
        var text = await SendTextAsync(id.ToString(CultureInfo.InvariantCulture), JsonConvert.SerializeObject(request, Settings));
        var answer = JsonConvert.DeserializeObject<RpcResponseMessage>(text, Settings)
            ?? throw new RpcClientUnknownException($"{Url} sent an empty answer to {rpcRequestMessage.Method}");
        answer.Id = callerId;
        return answer;
    }

    /// <inheritdoc />
    protected override async Task<RpcResponseMessage[]> SendAsync(RpcRequestMessage[] requests)
    {
        var answers = new RpcResponseMessage[requests.Length];
        for (var i = 0; i < requests.Length; i++) answers[i] = await SendAsync(requests[i]);
        return answers;
    }

    private async Task<string> SendTextAsync(string id, string request)
    {
        using var timeout = new CancellationTokenSource(ConnectionTimeout);
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _sending.WaitAsync(timeout.Token);
        try
        {
            if (_receiving is null)
            {
                await _socket.ConnectAsync(Url, timeout.Token);
                _receiving = Task.Run(ReceiveLoopAsync, CancellationToken.None);
            }
            _pending[id] = answer;
            await _socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            _pending.TryRemove(id, out _);
            throw new RpcClientTimeoutException($"{Url} did not take the request within {ConnectionTimeout.TotalSeconds:0} s");
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
            return await answer.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new RpcClientTimeoutException($"{Url} did not answer within {ConnectionTimeout.TotalSeconds:0} s");
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

    /// <summary>An answer goes to the call with its id; a notification to <see cref="Notifications"/>; anything else is dropped.</summary>
    private void Dispatch(ReadOnlySpan<byte> json)
    {
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(json);
            root = JsonElement.ParseValue(ref reader);
        }
        catch (System.Text.Json.JsonException)
        {
            return;
        }
        if (root.ValueKind != JsonValueKind.Object) return;
        if (root.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.Number or JsonValueKind.String)
        {
            var key = id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText();
            if (_pending.TryRemove(key, out var waiting)) waiting.TrySetResult(Encoding.UTF8.GetString(json));
            return;
        }
        if (root.TryGetProperty("method", out var method) && method.ValueEquals("eth_subscription")
            && root.TryGetProperty("params", out var parameters) && parameters.TryGetProperty("result", out var result))
            _notifications.Writer.TryWrite(result.Clone());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
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
        await _closing.CancelAsync();
        _socket.Abort();
        if (_receiving is not null) await _receiving;
        _socket.Dispose();
        _closing.Dispose();
        _sending.Dispose();
    }
}
