using System.Text;
using Apperate.Actors.Tests.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Tests.Telemetry;

/// <summary>
/// An OpenTelemetry collector's OTLP/HTTP endpoint on loopback (<c>/v1/metrics</c>, <c>/v1/traces</c>, <c>/v1/logs</c>):
/// keeps every export it receives and answers 200, as a collector does. The bodies are OTLP protobuf, whose strings are
/// UTF-8 as written, so a metric's, span's or log line's text can be found in them.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(string Path, byte[] Body)> _received = [];
    private WebApplication _app = null!;

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string BaseUrl { get; private set; } = null!;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        (receiver._app, receiver.BaseUrl) = await LoopbackApp.StartAsync(app => app.Run(receiver.HandleAsync));
        return receiver;
    }

    /// <summary>Whether an export to <paramref name="path"/> contained <paramref name="text"/>.</summary>
    public bool Received(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (_lock) return _received.Exists(r => r.Path == path && r.Body.AsSpan().IndexOf(bytes) >= 0);
    }

    /// <summary>What arrived so far, for a failure message.</summary>
    public string Summary()
    {
        lock (_lock) return string.Join(", ", _received.GroupBy(r => r.Path).Select(g => $"{g.Key}: {g.Count()} exports"));
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        lock (_lock) _received.Add((context.Request.Path.Value ?? "", body.ToArray()));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
