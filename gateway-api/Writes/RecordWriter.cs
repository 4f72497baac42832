using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using Apperate.Actors.Telemetry;

namespace Apperate.Actors.Gateway.Writes;

/// <summary>Options of one <c>POST /record</c> request.</summary>
/// <param name="Event">False stores the records without raising events (rules do not see them).</param>
/// <param name="UpdateState">False evaluates stateful rule operators without advancing their per-key state.</param>
public sealed record RecordWriteOptions(bool Wait, DuplicateKeyHandling Duplicates, bool CreateDatasetOnDemand, bool Persist, bool Event = true, bool UpdateState = true);

/// <summary>
/// The real-time write path: validate the whole request against the dataset schema, then either publish it on the
/// dataset's record stream through <see cref="StreamPublisher"/> (async; requests arriving together may share a stream
/// item) or call the dataset grain and wait for the commit (<c>wait=true</c>, and bodies too large for one item).
/// </summary>
public sealed class RecordWriter(DatasetCache datasets, StreamPublisher publisher)
{
    /// <summary>Async requests whose body is larger than this go to the grain directly, keeping stream items small.</summary>
    public const int MaxStreamItemBodyBytes = 256 * 1024;

    public static readonly RecordLimits Limits = RecordLimits.Default;

    /// <summary>Validates and writes; returns the number of records accepted.</summary>
    public async Task<int> WriteAsync(string workspace, string datasetId, JsonElement body, long bodyBytes, RecordWriteOptions options)
    {
        var entry = await datasets.GetAsync(workspace, datasetId);
        if (entry is null)
        {
            if (!options.CreateDatasetOnDemand)
                throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist (createDatasetOnDemand=false)");
            var (schema, mapping) = SchemaInference.Infer(body);
            entry = await datasets.CreateOnDemandAsync(workspace, datasetId, schema, mapping);
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var outcome = entry.Validator.Validate(body, now, Limits);
        if (!outcome.IsValid && outcome.HasUnknownProperty)
        {
            // The schema may have grown since it was cached.
            entry = await datasets.GetAsync(workspace, datasetId, refresh: true) ?? entry;
            outcome = entry.Validator.Validate(body, now, Limits);
        }
        if (!outcome.IsValid)
        {
            ApperateMetrics.RecordsFailed.Add(CountOf(body), new("workspace", workspace), new("dataset", datasetId), new("source", "write"));
            var kind = outcome.HasSizeError ? ErrorKind.TooLarge : ErrorKind.Invalid;
            var count = outcome.Errors.Count;
            throw new ApperateException(kind, $"{count} problem{(count == 1 ? "" : "s")} in the records; nothing was written. " +
                string.Join("; ", outcome.Errors.Take(20)), outcome.Errors);
        }

        var batch = outcome.Batch! with { Duplicates = options.Duplicates, Persist = options.Persist, NoEvents = !options.Event, FreezeState = !options.UpdateState };
        var key = Names.DatasetKey(workspace, datasetId);
        if (options.Wait || bodyBytes > MaxStreamItemBodyBytes || batch.Rows.Length > RecordStreams.MaxItemRows)
        {
            await entry.Grain.WriteAsync(batch);
            Accepted(workspace, datasetId, batch.Rows.Length, "wait");
            return batch.Rows.Length;
        }

        await publisher.PublishAsync(key, entry.Stream, batch, bodyBytes);
        Accepted(workspace, datasetId, batch.Rows.Length, "async");
        return batch.Rows.Length;
    }

    private static void Accepted(string workspace, string datasetId, int records, string mode) =>
        ApperateMetrics.RecordsAccepted.Add(records, new("workspace", workspace), new("dataset", datasetId), new("mode", mode));

    private static int CountOf(JsonElement body) => body.ValueKind == JsonValueKind.Array ? body.GetArrayLength() : 1;
}
