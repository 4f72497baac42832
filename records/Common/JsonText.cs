using System.Text.Encodings.Web;
using System.Text.Json;

namespace Apperate.Actors.Common;

/// <summary>JSON values as compact text, the way rules keep them (no indentation, non-ASCII text as is).</summary>
public static class JsonText
{
    private static readonly JsonWriterOptions CompactWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The element as compact JSON text.</summary>
    public static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CompactWriter)) element.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
