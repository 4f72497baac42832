using Orleans.Concurrency;

namespace Apperate.Actors.Datasets;

/// <summary>
/// Rides on an async write's stream item so the dataset grain can tell the process that published it when the item is
/// stored (or finally failed): the item's publisher and its sequence number there.
/// </summary>
/// <param name="Publisher">The publishing process's id (<c>WriteTracker.ProcessId</c>).</param>
/// <param name="Sequence">The item's number in that process.</param>
/// <param name="Acknowledgements">
/// Where to report it when the dataset grain runs in another process; null when the publisher cannot take reports
/// (the grain then reports nothing unless it shares the publisher's process).
/// </param>
[GenerateSerializer, Immutable, Alias("apperate.WriteReceipt")]
public sealed record WriteReceipt(
    [property: Id(0)] Guid Publisher,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IWriteAcknowledgements? Acknowledgements);

/// <summary>
/// A publishing process's inbox for acknowledgements of the async writes it put on the record stream (an observer:
/// the silo or client that published creates it, dataset grains call it).
/// </summary>
public interface IWriteAcknowledgements : IGrainObserver
{
    /// <summary>The stream items with these sequence numbers, published for <paramref name="datasetKey"/>, are stored (or finally failed and were logged).</summary>
    [OneWay]
    Task StoredAsync(string datasetKey, long[] sequences);
}
