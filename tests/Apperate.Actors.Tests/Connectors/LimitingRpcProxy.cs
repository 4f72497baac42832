using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>
/// A JSON-RPC node on loopback that forwards to a real one (anvil) but refuses <c>eth_getLogs</c> over more than
/// <see cref="MaxLogBlocks"/> blocks the way public nodes do (<c>-32005</c>, "query returned more than 10000 results"),
/// and remembers the ranges it was asked for.
/// </summary>
public sealed class LimitingRpcProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Uri _target;
    private readonly Task _serving;
    private readonly List<(long From, long To, bool Refused)> _ranges = [];

    public LimitingRpcProxy(string target, int maxLogBlocks)
    {
        _target = new Uri(target);
        MaxLogBlocks = maxLogBlocks;
        var port = LoopbackPorts.Take(1)[0];
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The proxy's endpoint.</summary>
    public string Url { get; }

    /// <summary>The widest eth_getLogs range answered.</summary>
    public int MaxLogBlocks { get; }

    /// <summary>The eth_getLogs ranges asked for so far, and whether each was refused.</summary>
    public (long From, long To, bool Refused)[] Ranges
    {
        get
        {
            lock (_ranges) return [.. _ranges];
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = JsonNode.Parse(body);
        string answer;
        if (request is JsonObject call && (string?)call["method"] == "eth_getLogs" && call["params"]?[0] is JsonObject filter)
        {
            var from = Convert.ToInt64((string)filter["fromBlock"]!, 16);
            var to = Convert.ToInt64((string)filter["toBlock"]!, 16);
            var refused = to - from + 1 > MaxLogBlocks;
            lock (_ranges) _ranges.Add((from, to, refused));
            answer = refused
                ? new JsonObject { ["jsonrpc"] = "2.0", ["id"] = call["id"]?.DeepClone(), ["error"] = new JsonObject { ["code"] = -32005, ["message"] = "query returned more than 10000 results" } }.ToJsonString()
                : await ForwardAsync(body);
        }
        else
        {
            answer = await ForwardAsync(body);
        }
        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private async Task<string> ForwardAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(_target, content);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
        _http.Dispose();
    }
}
