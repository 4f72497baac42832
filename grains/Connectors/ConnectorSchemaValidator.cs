using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Apperate.Actors.Connectors;

/// <summary>
/// Validates a JSON document against the subset of JSON Schema the connector schemas use: <c>type</c> (one or a list),
/// <c>enum</c>, <c>minLength</c>, <c>pattern</c>, <c>minimum</c>/<c>maximum</c>, <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c> (boolean), <c>items</c>, <c>anyOf</c> and <c>default</c>.
/// </summary>
/// <remarks>
/// Defaults are applied before validation, so a required property with a default (<c>wait</c>, Coinbase's
/// <c>url</c>) may be left out. A string default of a boolean property (<c>"default": "true"</c>, as Apperate's
/// published schema has it) becomes that boolean.
/// </remarks>
public static class ConnectorSchemaValidator
{
    /// <summary>Fills absent properties that have a default, recursively through nested objects.</summary>
    public static void ApplyDefaults(JsonObject schema, JsonObject instance)
    {
        if (schema["properties"] is not JsonObject properties) return;
        foreach (var (name, propertySchema) in properties)
        {
            if (propertySchema is not JsonObject ps) continue;
            if (!instance.ContainsKey(name) && ps["default"] is { } fallback)
                instance[name] = Coerce(ps, fallback.DeepClone());
            if (instance[name] is JsonObject nested) ApplyDefaults(ps, nested);
        }
    }

    /// <summary>Validates <paramref name="instance"/>; each violation is added to <paramref name="errors"/> with its path.</summary>
    public static void Validate(JsonObject schema, JsonNode? instance, string path, List<FieldError> errors)
    {
        if (schema["anyOf"] is JsonArray anyOf)
        {
            var matched = false;
            foreach (var option in anyOf)
            {
                var attempt = new List<FieldError>();
                Validate(option!.AsObject(), instance, path, attempt);
                if (attempt.Count == 0) { matched = true; break; }
            }
            if (!matched) errors.Add(Error(path, $"must be {string.Join(" or ", anyOf.Select(o => Describe(o!.AsObject())))}"));
            return;
        }

        if (schema["type"] is { } type && !MatchesType(type, instance))
        {
            errors.Add(Error(path, $"must be {TypeNames(type)}, got {KindOf(instance)}"));
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, instance)))
        {
            errors.Add(Error(path, $"must be one of {string.Join(", ", allowed.Select(a => a?.ToJsonString()))}"));
            return;
        }

        switch (instance)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                if (schema["minLength"] is { } minLength && text.Length < minLength.GetValue<int>())
                    errors.Add(Error(path, minLength.GetValue<int>() == 1 ? "must not be empty" : $"must be at least {minLength} characters"));
                if (schema["pattern"] is { } pattern && !Regex.IsMatch(text, pattern.GetValue<string>(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
                    errors.Add(Error(path, $"must match {pattern.GetValue<string>()}"));
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                var number = value.GetValue<double>();
                if (schema["minimum"] is { } minimum && number < minimum.GetValue<double>())
                    errors.Add(Error(path, $"must be at least {minimum.ToJsonString()}"));
                if (schema["maximum"] is { } maximum && number > maximum.GetValue<double>())
                    errors.Add(Error(path, $"must be at most {maximum.ToJsonString()}"));
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++) Validate(items, array[i], $"{path}[{i}]", errors);
                break;
            case JsonObject obj:
                ValidateObject(schema, obj, path, errors);
                break;
        }
    }

    private static void ValidateObject(JsonObject schema, JsonObject obj, string path, List<FieldError> errors)
    {
        var properties = schema["properties"] as JsonObject;
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required)
            {
                var n = name!.GetValue<string>();
                if (!obj.ContainsKey(n)) errors.Add(Error(Join(path, n), "is required"));
            }
        }
        foreach (var (name, value) in obj)
        {
            if (properties?[name] is JsonObject ps) Validate(ps, value, Join(path, name), errors);
            else if (schema["additionalProperties"] is { } additional && additional.GetValueKind() == JsonValueKind.False)
                errors.Add(Error(Join(path, name), "is not a known property"));
        }
    }

    private static JsonNode? Coerce(JsonObject schema, JsonNode fallback)
    {
        if (schema["type"]?.GetValueKind() == JsonValueKind.String && schema["type"]!.GetValue<string>() == "boolean"
            && fallback is JsonValue v && v.TryGetValue<string>(out var s) && bool.TryParse(s, out var b))
            return JsonValue.Create(b);
        return fallback;
    }

    private static bool MatchesType(JsonNode type, JsonNode? instance) => type switch
    {
        JsonArray types => types.Any(t => MatchesType(t!, instance)),
        _ => type.GetValue<string>() switch
        {
            "object" => instance is JsonObject,
            "array" => instance is JsonArray,
            "string" => instance?.GetValueKind() == JsonValueKind.String,
            "boolean" => instance?.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            "number" => instance?.GetValueKind() == JsonValueKind.Number,
            "integer" => instance?.GetValueKind() == JsonValueKind.Number && IsIntegral(instance.AsValue()),
            "null" => instance is null || instance.GetValueKind() == JsonValueKind.Null,
            _ => true,
        },
    };

    private static bool IsIntegral(JsonValue value) =>
        double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && Math.Floor(d) == d && Math.Abs(d) < 9.2e18;

    private static string Describe(JsonObject schema) =>
        schema["enum"] is JsonArray e ? string.Join(" or ", e.Select(a => a?.ToJsonString()))
        : schema["type"] is { } t ? TypeNames(t) + (schema["minimum"] is { } min ? $" ≥ {min.ToJsonString()}" : "")
        : "valid";

    private static string TypeNames(JsonNode type) => type is JsonArray list
        ? string.Join(" or ", list.Select(t => Article(t!.GetValue<string>())))
        : Article(type.GetValue<string>());

    private static string Article(string type) => type switch
    {
        "object" or "array" or "integer" => $"an {type}",
        "null" => "null",
        _ => $"a {type}",
    };

    private static string KindOf(JsonNode? instance) => instance?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static FieldError Error(string path, string reason) => new(null, path.Length == 0 ? "body" : path, reason);
}
