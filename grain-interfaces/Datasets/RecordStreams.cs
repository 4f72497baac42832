namespace Apperate.Actors.Datasets;

/// <summary>
/// The record stream: async writes published as <see cref="RecordBatch"/> items, one stream per dataset whose key is
/// the dataset grain key (<see cref="Names.DatasetKey"/>), so the dataset grain consumes it by implicit subscription.
/// </summary>
public static class RecordStreams
{
    /// <summary>The stream provider name (a bounded in-memory stream).</summary>
    public const string Provider = "records";

    /// <summary>The stream namespace.</summary>
    public const string Namespace = "records";
}
