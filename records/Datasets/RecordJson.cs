using System.Globalization;
using System.Text.Json;

namespace Apperate.Actors.Datasets;

/// <summary>
/// Writes a record as the API shows it: each property's value in its JSON form (object, array and any properties are
/// stored as JSON text and written raw), then the undeclared properties kept in the row's extra object.
/// </summary>
public static class RecordJson
{
    /// <summary>Writes one record object from values aligned with <paramref name="properties"/>.</summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<PropertyDefinition> properties, object?[] values, string? extra)
    {
        writer.WriteStartObject();
        WriteProperties(writer, properties, values);
        WriteExtra(writer, extra);
        writer.WriteEndObject();
    }

    /// <summary>Writes name/value pairs of values aligned with <paramref name="properties"/> into the open object.</summary>
    public static void WriteProperties(Utf8JsonWriter writer, IReadOnlyList<PropertyDefinition> properties, object?[] values)
    {
        for (var i = 0; i < properties.Count; i++)
        {
            writer.WritePropertyName(properties[i].Name);
            WriteValue(writer, properties[i].Type, values[i]);
        }
    }

    /// <summary>Writes the undeclared properties of a row's extra JSON object into the open object.</summary>
    public static void WriteExtra(Utf8JsonWriter writer, string? extra)
    {
        if (extra is not { Length: > 2 }) return;
        using var doc = JsonDocument.Parse(extra);
        foreach (var p in doc.RootElement.EnumerateObject()) p.WriteTo(writer);
    }

    /// <summary>Writes one value in the representation of <see cref="RecordRow.Values"/> as the JSON of its property type.</summary>
    public static void WriteValue(Utf8JsonWriter writer, PropertyType type, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s when type is PropertyType.Object or PropertyType.Array or PropertyType.Any: writer.WriteRawValue(s, skipInputValidation: true); break;
            case string s: writer.WriteStringValue(s); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d: writer.WriteNumberValue(d); break;
            case bool b: writer.WriteBooleanValue(b); break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
