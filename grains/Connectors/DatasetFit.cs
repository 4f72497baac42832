using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors;

/// <summary>Whether an existing dataset can take a stream's records as they are.</summary>
public static class DatasetFit
{
    /// <summary>
    /// Null when <paramref name="dataset"/> has the stream's unique index and every property of the stream with a type
    /// that holds its values (an integer property of the stream also fits a number property); otherwise what differs.
    /// </summary>
    public static string? Problem(DatasetDefinition dataset, SourceStream stream)
    {
        var have = dataset.ColumnMapping;
        var want = stream.ColumnMapping;
        if (!Same(have.Key, want.Key) || !Same(have.Subkey, want.Subkey) || !Same(have.Date, want.Date))
            return $"its index is key={have.Key}, subkey={have.Subkey ?? "none"}, date={have.Date ?? "none"}; the stream needs key={want.Key}, subkey={want.Subkey ?? "none"}, date={want.Date ?? "none"}";
        foreach (var property in stream.Schema.Properties)
        {
            var existing = dataset.Schema.Find(property.Name);
            if (existing is null) return $"it has no property '{property.Name}'";
            if (existing.Type != property.Type && !(existing.Type == PropertyType.Number && property.Type == PropertyType.Integer))
                return $"its property '{existing.Name}' is {existing.Type.ToString().ToLowerInvariant()}, the stream's is {property.Type.ToString().ToLowerInvariant()}";
        }
        return null;
    }

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
