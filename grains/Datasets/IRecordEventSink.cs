namespace Apperate.Actors.Datasets;

/// <summary>
/// Receives every batch once it is committed (or, with <see cref="RecordBatch.Persist"/> false, once accepted):
/// the events hook the rules engine plugs into.
/// </summary>
public interface IRecordEventSink
{
    /// <summary>Called after a batch is committed; must not throw and should return quickly.</summary>
    ValueTask OnRecordsAsync(DatasetDefinition dataset, RecordBatch batch, WriteResult result);
}

/// <summary>The sink used while no rules are configured: it does nothing.</summary>
public sealed class NoRecordEvents : IRecordEventSink
{
    /// <inheritdoc />
    public ValueTask OnRecordsAsync(DatasetDefinition dataset, RecordBatch batch, WriteResult result) => ValueTask.CompletedTask;
}
