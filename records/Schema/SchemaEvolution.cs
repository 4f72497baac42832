using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>Applies a PATCH to a dataset schema, allowing only changes that keep every stored row valid.</summary>
/// <remarks>
/// <para>Allowed: adding properties (appended after the existing ones); dropping names from <c>required</c> (index
/// properties stay required whatever the request says); widening <c>integer</c> to <c>number</c> (not for index
/// properties, whose type is part of the index); turning <c>additionalProperties</c> on.</para>
/// <para>Refused with 409: removing a property; any other type change; making a property required that was not
/// (existing rows may lack it); turning <c>additionalProperties</c> off (stored extra properties would no longer
/// fit); changing the column mapping.</para>
/// <para>Why only these: writers validate against a cached schema, and rows already stored are never rewritten,
/// so every change must be additive (see <see cref="DatasetDefinition.Version"/>).</para>
/// </remarks>
public static class SchemaEvolution
{
    /// <summary>Merges <paramref name="proposed"/> into the current schema.</summary>
    /// <param name="current">The dataset as it is.</param>
    /// <param name="proposed">The schema from the PATCH request, as parsed by <see cref="SchemaJson.Parse"/>.</param>
    /// <param name="proposedMapping">The column mapping from the request, or null when it has none.</param>
    /// <returns>The merged schema: existing properties keep their order and spelling, new ones are appended.</returns>
    /// <exception cref="ApperateException"><see cref="ErrorKind.Conflict"/> naming the property of the first forbidden change.</exception>
    public static DatasetSchema Apply(DatasetDefinition current, DatasetSchema proposed, ColumnMapping? proposedMapping)
    {
        var schema = current.Schema;
        var mapping = current.ColumnMapping;

        if (proposedMapping is not null)
        {
            CheckMappingUnchanged("key", mapping.Key, proposedMapping.Key);
            CheckMappingUnchanged("subkey", mapping.Subkey, proposedMapping.Subkey);
            CheckMappingUnchanged("date", mapping.Date, proposedMapping.Date);
        }

        var properties = new List<PropertyDefinition>(Math.Max(schema.Properties.Length, proposed.Properties.Length));
        foreach (var existing in schema.Properties)
        {
            var wanted = proposed.Find(existing.Name)
                ?? throw Conflict($"property '{existing.Name}' cannot be removed: stored records hold it");
            if (wanted.Type == existing.Type)
            {
                properties.Add(existing);
            }
            else if (existing.Type == PropertyType.Integer && wanted.Type == PropertyType.Number && !IsIndex(mapping, existing.Name))
            {
                properties.Add(existing with { Type = PropertyType.Number });
            }
            else
            {
                var why = IsIndex(mapping, existing.Name)
                    ? "it is an index property"
                    : "only integer may be widened to number";
                throw Conflict($"property '{existing.Name}' cannot change type from {SchemaJson.DisplayName(existing.Type)} to {SchemaJson.DisplayName(wanted.Type)}: {why}");
            }
        }
        foreach (var p in proposed.Properties)
            if (schema.Find(p.Name) is null) properties.Add(p);

        foreach (var name in proposed.Required)
        {
            if (Contains(schema.Required, name) || IsIndex(mapping, name)) continue;
            throw Conflict($"property '{name}' cannot be made required: stored records may lack it");
        }

        // Keep the current order; index properties stay however the request lists them.
        var required = new List<string>(schema.Required.Length);
        foreach (var name in schema.Required)
            if (IsIndex(mapping, name) || Contains(proposed.Required, name)) required.Add(name);

        if (schema.AdditionalProperties && !proposed.AdditionalProperties)
            throw Conflict("additionalProperties cannot be turned off: stored records may hold undeclared properties");

        return new DatasetSchema(properties.ToArray(), required.ToArray(), schema.AdditionalProperties || proposed.AdditionalProperties);
    }

    private static void CheckMappingUnchanged(string field, string? current, string? proposed)
    {
        if (!string.Equals(current ?? "", proposed ?? "", StringComparison.OrdinalIgnoreCase))
            throw Conflict($"columnMapping.{field} cannot change from {Quote(current)} to {Quote(proposed)}: the index of stored records is fixed");
    }

    private static string Quote(string? name) => name is null ? "none" : $"'{name}'";

    private static bool IsIndex(ColumnMapping mapping, string name) =>
        string.Equals(mapping.Key, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(mapping.Subkey, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(mapping.Date, name, StringComparison.OrdinalIgnoreCase);

    private static bool Contains(string[] names, string name)
    {
        foreach (var n in names)
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static ApperateException Conflict(string message) => ApperateException.Conflict(message);
}
