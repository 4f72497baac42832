using System.Runtime.CompilerServices;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Gateway.Live;

/// <summary>Reads what a dataset committed after a sequence, from the store through its grain, a page at a time.</summary>
public static class DatasetChanges
{
    /// <summary>Records per page.</summary>
    public const int Page = 1_000;

    /// <summary>
    /// The records committed after <paramref name="after"/> up to <paramref name="through"/>, in commit order, as
    /// pages of at most <see cref="Page"/> (none empty); optionally only <paramref name="keys"/>, or records written at
    /// or after <paramref name="updatedSince"/>.
    /// </summary>
    public static async IAsyncEnumerable<(PropertyDefinition[] Properties, StoredRow[] Rows)> ReadAsync(this IDatasetGrain grain, long after, long through,
        string[]? keys = null, long? updatedSince = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var query = DataQuery.Changes(after, Page, keys) with { ThroughSequence = through, UpdatedSince = updatedSince };
            var result = await grain.QueryAsync([KeySelector.All], query);
            var rows = result.Groups[0];
            if (rows.Length > 0)
            {
                after = rows[^1].Id;
                yield return (result.Properties, rows);
            }
            if (rows.Length < Page) yield break;
        }
    }
}
