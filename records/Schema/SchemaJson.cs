using System.Text.Json;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>
/// Reads and writes the JSON Schema form of a dataset schema and its column mapping, as they appear in the
/// dataset requests and responses.
/// </summary>
/// <remarks>
/// Parsing collects every problem before failing so one 400 tells the user everything that is wrong, and it
/// resolves every name in <c>required</c> and the column mapping to the declared spelling, so later lookups
/// never depend on how the user cased a reference.
/// </remarks>
public static class SchemaJson
{
    /// <summary>
    /// Parses the <c>schema</c> and <c>columnMapping</c> of a create (or PATCH) request.
    /// </summary>
    /// <param name="schema"><c>{"type":"object","properties":{NAME:{"type":T,"format"?}},"required":[…],"additionalProperties"?:bool}</c>.</param>
    /// <param name="columnMapping"><c>{"key","subkey"?,"date"?}</c>.</param>
    /// <returns>The schema (index properties always in <see cref="DatasetSchema.Required"/>) and the mapping, both using the declared spelling of every name.</returns>
    /// <exception cref="ApperateException"><see cref="ErrorKind.Invalid"/> listing every problem, each naming its field path.</exception>
    public static (DatasetSchema Schema, ColumnMapping Mapping) Parse(JsonElement schema, JsonElement columnMapping)
    {
        var errors = new List<FieldError>();
        var properties = new List<PropertyDefinition>();
        var required = new List<string>();
        var additional = false;
        // Declared names whose definition was bad: references to them are not reported again as undeclared.
        var broken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        if (schema.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(null, "schema", "must be a JSON object"));
        }
        else
        {
            if (schema.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.ValueEquals("object")))
                errors.Add(new FieldError(null, "schema.type", "must be \"object\""));

            ParseProperties(schema, properties, broken, errors);
            ParseRequired(schema, properties, broken, required, errors);

            if (schema.TryGetProperty("additionalProperties", out var ap))
            {
                if (ap.ValueKind is JsonValueKind.True or JsonValueKind.False) additional = ap.GetBoolean();
                else if (ap.ValueKind != JsonValueKind.Null) errors.Add(new FieldError(null, "schema.additionalProperties", "must be true or false"));
            }
        }

        var mapping = ParseMapping(columnMapping, properties, broken, errors);

        if (errors.Count > 0)
            throw new ApperateException(ErrorKind.Invalid, "invalid dataset schema: " + string.Join("; ", errors), errors);

        // Index properties are always required: a record without them cannot be placed in the unique index.
        AddOnce(required, mapping!.Key);
        if (mapping.Subkey is not null) AddOnce(required, mapping.Subkey);
        if (mapping.Date is not null) AddOnce(required, mapping.Date);

        return (new DatasetSchema(properties.ToArray(), required.ToArray(), additional), mapping);
    }

    /// <summary>The JSON Schema <c>type</c> keyword value for a property type (dates are <c>string</c>).</summary>
    public static string TypeName(PropertyType type) => type switch
    {
        PropertyType.String or PropertyType.Date or PropertyType.DateTime => "string",
        PropertyType.Number => "number",
        PropertyType.Integer => "integer",
        PropertyType.Boolean => "boolean",
        PropertyType.Object => "object",
        PropertyType.Array => "array",
        _ => "any",
    };

    /// <summary>The JSON Schema <c>format</c> keyword value for a property type, or null when it has none.</summary>
    public static string? FormatName(PropertyType type) => type switch
    {
        PropertyType.Date => "date",
        PropertyType.DateTime => "date-time",
        _ => null,
    };

    /// <summary>A short human name for a type, for error messages (<c>date</c>, <c>date-time</c>, else the JSON type).</summary>
    public static string DisplayName(PropertyType type) => FormatName(type) ?? TypeName(type);

    /// <summary>Writes the schema as one JSON object value (the caller writes the property name, if any).</summary>
    public static void Write(Utf8JsonWriter w, DatasetSchema schema)
    {
        w.WriteStartObject();
        w.WriteString("type", "object");
        w.WriteStartObject("properties");
        foreach (var p in schema.Properties)
        {
            w.WriteStartObject(p.Name);
            w.WriteString("type", TypeName(p.Type));
            if (FormatName(p.Type) is { } format) w.WriteString("format", format);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("required");
        foreach (var r in schema.Required) w.WriteStringValue(r);
        w.WriteEndArray();
        w.WriteBoolean("additionalProperties", schema.AdditionalProperties);
        w.WriteEndObject();
    }

    /// <summary>Writes the column mapping as one JSON object value; absent subkey and date are omitted.</summary>
    public static void WriteColumnMapping(Utf8JsonWriter w, ColumnMapping mapping)
    {
        w.WriteStartObject();
        w.WriteString("key", mapping.Key);
        if (mapping.Subkey is not null) w.WriteString("subkey", mapping.Subkey);
        if (mapping.Date is not null) w.WriteString("date", mapping.Date);
        w.WriteEndObject();
    }

    private static void ParseProperties(JsonElement schema, List<PropertyDefinition> properties, HashSet<string> broken, List<FieldError> errors)
    {
        if (!schema.TryGetProperty("properties", out var props) || props.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError(null, "schema.properties", "must declare at least one property"));
            return;
        }
        if (props.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(null, "schema.properties", "must be a JSON object"));
            return;
        }

        // Names already taken, ignoring case, including ones whose definition was bad: a duplicate is a
        // duplicate whatever else is wrong with it.
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var any = false;
        foreach (var prop in props.EnumerateObject())
        {
            any = true;
            var name = prop.Name;
            var path = "schema.properties." + name;
            var nameOk = true;
            if (Names.Check(name) is { } reason)
            {
                errors.Add(new FieldError(null, path, "invalid property name: " + reason));
                nameOk = false;
            }
            else if (!seen.TryAdd(name, name))
            {
                errors.Add(new FieldError(null, path, $"duplicates property '{seen[name]}' (property names are case-insensitive)"));
                nameOk = false;
            }

            var type = ParsePropertyType(prop.Value, path, errors);
            if (nameOk && type is { } t) properties.Add(new PropertyDefinition(name, t));
            else broken.Add(name);
        }
        if (!any) errors.Add(new FieldError(null, "schema.properties", "must declare at least one property"));
    }

    private static PropertyType? ParsePropertyType(JsonElement def, string path, List<FieldError> errors)
    {
        if (def.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(null, path, "must be a JSON object with a \"type\""));
            return null;
        }
        if (!def.TryGetProperty("type", out var typeEl))
        {
            errors.Add(new FieldError(null, path + ".type", "is required"));
            return null;
        }

        string? typeName = null;
        if (typeEl.ValueKind == JsonValueKind.String)
        {
            typeName = typeEl.GetString();
        }
        else if (typeEl.ValueKind == JsonValueKind.Array)
        {
            // ["number","null"]: every property may already be null unless required, so the "null" member
            // adds nothing and is dropped; more than one real type has no single storage form.
            foreach (var item in typeEl.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    errors.Add(new FieldError(null, path + ".type", "a type list may hold only type names"));
                    return null;
                }
                if (item.ValueEquals("null")) continue;
                if (typeName is not null)
                {
                    errors.Add(new FieldError(null, path + ".type", "a type list may hold only one type besides \"null\""));
                    return null;
                }
                typeName = item.GetString();
            }
            if (typeName is null)
            {
                errors.Add(new FieldError(null, path + ".type", "a type list must hold one type besides \"null\""));
                return null;
            }
        }
        else
        {
            errors.Add(new FieldError(null, path + ".type", "must be a type name"));
            return null;
        }

        PropertyType? type = typeName switch
        {
            "string" => PropertyType.String,
            "number" => PropertyType.Number,
            "integer" => PropertyType.Integer,
            "boolean" => PropertyType.Boolean,
            "object" => PropertyType.Object,
            "array" => PropertyType.Array,
            "any" => PropertyType.Any,
            _ => null,
        };
        if (type is null)
        {
            errors.Add(new FieldError(null, path + ".type",
                $"unknown type '{typeName}' (expected string, number, integer, boolean, object, array or any)"));
            return null;
        }

        if (def.TryGetProperty("format", out var formatEl) && formatEl.ValueKind != JsonValueKind.Null)
        {
            if (type != PropertyType.String)
            {
                errors.Add(new FieldError(null, path + ".format", "a format is allowed only with type string"));
                return null;
            }
            if (formatEl.ValueKind == JsonValueKind.String && formatEl.ValueEquals("date")) return PropertyType.Date;
            if (formatEl.ValueKind == JsonValueKind.String && formatEl.ValueEquals("date-time")) return PropertyType.DateTime;
            errors.Add(new FieldError(null, path + ".format",
                $"unknown format {formatEl.GetRawText()} (expected \"date\" or \"date-time\")"));
            return null;
        }
        return type;
    }

    private static void ParseRequired(JsonElement schema, List<PropertyDefinition> properties, HashSet<string> broken, List<string> required, List<FieldError> errors)
    {
        if (!schema.TryGetProperty("required", out var req) || req.ValueKind == JsonValueKind.Null) return;
        if (req.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(null, "schema.required", "must be an array of property names"));
            return;
        }
        var i = 0;
        foreach (var item in req.EnumerateArray())
        {
            var path = $"schema.required[{i++}]";
            if (item.ValueKind != JsonValueKind.String)
            {
                errors.Add(new FieldError(null, path, "must be a property name"));
                continue;
            }
            var name = item.GetString()!;
            if (FindDeclared(properties, name) is { } declared) AddOnce(required, declared.Name);
            else if (!broken.Contains(name)) errors.Add(new FieldError(null, path, $"'{name}' is not a declared property"));
        }
    }

    private static ColumnMapping? ParseMapping(JsonElement mapping, List<PropertyDefinition> properties, HashSet<string> broken, List<FieldError> errors)
    {
        if (mapping.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(null, "columnMapping", "must be a JSON object with a \"key\""));
            return null;
        }

        var key = MappedProperty(mapping, "key", properties, broken, errors, out var keyGiven);
        if (!keyGiven) errors.Add(new FieldError(null, "columnMapping.key", "is required"));
        var subkey = MappedProperty(mapping, "subkey", properties, broken, errors, out _);
        var date = MappedProperty(mapping, "date", properties, broken, errors, out _);

        if (key is not null && key.Type is not (PropertyType.String or PropertyType.Integer))
            errors.Add(new FieldError(null, "columnMapping.key", $"the key property '{key.Name}' must be of type string or integer, not {DisplayName(key.Type)}"));
        if (subkey is not null && subkey.Type is not (PropertyType.String or PropertyType.Integer))
            errors.Add(new FieldError(null, "columnMapping.subkey", $"the subkey property '{subkey.Name}' must be of type string or integer, not {DisplayName(subkey.Type)}"));
        if (date is not null && date.Type is not (PropertyType.Date or PropertyType.DateTime or PropertyType.Integer))
            errors.Add(new FieldError(null, "columnMapping.date",
                $"the date property '{date.Name}' must be of type date, date-time or integer (epoch milliseconds), not {DisplayName(date.Type)}"));

        // One property can hold only one index position; reported on the later field.
        if (key is not null && subkey is not null && ReferenceEquals(key, subkey))
            errors.Add(new FieldError(null, "columnMapping.subkey", $"'{subkey.Name}' is already the key"));
        if (date is not null && key is not null && ReferenceEquals(key, date))
            errors.Add(new FieldError(null, "columnMapping.date", $"'{date.Name}' is already the key"));
        else if (date is not null && subkey is not null && ReferenceEquals(subkey, date))
            errors.Add(new FieldError(null, "columnMapping.date", $"'{date.Name}' is already the subkey"));

        return key is null ? null : new ColumnMapping(key.Name, subkey?.Name, date?.Name);
    }

    /// <summary>Resolves one mapping entry to its declared property; null and "" mean "not mapped".</summary>
    private static PropertyDefinition? MappedProperty(JsonElement mapping, string field, List<PropertyDefinition> properties,
        HashSet<string> broken, List<FieldError> errors, out bool given)
    {
        given = false;
        if (!mapping.TryGetProperty(field, out var el) || el.ValueKind == JsonValueKind.Null) return null;
        var path = "columnMapping." + field;
        if (el.ValueKind != JsonValueKind.String)
        {
            given = true;
            errors.Add(new FieldError(null, path, "must be a property name"));
            return null;
        }
        var name = el.GetString()!;
        if (name.Length == 0) return null;
        given = true;
        var declared = FindDeclared(properties, name);
        if (declared is null && !broken.Contains(name)) errors.Add(new FieldError(null, path, $"'{name}' is not a declared property"));
        return declared;
    }

    private static PropertyDefinition? FindDeclared(List<PropertyDefinition> properties, string name)
    {
        foreach (var p in properties)
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p;
        return null;
    }

    private static void AddOnce(List<string> names, string name)
    {
        foreach (var n in names)
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return;
        names.Add(name);
    }
}
