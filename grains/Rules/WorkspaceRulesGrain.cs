using System.Buffers;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Delivery;
using Apperate.Actors.Rules.Engine;
using Apperate.Actors.Rules.Runtime;
using Apperate.Actors.Schema;
using Apperate.Actors.Storage;
using Apperate.Actors.Workspaces;
using Orleans.Concurrency;

namespace Apperate.Actors.Rules;

/// <summary>The workspace-wide rule operations: listing, trying a rule on records, the schema, lookups and redelivery.</summary>
[StatelessWorker]
public sealed class WorkspaceRulesGrain(IAlertStore alerts, WebhookAddressGuard guard) : Grain, IWorkspaceRulesGrain
{
    /// <summary>The most records one test may carry.</summary>
    public const int MaxTestRecords = 1_000;

    private string Workspace => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public async Task<RuleInfo[]> ListAsync()
    {
        var ids = await GrainFactory.GetGrain<IWorkspaceGrain>(Workspace).ListRulesAsync();
        var infos = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IRuleGrain>(RuleKeys.Grain(Workspace, id)).GetInfoAsync()));
        return [.. infos.OfType<RuleInfo>().OrderBy(i => i.Definition.Created).ThenBy(i => i.Definition.Id, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async Task<string> TestAsync(RuleRequest request, string recordsJson)
    {
        var (rule, datasets) = await RuleValidation.ValidateAsync(GrainFactory, guard, Workspace, "00000000-0000-0000-0000-000000000000", request with { Id = null }, null);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var dataset = datasets[rule.DatasetId];

        using var records = ParseRecords(recordsJson);
        var outcome = RecordValidator.For(dataset.Schema, dataset.ColumnMapping).Validate(records.RootElement, now, RecordLimits.Default);
        if (!outcome.IsValid)
            throw new ApperateException(ErrorKind.Invalid, "records: " + string.Join("; ", outcome.Errors.Take(20)),
                [.. outcome.Errors.Select(e => e with { Field = e.Field is null ? "records" : "records." + e.Field })]);
        var batch = outcome.Batch!;
        return Evaluate(new ActiveRule(RuleCompiler.Compile(rule, dataset), new RuleRuntime(rule.Id, rule.StateGeneration)), dataset, batch, now);
    }

    /// <inheritdoc />
    public async Task<string> GetSchemaAsync()
    {
        var workspace = GrainFactory.GetGrain<IWorkspaceGrain>(Workspace);
        var name = await workspace.GetNameAsync() ?? throw ApperateException.NotFound($"Workspace '{Workspace}' does not exist");
        var datasets = await workspace.ListDatasetsAsync();
        return Json(w => RuleSchema.Write(w, name, datasets));
    }

    /// <inheritdoc />
    public async Task<string[]> LookupAsync(string fact, int limit)
    {
        var parts = fact.Split(':');
        if (parts.Length != 4 || !string.Equals(parts[0], Workspace, StringComparison.OrdinalIgnoreCase) || !string.Equals(parts[1], "DATASET", StringComparison.OrdinalIgnoreCase))
            throw ApperateException.Invalid("fact", $"'{fact}' is not a fact of this workspace (WORKSPACE:DATASET:DATASET_ID:property)");
        var dataset = GrainFactory.GetGrain<IDatasetGrain>(Names.DatasetKey(Workspace, parts[2]));
        var definition = await dataset.GetDefinitionAsync() ?? throw ApperateException.NotFound($"Dataset '{parts[2]}' does not exist");
        if (!string.Equals(parts[3], definition.ColumnMapping.Key, StringComparison.OrdinalIgnoreCase))
            throw ApperateException.Invalid("fact", $"'{fact}' is not a lookup fact: only the key property '{definition.ColumnMapping.Key}' of a dataset has values to look up");
        return await dataset.GetKeysAsync(limit);
    }

    /// <inheritdoc />
    public async Task RedeliverAsync(string deliveryId)
    {
        var alert = await alerts.ReadAlertAsync(deliveryId);
        if (alert is null || !alert.Output.StartsWith(Names.Normalize(Workspace) + "/", StringComparison.Ordinal))
            throw ApperateException.NotFound($"Delivery '{deliveryId}' does not exist");
        if (alert.State == AlertState.Logged)
            throw ApperateException.Conflict($"Delivery '{deliveryId}' is a log output's entry: there is nothing to deliver");
        await GrainFactory.GetGrain<IAlertDeliveryGrain>(alert.Output).RedeliverAsync(deliveryId);
    }

    private static JsonDocument ParseRecords(string recordsJson)
    {
        JsonDocument records;
        try
        {
            records = JsonDocument.Parse(recordsJson);
        }
        catch (JsonException ex)
        {
            throw ApperateException.Invalid("records", $"not JSON: {ex.Message}");
        }
        var count = records.RootElement.ValueKind switch
        {
            JsonValueKind.Array => records.RootElement.GetArrayLength(),
            JsonValueKind.Object => 1,
            _ => -1,
        };
        if (count is < 1 or > MaxTestRecords)
        {
            records.Dispose();
            throw ApperateException.Invalid("records", $"give 1 to {MaxTestRecords} records (an array of objects)");
        }
        return records;
    }

    /// <summary>Evaluates the records in order, as if each were committed now, without storing, sending or counting anything.</summary>
    private static string Evaluate(ActiveRule rule, DatasetDefinition dataset, RecordBatch batch, long now)
    {
        var compiled = rule.Compiled;
        var positions = compiled.Bind(batch.Columns);
        var columns = Array.ConvertAll(batch.Columns, c => dataset.Schema.Find(c) ?? new PropertyDefinition(c, PropertyType.Any));
        var results = new bool[Math.Max(1, compiled.ConditionCount)];
        var state = new Dictionary<string, double>(StringComparer.Ordinal);
        var lastSent = new Dictionary<string, long>(StringComparer.Ordinal);
        return Json(w =>
        {
            w.WriteStartArray();
            for (var r = 0; r < batch.Rows.Length; r++)
            {
                var row = batch.Rows[r];
                var passed = compiled.Evaluate(row.Values, positions, new TestState(state, row.Key, batch.FreezeState), results);
                w.WriteStartObject();
                w.WriteNumber("record", r);
                w.WriteString("key", row.Key);
                w.WriteBoolean("passed", passed);
                w.WriteStartArray("conditions");
                for (var i = 0; i < compiled.ConditionCount; i++)
                {
                    var condition = compiled.Definition.Conditions[i];
                    w.WriteStartObject();
                    w.WriteString("index", condition.Left);
                    w.WriteString("op", condition.Operator);
                    w.WritePropertyName("value");
                    w.WriteRawValue(compiled.ConditionRight(i), skipInputValidation: true);
                    w.WriteBoolean("result", results[i]);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("outputs");
                string? body = null;
                foreach (var output in rule.Outputs)
                {
                    var send = passed;
                    if (passed && output.Frequency > 0)
                    {
                        var throttle = output.Id + ":" + row.Key;
                        send = !lastSent.TryGetValue(throttle, out var last) || now - last >= output.Frequency * 1000;
                        if (send) lastSent[throttle] = now;
                    }
                    if (send && body is null)
                        body = AlertBody.Build(new AlertSubject(rule, dataset, columns, row, r, positions, results, null), "test", output, now);
                    w.WriteStartObject();
                    w.WriteString("id", output.Id);
                    w.WriteString("method", output.Method);
                    w.WriteBoolean("sent", send);
                    if (passed && !send) w.WriteString("reason", $"throttled: within {output.Frequency} s of the last alert for this key");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WritePropertyName("alert");
                if (body is null) w.WriteNullValue();
                else w.WriteRawValue(body, skipInputValidation: true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Condition state for a test: the records given form one sequence per key.</summary>
    private sealed class TestState(Dictionary<string, double> state, string key, bool frozen) : IConditionState
    {
        public bool TryGetPrevious(int condition, out double value) => state.TryGetValue(condition + ":" + key, out value);

        public void SetPrevious(int condition, double value)
        {
            if (!frozen) state[condition + ":" + key] = value;
        }
    }
}
