using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Engine.Conditions;

namespace Apperate.Actors.Rules.Engine;

/// <summary>Fact values as JSON: written into alerts and reports, and read from nested and <c>any</c> properties.</summary>
/// <remarks>
/// A row holds object, array and any values as JSON text; a nested fact is a path inside that text. A path segment
/// names an object member (case-sensitive, as JSON is) or, inside an array, a zero-based element.
/// </remarks>
public static class FactJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>
    /// Writes one fact's value: <paramref name="columnValue"/> is the row value of the fact's property (as
    /// <see cref="RecordRow.Values"/> holds it, of a property of <paramref name="columnType"/>), <paramref name="path"/> the
    /// nested path. Absent or null values, and paths that lead nowhere, are written as <c>null</c>.
    /// </summary>
    /// <remarks>For an additional fact of another dataset, pass the value and type from that dataset's row and schema.</remarks>
    public static void Write(Utf8JsonWriter writer, object? columnValue, PropertyType columnType, IReadOnlyList<string> path)
    {
        switch (columnValue)
        {
            case null:
                writer.WriteNullValue();
                return;
            case long l:
                writer.WriteNumberValue(l);
                return;
            case double d:
                writer.WriteNumberValue(d);
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
            case string s when IsJsonText(columnType):
                if (path.Count == 0)
                {
                    writer.WriteRawValue(s);
                    return;
                }
                using (var document = Parse(s))
                {
                    if (document is not null && Navigate(document.RootElement, path, out var element)) element.WriteTo(writer);
                    else writer.WriteNullValue();
                }
                return;
            case string s:
                writer.WriteStringValue(s);
                return;
            default:
                writer.WriteNullValue();
                return;
        }
    }

    /// <summary>The value a nested or <c>any</c> fact has in one row.</summary>
    internal static DynamicValue ReadDynamic(object? columnValue, PropertyType columnType, string[] path)
    {
        switch (columnValue)
        {
            case null:
                return DynamicValue.Absent;
            case string s when IsJsonText(columnType):
                using (var document = Parse(s))
                {
                    return document is not null && Navigate(document.RootElement, path, out var element) ? FromElement(element) : DynamicValue.Absent;
                }
            case var _ when path.Length > 0:
                return DynamicValue.Absent;
            case long l:
                return new DynamicValue(DynamicKind.Number, new Num(l), null, false);
            case double d:
                return new DynamicValue(DynamicKind.Number, new Num(d), null, false);
            case bool b:
                return new DynamicValue(DynamicKind.Boolean, default, null, b);
            case string s:
                return new DynamicValue(DynamicKind.String, default, s, false);
            default:
                return DynamicValue.Absent;
        }
    }

    private static bool IsJsonText(PropertyType type) => type is PropertyType.Object or PropertyType.Array or PropertyType.Any;

    private static DynamicValue FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => Num.TryRead(element, out var n) ? new DynamicValue(DynamicKind.Number, n, null, false) : DynamicValue.Absent,
        JsonValueKind.String => new DynamicValue(DynamicKind.String, default, element.GetString(), false),
        JsonValueKind.True => new DynamicValue(DynamicKind.Boolean, default, null, true),
        JsonValueKind.False => new DynamicValue(DynamicKind.Boolean, default, null, false),
        JsonValueKind.Object or JsonValueKind.Array => DynamicValue.Structured,
        _ => DynamicValue.Absent,
    };

    private static JsonDocument? Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool Navigate(JsonElement root, IReadOnlyList<string> path, out JsonElement element)
    {
        element = root;
        foreach (var segment in path)
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(segment, out var member))
            {
                element = member;
            }
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(segment, System.Globalization.NumberStyles.None,
                         System.Globalization.CultureInfo.InvariantCulture, out var i) && i < element.GetArrayLength())
            {
                element = element[i];
            }
            else
            {
                return false;
            }
        }
        return element.ValueKind != JsonValueKind.Null;
    }
}
