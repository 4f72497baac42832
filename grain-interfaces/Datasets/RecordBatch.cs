namespace Apperate.Actors.Datasets;

/// <summary>What to do with a record whose key, subkey and date are already stored.</summary>
[GenerateSerializer, Alias("apperate.DuplicateKeyHandling")]
public enum DuplicateKeyHandling
{
    /// <summary>Keep the stored record (the default).</summary>
    Ignore = 0,
    /// <summary>Overwrite the stored record.</summary>
    Replace = 1,
}

/// <summary>One validated record in store form.</summary>
/// <param name="Key">The key value as text.</param>
/// <param name="Subkey">The subkey value as text, or empty when the dataset has none or the value is absent.</param>
/// <param name="Date">The index date, epoch ms.</param>
/// <param name="Values">
/// One value per entry of <see cref="RecordBatch.Columns"/>: <see cref="string"/> for string and date types,
/// <see cref="long"/> for integer, <see cref="double"/> for number, <see cref="bool"/> for boolean, JSON text for
/// object, array and any; null for an absent or null property.
/// </param>
/// <param name="Extra">Undeclared properties as a JSON object text, for datasets that allow them; otherwise null.</param>
[GenerateSerializer, Immutable, Alias("apperate.RecordRow")]
public sealed record RecordRow(
    [property: Id(0)] string Key,
    [property: Id(1)] string Subkey,
    [property: Id(2)] long Date,
    [property: Id(3)] object?[] Values,
    [property: Id(4)] string? Extra);

/// <summary>
/// A batch of validated records bound for one dataset: the unit of a write, both on the record stream and in direct grain calls.
/// </summary>
/// <remarks>Immutable: never change a batch (or its rows' values) after handing it over; calls inside one silo pass it without copying.</remarks>
/// <param name="Columns">Property names the row values are aligned with (a subset of the schema, in any order).</param>
/// <param name="Rows">The records, in request order.</param>
/// <param name="Duplicates">Duplicate-key handling for this batch.</param>
/// <param name="Persist">False publishes the records as events only and stores nothing.</param>
/// <param name="NoEvents">True stores the records without raising events: rules do not see them (<c>event=false</c>; batch loads without <c>event=true</c>).</param>
/// <param name="FreezeState">True evaluates stateful rule operators without advancing their per-key state (<c>updateState=false</c>).</param>
[GenerateSerializer, Immutable, Alias("apperate.RecordBatch")]
public sealed record RecordBatch(
    [property: Id(0)] string[] Columns,
    [property: Id(1)] RecordRow[] Rows,
    [property: Id(2)] DuplicateKeyHandling Duplicates,
    [property: Id(3)] bool Persist = true,
    [property: Id(5)] bool NoEvents = false,
    [property: Id(6)] bool FreezeState = false);

/// <summary>The outcome of a committed write.</summary>
/// <param name="Received">Records in the batch.</param>
/// <param name="Written">Records inserted or replaced.</param>
/// <param name="Duplicates">Records that matched a stored key+subkey+date (ignored, or replaced when replacing).</param>
[GenerateSerializer, Alias("apperate.WriteResult")]
public sealed record WriteResult([property: Id(0)] int Received, [property: Id(1)] int Written, [property: Id(2)] int Duplicates)
{
    /// <summary>Nothing written.</summary>
    public static readonly WriteResult Empty = new(0, 0, 0);
}
