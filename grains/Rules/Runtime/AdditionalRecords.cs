using Apperate.Actors.Datasets;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>
/// The latest record of each key of a write in the other datasets that rules report additional facts from, read before
/// the commit so that evaluation inside the store's transaction needs no further reads.
/// </summary>
public sealed class AdditionalRecords
{
    private readonly Dictionary<string, (PropertyDefinition[] Properties, Dictionary<string, StoredRow> Rows)> _datasets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a dataset's answer to a query of one latest record per key.</summary>
    public void Add(string datasetId, QueryResult result)
    {
        var rows = new Dictionary<string, StoredRow>(StringComparer.Ordinal);
        foreach (var group in result.Groups)
            foreach (var row in group) rows.TryAdd(row.Key, row);
        _datasets[datasetId] = (result.Properties, rows);
    }

    /// <summary>The latest record of <paramref name="key"/> in <paramref name="datasetId"/> with its properties, when there is one.</summary>
    public bool TryGet(string datasetId, string key, out PropertyDefinition[] properties, out StoredRow row)
    {
        if (_datasets.TryGetValue(datasetId, out var dataset) && dataset.Rows.TryGetValue(key, out row!))
        {
            properties = dataset.Properties;
            return true;
        }
        properties = [];
        row = null!;
        return false;
    }
}
