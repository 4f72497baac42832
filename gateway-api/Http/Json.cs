using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Gateway.Http;

/// <summary>Small helpers for writing JSON responses with <see cref="Utf8JsonWriter"/>.</summary>
public static class Json
{
    /// <summary>
    /// How every response is written: text as is (UTF-8, apostrophes, <c>+</c>, <c>&lt;</c>) rather than <c>\u0027</c>-style
    /// escapes, which are equally valid JSON but unreadable in a terminal. Responses are JSON documents, never embedded
    /// in HTML, so the HTML-safe default buys nothing here.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a JSON response produced by <paramref name="write"/>.</summary>
    public static async Task WriteAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(response.Body, WriterOptions);
        write(writer);
        await writer.FlushAsync();
    }

    /// <summary><c>{"success":true,"message":…}</c> plus optional extra properties.</summary>
    public static Task SuccessAsync(HttpResponse response, int status, string message, Action<Utf8JsonWriter>? extra = null) =>
        WriteAsync(response, status, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteString("message", message);
            extra?.Invoke(w);
            w.WriteEndObject();
        });
}
