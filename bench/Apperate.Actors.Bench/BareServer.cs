using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net;
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
/// The HTTP baseline: Kestrel on a free loopback port in the bench process, with the service's routes but nothing
/// behind them — it only reads and parses the same bodies and answers like the service does.
/// </summary>
/// <remarks>
/// <c>POST /v1/record/:ws/:id</c> reads the body into a pooled buffer and runs <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
/// (what the gateway does before validating). <c>POST /v1/data/:ws/:id</c> streams the body through a
/// <see cref="PipeReader"/>: CSV is split into lines and fields and the numeric fields parsed; NDJSON lines are read
/// token by token with <see cref="Utf8JsonReader"/>. No validation, no Orleans, no store.
/// </remarks>
public sealed class BareServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<BareServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        app.MapPost("/v1/record/{workspace}/{datasetId}", RecordAsync);
        app.MapPost("/v1/data/{workspace}/{datasetId}", DataAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareServer(app, new Uri(address.Replace("[::1]", "127.0.0.1")));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task RecordAsync(HttpContext context)
    {
        var request = context.Request;
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and var n ? (int)n : 16 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0) break;
                length += read;
            }
            int records;
            using (var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 64 }))
                records = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : 1;
            await WriteJsonAsync(context, $"{{\"success\":true,\"message\":\"wrote {records} messages\"}}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task DataAsync(HttpContext context)
    {
        var csv = context.Request.ContentType?.Contains("csv", StringComparison.OrdinalIgnoreCase) == true;
        var reader = context.Request.BodyReader;
        long records = 0;
        var header = csv;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            while (TryReadLine(ref buffer, out var line))
            {
                if (line.IsEmpty) continue;
                if (header)
                {
                    header = false;
                    continue;
                }
                var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
                if (csv) ParseCsvLine(span);
                else ParseJsonLine(span);
                records++;
            }
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    var span = buffer.ToArray();
                    if (csv) ParseCsvLine(span);
                    else ParseJsonLine(span);
                    records++;
                }
                reader.AdvanceTo(buffer.End);
                break;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
        await WriteJsonAsync(context, $"{{\"success\":true,\"received\":{records},\"ingested\":{records}}}");
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    /// <summary>Splits on commas (the bench's CSV has no quoting) and parses the numeric fields.</summary>
    private static void ParseCsvLine(ReadOnlySpan<byte> line)
    {
        var field = 0;
        while (true)
        {
            var comma = line.IndexOf((byte)',');
            var value = comma < 0 ? line : line[..comma];
            if (field >= 2 && !Utf8Parser.TryParse(value, out double _, out _))
                throw new BadHttpRequestException($"field {field} is not a number");
            field++;
            if (comma < 0) break;
            line = line[(comma + 1)..];
        }
        if (field != 6) throw new BadHttpRequestException($"expected 6 fields, found {field}");
    }

    /// <summary>Reads every token of one JSON object line, parsing numbers.</summary>
    private static void ParseJsonLine(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.Number) reader.GetDouble();
        }
    }

    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }
}
