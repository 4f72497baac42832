using System.Text.Json;
using System.Text.Json.Nodes;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>
/// The schema of a <c>PATCH</c>: what the request gives merged into the current schema, as a user expects of PATCH.
/// A property named in the request replaces the one of that name (case ignored; how types may change is the dataset's
/// rule), the others stay; <c>required</c> and <c>additionalProperties</c> are replaced when given, kept when not.
/// The result is parsed and checked like a whole schema.
/// </summary>
public static class SchemaPatch
{
    /// <summary>The merged schema as JSON, for <see cref="SchemaJson.Parse"/>.</summary>
    public static JsonDocument Merge(DatasetSchema current, JsonElement patch)
    {
        if (patch.ValueKind != JsonValueKind.Object) return JsonDocument.Parse(patch.GetRawText());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) SchemaJson.Write(writer, current);
        var merged = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
        var given = JsonNode.Parse(patch.GetRawText())!.AsObject();
        foreach (var (name, value) in given)
        {
            if (name == "properties" && value is JsonObject properties)
            {
                var into = merged["properties"]!.AsObject();
                foreach (var (property, definition) in properties)
                {
                    var same = into.Select(p => p.Key).FirstOrDefault(k => k.Equals(property, StringComparison.OrdinalIgnoreCase));
                    if (same is not null) into.Remove(same);
                    into[property] = definition?.DeepClone();
                }
            }
            else
            {
                merged[name] = value?.DeepClone();
            }
        }
        return JsonDocument.Parse(merged.ToJsonString());
    }
}
