using System.Buffers;
using System.Text.Json;
using Apperate.Actors.Gateway.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Apperate.Actors.Gateway.Http;

/// <summary>A parsed JSON body. The document reads the pooled buffer it was parsed from, so both go together.</summary>
public sealed class JsonBody(JsonDocument document, byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public JsonDocument Document { get; } = document;
    public JsonElement Root => Document.RootElement;
    public int Length { get; } = length;

    /// <summary>Disposes the document and returns the buffer, once however often it is called.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is not { } b) return;
        Document.Dispose();
        ArrayPool<byte>.Shared.Return(b);
    }
}

/// <summary>Reads JSON request bodies with a size cap and a content-type check.</summary>
public static class RequestBody
{
    /// <summary>
    /// Parses the body as JSON; 413 past <paramref name="maxBytes"/>, 415 for a non-JSON content type, 400 when empty or
    /// malformed. A body already parsed for this request (<see cref="Keep"/>) is returned instead of read again.
    /// </summary>
    public static async Task<JsonBody> ReadJsonAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<JsonBody>() is { } kept)
        {
            request.HttpContext.Features.Set<JsonBody>(null);
            return kept;
        }
        RequireJsonContentType(request);
        if (request.ContentLength > maxBytes)
            throw new ProblemException(413, $"The body is {request.ContentLength} bytes; the limit is {maxBytes} bytes.", [new FieldError(null, "body", $"larger than {maxBytes} bytes")]);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes + 1;

        byte[]? buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and var n ? (int)n : 16 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) break;
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read;
                try
                {
                    read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == 413)
                {
                    length = (int)Math.Min(int.MaxValue, maxBytes + 1);
                    break;
                }
                if (read == 0) break;
                length += read;
            }
            if (length > maxBytes)
                throw new ProblemException(413, $"The body is larger than the limit of {maxBytes} bytes.", [new FieldError(null, "body", $"larger than {maxBytes} bytes")]);
            if (length == 0) throw ProblemException.BadRequest("body", "the request body is empty");
            // JsonDocument keeps reading the buffer, so it is returned to the pool only when the body is disposed.
            var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 64 });
            var body = new JsonBody(document, buffer, length);
            buffer = null;
            return body;
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Keeps a body read before the handler (the token filter reads the rules endpoints' bodies for their token) for the
    /// handler's <see cref="ReadJsonAsync"/>; it is disposed with the response if the handler never takes it.
    /// </summary>
    public static void Keep(HttpRequest request, JsonBody body)
    {
        request.HttpContext.Features.Set(body);
        request.HttpContext.Response.RegisterForDispose(body);
    }

    private static void RequireJsonContentType(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrEmpty(type)) return;
        var media = type.Split(';', 2)[0].Trim();
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            // curl -d sends this by default; the body is still parsed as JSON.
            || media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
            return;
        throw new ProblemException(415, $"Content-Type '{media}' is not supported here; send application/json.", [new FieldError(null, "Content-Type", $"'{media}' is not JSON")]);
    }
}
