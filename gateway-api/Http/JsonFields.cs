using System.Text.Json;

namespace Apperate.Actors.Gateway.Http;

/// <summary>Reading optional members of a JSON request body, collecting every problem before one 400.</summary>
public static class JsonFields
{
    /// <summary>
    /// The string member <paramref name="name"/> of <paramref name="obj"/>, or null when absent or null; another kind
    /// of value adds an error naming <paramref name="field"/> (the member's path in the body) and gives null.
    /// </summary>
    public static string? OptionalString(JsonElement obj, string name, string field, List<FieldError> errors)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        errors.Add(new FieldError(null, field, "must be a string"));
        return null;
    }
}
