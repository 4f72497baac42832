namespace Apperate.Actors.Datasets;

/// <summary>
/// The record stream: async writes published as <see cref="RecordBatch"/> items, one stream per dataset whose key is
/// the dataset grain key (<see cref="Names.DatasetKey"/>), so the dataset grain consumes it by implicit subscription.
/// </summary>
/// <remarks>
/// The provider is durable (the record queue, in the store's database): an item is on disk when the publisher's
/// <c>OnNextAsync</c> returns, and the dataset grain applies it exactly once, in stream order. A full queue refuses
/// the item with <c>QueueFullException</c>; nothing of it was queued. Items stay at most <see cref="MaxItemRows"/>
/// records; larger writes belong in <see cref="IDatasetGrain.WriteAsync"/>.
/// </remarks>
public static class RecordStreams
{
    /// <summary>The stream provider name.</summary>
    public const string Provider = "records";

    /// <summary>The stream namespace.</summary>
    public const string Namespace = "records";

    /// <summary>Records per stream item at most: an item is one queue row, read and delivered whole.</summary>
    public const int MaxItemRows = 2_000;
}
