namespace Apperate.Actors.Datasets;

/// <summary>Output order of query results, by index date.</summary>
[GenerateSerializer, Alias("apperate.SortOrder")]
public enum SortOrder
{
    /// <summary>Newest first (the default).</summary>
    Descending = 0,
    /// <summary>Oldest first.</summary>
    Ascending = 1,
}

/// <summary>Selects the records of one key (and optionally one subkey); both null selects the whole dataset.</summary>
[GenerateSerializer, Alias("apperate.KeySelector")]
public sealed record KeySelector([property: Id(0)] string? Key, [property: Id(1)] string? Subkey)
{
    /// <summary>Every record of the dataset.</summary>
    public static readonly KeySelector All = new(null, null);
}

/// <summary>An equals / not-equals condition on a property (the <c>subattribute</c> parameter).</summary>
/// <param name="Property">The property name.</param>
/// <param name="Equal">True for <c>field|value</c> (equals), false for <c>field~value</c> (not equals).</param>
/// <param name="Value">The value as written in the query string; converted to the property's type.</param>
[GenerateSerializer, Alias("apperate.AttributeCondition")]
public sealed record AttributeCondition([property: Id(0)] string Property, [property: Id(1)] bool Equal, [property: Id(2)] string Value);

/// <summary>A planned query over one dataset, applied to each <see cref="KeySelector"/> separately.</summary>
/// <param name="From">Inclusive lower bound on the index date, epoch ms.</param>
/// <param name="To">Inclusive upper bound on the index date, epoch ms.</param>
/// <param name="Limit">Maximum records per selector after offset and interval; null means no limit.</param>
/// <param name="Offset">Records skipped (after interval thinning) before the limit applies.</param>
/// <param name="Oldest">Which end is selected: true takes the oldest records (<c>first</c>), false the newest.</param>
/// <param name="Sort">Output order.</param>
/// <param name="Interval">Keep every Nth record of the selection order; 1 keeps all.</param>
/// <param name="Conditions">Property conditions, all of which must hold.</param>
/// <param name="Properties">The properties to return (<c>filter</c>); null returns all.</param>
[GenerateSerializer, Alias("apperate.DataQuery")]
public sealed record DataQuery(
    [property: Id(0)] long? From,
    [property: Id(1)] long? To,
    [property: Id(2)] int? Limit,
    [property: Id(3)] int Offset,
    [property: Id(4)] bool Oldest,
    [property: Id(5)] SortOrder Sort,
    [property: Id(6)] int Interval,
    [property: Id(7)] AttributeCondition[] Conditions,
    [property: Id(8)] string[]? Properties)
{
    /// <summary>The default query: the single newest record.</summary>
    public static readonly DataQuery Latest = new(null, null, 1, 0, false, SortOrder.Descending, 1, [], null);

    /// <summary>Only records whose commit sequence (<see cref="StoredRow.Id"/>) is above this: what changed after it.</summary>
    [Id(9)]
    public long? AfterSequence { get; init; }

    /// <summary>Only records whose commit sequence is at most this: the dataset as of that commit.</summary>
    [Id(10)]
    public long? ThroughSequence { get; init; }

    /// <summary>Select and return in commit order (oldest first) instead of by index date; <see cref="Oldest"/> and <see cref="Sort"/> are then ignored.</summary>
    [Id(11)]
    public bool BySequence { get; init; }

    /// <summary>Only records of these keys (with <see cref="KeySelector.All"/>); null selects every key.</summary>
    [Id(12)]
    public string[]? Keys { get; init; }

    /// <summary>Only records written (inserted or replaced) at or after this time, epoch ms.</summary>
    [Id(13)]
    public long? UpdatedSince { get; init; }

    /// <summary>A read of what was committed after <paramref name="after"/>, in commit order, at most <paramref name="limit"/> records.</summary>
    public static DataQuery Changes(long after, int limit, string[]? keys = null, string[]? properties = null) =>
        new(null, null, limit, 0, true, SortOrder.Ascending, 1, [], properties) { AfterSequence = after, BySequence = true, Keys = keys };
}

/// <summary>A stored record as read back.</summary>
/// <param name="Id">The record's commit sequence: the number its dataset gave the write that inserted or last replaced it (a replace gives it a new one).</param>
/// <param name="Key">Key.</param>
/// <param name="Subkey">Subkey, empty when none.</param>
/// <param name="Date">Index date, epoch ms.</param>
/// <param name="Updated">Time of the last write of this row, epoch ms.</param>
/// <param name="Values">Values aligned with <see cref="QueryResult.Properties"/>, in the same representation as <see cref="RecordRow.Values"/>.</param>
/// <param name="Extra">Undeclared properties as JSON object text, or null.</param>
[GenerateSerializer, Immutable, Alias("apperate.StoredRow")]
public sealed record StoredRow(
    [property: Id(0)] long Id,
    [property: Id(1)] string Key,
    [property: Id(2)] string Subkey,
    [property: Id(3)] long Date,
    [property: Id(4)] long Updated,
    [property: Id(5)] object?[] Values,
    [property: Id(6)] string? Extra);

/// <summary>Query results of one dataset: the returned properties and one row list per selector, in selector order.</summary>
[GenerateSerializer, Immutable, Alias("apperate.QueryResult")]
public sealed record QueryResult(
    [property: Id(0)] string DatasetId,
    [property: Id(1)] PropertyDefinition[] Properties,
    [property: Id(2)] StoredRow[][] Groups);
