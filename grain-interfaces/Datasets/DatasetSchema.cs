namespace Apperate.Actors.Datasets;

/// <summary>The type of a dataset property: the JSON Schema type, with the two date formats as their own types.</summary>
[GenerateSerializer, Alias("apperate.PropertyType")]
public enum PropertyType
{
    String = 0,
    Number = 1,
    Integer = 2,
    Boolean = 3,
    Object = 4,
    Array = 5,
    Any = 6,
    /// <summary><c>{"type":"string","format":"date"}</c>: <c>YYYY-MM-DD</c>.</summary>
    Date = 7,
    /// <summary><c>{"type":"string","format":"date-time"}</c>: an ISO 8601 date-time.</summary>
    DateTime = 8,
}

/// <summary>One property of a dataset schema.</summary>
/// <param name="Name">The property name, as declared (case preserved).</param>
/// <param name="Type">Its type.</param>
[GenerateSerializer, Alias("apperate.PropertyDefinition")]
public sealed record PropertyDefinition([property: Id(0)] string Name, [property: Id(1)] PropertyType Type);

/// <summary>A dataset schema: its properties in declaration order, the required ones, and whether other properties are kept.</summary>
/// <param name="Properties">Properties in declaration order; names are unique ignoring case.</param>
/// <param name="Required">Names of required properties (always including the index properties).</param>
/// <param name="AdditionalProperties">When true, undeclared properties are stored and returned as they were written.</param>
[GenerateSerializer, Alias("apperate.DatasetSchema")]
public sealed record DatasetSchema(
    [property: Id(0)] PropertyDefinition[] Properties,
    [property: Id(1)] string[] Required,
    [property: Id(2)] bool AdditionalProperties)
{
    /// <summary>Finds a property by name, ignoring case.</summary>
    public PropertyDefinition? Find(string name)
    {
        foreach (var p in Properties)
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p;
        return null;
    }

    /// <summary>The index of a property by name ignoring case, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Properties.Length; i++)
            if (string.Equals(Properties[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}

/// <summary>Which properties form the unique index: key (required), subkey and date (optional).</summary>
/// <remarks>Without a date property, the write time in epoch milliseconds is the record's date.</remarks>
[GenerateSerializer, Alias("apperate.ColumnMapping")]
public sealed record ColumnMapping(
    [property: Id(0)] string Key,
    [property: Id(1)] string? Subkey,
    [property: Id(2)] string? Date);
