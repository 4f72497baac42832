namespace Apperate.Actors.Datasets;

/// <summary>
/// The record stream: async writes published as <see cref="RecordBatch"/> items, one stream per dataset whose key is
/// the dataset grain key (<see cref="Names.DatasetKey"/>), so the dataset grain consumes it by implicit subscription.
/// </summary>
/// <remarks>
/// Publishers must keep each item well under 1 MB serialized (the gateway sends at most 2,000 records and 256 KB of
/// JSON per item): Orleans' memory stream cache stores an item in one 1 MB block and drops larger ones.
/// Larger writes belong in <see cref="IDatasetGrain.WriteAsync"/>.
/// </remarks>
public static class RecordStreams
{
    /// <summary>The stream provider name (a bounded in-memory stream).</summary>
    public const string Provider = "records";

    /// <summary>The stream namespace.</summary>
    public const string Namespace = "records";
}
