using Apperate.Actors.Schema;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Apperate.Actors.Datasets;

/// <summary>
/// One dataset: owns its definition and is the only writer of its table. Consumes its record stream by implicit
/// subscription (exactly once, see DatasetGrain.Durable.cs) and group-commits every write source into the record
/// store, evaluating the rules that watch it inside each commit.
/// </summary>
[ImplicitStreamSubscription(RecordStreams.Namespace)]
public sealed partial class DatasetGrain(
    [PersistentState("dataset", StorageNames.GrainState)] IPersistentState<DatasetState> state,
    IRecordStore store,
    IAlertStore alerts,
    IRecordQueue queue,
    Serializer serializer,
    ILogger<DatasetGrain> logger)
    : Grain, IDatasetGrain, IStreamSubscriptionObserver, IAsyncBatchObserver<RecordBatch>
{
    private DatasetDefinition? Definition => state.State.Definition;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Definition is not null && state.State.Rules.Count > 0) await LoadRulesAsync();
    }

    /// <inheritdoc />
    public Task<DatasetDefinition?> GetDefinitionAsync() => Task.FromResult(Definition);

    /// <inheritdoc />
    public async Task<DatasetInfo?> GetInfoAsync()
    {
        if (Definition is not { } definition) return null;
        var count = await store.CountAsync(definition.TableName);
        return new DatasetInfo(definition, count);
    }

    /// <inheritdoc />
    public async Task<DatasetDefinition> CreateAsync(DatasetDefinition definition)
    {
        if (Definition is not null) throw ApperateException.Conflict($"Dataset '{Definition.DatasetId}' already exists");
        await store.EnsureTableAsync(definition.TableName, definition.Schema.Properties);
        await ContinueSequenceAsync(definition.TableName);
        state.State.Definition = definition;
        await state.WriteStateAsync();
        LogCreated(definition.Workspace, definition.DatasetId, definition.TableName);
        return definition;
    }

    /// <inheritdoc />
    public async Task<DatasetDefinition> UpdateAsync(DatasetDefinition changed)
    {
        var current = RequireDefinition();
        var schema = SchemaEvolution.Apply(current, changed.Schema, changed.ColumnMapping);
        var updated = current with
        {
            Title = changed.Title ?? current.Title,
            Description = changed.Description ?? current.Description,
            Schema = schema,
            Updated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Version = current.Version + 1,
        };
        // Columns first: writers validated against the new schema may arrive as soon as the state says so.
        await store.EnsureTableAsync(updated.TableName, updated.Schema.Properties);
        state.State.Definition = updated;
        await state.WriteStateAsync();
        RebuildRules();
        return updated;
    }

    /// <inheritdoc />
    public async Task<DatasetDefinition> DetachAsync()
    {
        var current = RequireDefinition();
        // Every async write accepted before, by any process, is stored first.
        await CatchUpAsync();
        await FlushPendingAsync();
        // The table leaves with its sequence: positions under this name up to here are void.
        await MarkResetAsync(current.TableName);
        state.State.Definition = null;
        await state.WriteStateAsync();
        _followers?.Clear();
        return current;
    }

    /// <inheritdoc />
    public async Task AttachAsync(DatasetDefinition definition)
    {
        if (Definition is not null) throw ApperateException.Conflict($"Dataset '{Definition.DatasetId}' already exists");
        await ContinueSequenceAsync(definition.TableName);
        state.State.Definition = definition;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task DeleteAsync()
    {
        var current = RequireDefinition();
        // Every async write accepted before, by any process, is stored first.
        await CatchUpAsync();
        await FlushPendingAsync();
        // The state stays with the sequence's reset point, so a dataset created again under this name continues above it.
        await MarkResetAsync(current.TableName);
        state.State.Definition = null;
        state.State.Rules.Clear();
        await state.WriteStateAsync();
        _followers?.Clear();
        ForgetRules();
        await store.DropTableAsync(current.TableName);
        LogDeleted(current.Workspace, current.DatasetId);
    }

    /// <inheritdoc />
    public Task<WriteResult> WriteAsync(RecordBatch batch)
    {
        var definition = RequireDefinition();
        CheckColumns(definition, batch);
        return Enqueue(definition, batch);
    }

    /// <inheritdoc />
    public async Task<string[]> GetKeysAsync(int limit)
    {
        var definition = RequireDefinition();
        return await store.DistinctKeysAsync(definition.TableName, limit);
    }

    /// <inheritdoc />
    public async Task<QueryResult> QueryAsync(KeySelector[] selectors, DataQuery query)
    {
        var definition = RequireDefinition();
        var properties = definition.Schema.Properties;
        if (query.Properties is { } names)
        {
            var projected = new PropertyDefinition[names.Length];
            for (var i = 0; i < names.Length; i++)
                projected[i] = definition.Schema.Find(names[i])
                    ?? throw ApperateException.Invalid("filter", $"dataset '{definition.DatasetId}' has no property '{names[i]}'");
            properties = projected;
            query = query with { Properties = Array.ConvertAll(projected, p => p.Name) };
        }
        var groups = new StoredRow[selectors.Length][];
        for (var i = 0; i < selectors.Length; i++)
            groups[i] = await store.QueryAsync(definition.TableName, definition.Schema.Properties, selectors[i], query);
        return new QueryResult(definition.DatasetId, properties, groups);
    }

    /// <inheritdoc />
    public async Task<long> DeleteRecordsAsync(KeySelector selector, long? from, long? to)
    {
        var definition = RequireDefinition();
        // Accepted writes first (async ones from any process too), so a delete never races ahead of them.
        await CatchUpAsync();
        await FlushPendingAsync();
        var deleted = await store.DeleteAsync(definition.TableName, selector, from, to);
        if (deleted > 0)
        {
            // Followers that saw the deleted records cannot learn of the delete from a replay: they start over.
            await MarkResetAsync(definition.TableName);
            await state.WriteStateAsync();
        }
        return deleted;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushPendingAsync();
        await SettleAsync();
        await FlushCountersAsync(_runtimes.Values);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private DatasetDefinition RequireDefinition() =>
        Definition ?? throw ApperateException.NotFound($"Dataset '{this.GetPrimaryKeyString()}' does not exist");

    private static void CheckColumns(DatasetDefinition definition, RecordBatch batch)
    {
        // Writers validate against a cached schema; schema changes are additive, so every column they send must
        // still exist and every value must have its column's representation. Anything else is a caller bug,
        // refused here so it never reaches the store or the batches grouped with it.
        var types = new PropertyType[batch.Columns.Length];
        for (var c = 0; c < batch.Columns.Length; c++)
        {
            types[c] = definition.Schema.Find(batch.Columns[c])?.Type
                ?? throw ApperateException.Invalid(batch.Columns[c], $"dataset '{definition.DatasetId}' has no property '{batch.Columns[c]}'");
        }
        for (var r = 0; r < batch.Rows.Length; r++)
        {
            var values = batch.Rows[r].Values;
            if (values.Length != types.Length)
                throw new ApperateException(ErrorKind.Invalid, $"record {r} has {values.Length} values for {types.Length} columns", [new FieldError(r, null, "wrong number of values")]);
            for (var c = 0; c < values.Length; c++)
            {
                if (!Fits(types[c], values[c]))
                    throw new ApperateException(ErrorKind.Invalid, $"record {r}, {batch.Columns[c]}: a {values[c]!.GetType().Name} cannot be stored as {types[c]}",
                        [new FieldError(r, batch.Columns[c], $"a {values[c]!.GetType().Name} cannot be stored as {types[c]}")]);
            }
        }
    }

    private static bool Fits(PropertyType type, object? value) => value switch
    {
        null => true,
        string => type is not (PropertyType.Integer or PropertyType.Number or PropertyType.Boolean),
        long => type is PropertyType.Integer or PropertyType.Number,
        double => type is PropertyType.Number,
        bool => type is PropertyType.Boolean,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset {Workspace}/{Dataset} created (table {Table})")]
    private partial void LogCreated(string workspace, string dataset, string table);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset {Workspace}/{Dataset} deleted")]
    private partial void LogDeleted(string workspace, string dataset);
}
