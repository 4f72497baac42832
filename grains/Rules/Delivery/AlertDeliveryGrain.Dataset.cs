using System.Buffers;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Dataset outputs: each alert becomes one record of a dataset of the workspace, keyed by the alert's record key,
/// dated at the alert, with the alert id as subkey, so storing it again (a retry after a crash) changes nothing.
/// Due alerts are stored together, in one write.
/// </summary>
public sealed partial class AlertDeliveryGrain
{
    /// <summary>Alerts stored in one write at most.</summary>
    public const int DatasetBatch = 500;

    /// <summary>The schema of a dataset an output creates: the alert's record key and time, ids, facts and the record.</summary>
    public static readonly DatasetSchema AlertSchema = new(
    [
        new("key", PropertyType.String),
        new("date", PropertyType.DateTime),
        new("alertId", PropertyType.String),
        new("ruleId", PropertyType.String),
        new("ruleName", PropertyType.String),
        new("facts", PropertyType.Object),
        new("additional", PropertyType.Object),
        new("record", PropertyType.Object),
    ], ["key", "date", "alertId"], false);

    /// <summary>The index of a dataset an output creates.</summary>
    public static readonly ColumnMapping AlertMapping = new("key", "alertId", "date");

    private async Task StoreAsync(Item first, RuleOutput output)
    {
        var batch = new List<Item> { first };
        var now = Now;
        while (batch.Count < DatasetBatch && _queue.Min is { } next && next.Due <= now)
        {
            _queue.Remove(next);
            next.Sending = true;
            batch.Add(next);
        }
        try
        {
            var (grain, definition) = await TargetAsync(output.DatasetId!);
            using var records = JsonDocument.Parse(Records(batch));
            var outcome = RecordValidator.For(definition.Schema, definition.ColumnMapping).Validate(records.RootElement, now, RecordLimits.Default);
            if (!outcome.IsValid)
                throw new ApperateException(ErrorKind.Invalid, $"dataset '{definition.DatasetId}' does not take alert records: {string.Join("; ", outcome.Errors.Take(3))}", outcome.Errors);
            await grain.WriteAsync(outcome.Batch! with { Duplicates = DuplicateKeyHandling.Ignore });
            foreach (var item in batch) Delivered(item, null);
        }
        catch (Exception ex)
        {
            foreach (var item in batch) Failed(item, null, ex.Message, null);
        }
        finally
        {
            for (var i = 1; i < batch.Count; i++) batch[i].Sending = false;
        }
    }

    private async Task<(IDatasetGrain Grain, DatasetDefinition Definition)> TargetAsync(string datasetId)
    {
        var grain = GrainFactory.GetGrain<IDatasetGrain>(Names.DatasetKey(Workspace, datasetId));
        if (await grain.GetDefinitionAsync() is { } existing) return (grain, existing);
        try
        {
            await GrainFactory.GetGrain<IWorkspaceGrain>(Workspace).CreateDatasetAsync(
                new DatasetDefinition(Workspace, datasetId, $"Alerts of rule {RuleId}", "Written by a rule's dataset output: one record per alert.",
                    AlertSchema, AlertMapping, 0, 0, 0, ""));
        }
        catch (ApperateException ex) when (ex.Kind == ErrorKind.Conflict)
        {
            // Created meanwhile by another output.
        }
        return (grain, await grain.GetDefinitionAsync() ?? throw ApperateException.NotFound($"Dataset '{datasetId}' could not be created"));
    }

    /// <summary>The alert records of a batch as a JSON array: key, date (the alert's time), ids, facts and the record.</summary>
    private static byte[] Records(List<Item> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Count * 512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in batch)
            {
                using var body = JsonDocument.Parse(item.Body);
                var root = body.RootElement;
                var data = root.GetProperty("data");
                writer.WriteStartObject();
                writer.WritePropertyName("key");
                data.GetProperty("key").WriteTo(writer);
                writer.WriteString("date", root.GetProperty("timestamp").GetString());
                writer.WriteString("alertId", item.AlertId);
                writer.WritePropertyName("ruleId");
                data.GetProperty("ruleId").WriteTo(writer);
                writer.WritePropertyName("ruleName");
                data.GetProperty("ruleName").WriteTo(writer);
                foreach (var name in (ReadOnlySpan<string>)["facts", "additional", "record"])
                {
                    writer.WritePropertyName(name);
                    data.GetProperty(name).WriteTo(writer);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
