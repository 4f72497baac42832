using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Delivery;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Apperate.Actors.Storage.Sqlite;
using Apperate.Actors.Streaming;
using Apperate.Actors.Views;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Apperate.Actors.Tests.Grains;

/// <summary>Every grain test shares one in-process cluster; the tests of the collection run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain-cluster";
}

/// <summary>
/// One silo configured like the real one (grain storage "apperate", the durable record streams over a record queue,
/// the record store with its alert outbox and webhook delivery), on real SQLite files in a temporary directory.
/// Grain state lives in memory storage. The client publishes to the same stream provider, as the gateway does; its
/// queues hold at most <see cref="QueueLimit"/> unacknowledged items each.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "apperate-grains-" + Guid.NewGuid().ToString("N"));
    private SqliteRecordStore? sqlite;
    private InProcessTestCluster? cluster;

    /// <summary>The record store the silo uses: the SQLite store wrapped to count its write calls.</summary>
    public CountingRecordStore Store { get; private set; } = null!;

    /// <summary>Unacknowledged items a queue of the record stream holds before it refuses more.</summary>
    public const int QueueLimit = 2_000;

    /// <summary>The record queue under the record stream (the silo's and the client's).</summary>
    public RecordQueue Queue { get; private set; } = null!;

    /// <summary>The SQLite file of the record queue.</summary>
    public string QueuePath => Path.Combine(directory, "queue.db");

    /// <summary>The SQLite file of the record store.</summary>
    public string DatabasePath => Path.Combine(directory, "records.db");

    /// <summary>True when the record store's file has a table named <paramref name="table"/>.</summary>
    public bool TableExists(string table)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @t";
        command.Parameters.AddWithValue("@t", table);
        return (long)command.ExecuteScalar()! == 1;
    }

    public InProcessTestCluster Cluster => cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        sqlite = new SqliteRecordStore(DatabasePath);
        Store = new CountingRecordStore(sqlite);
        Queue = new RecordQueue(new SqliteQueueDatabase(QueuePath), new RecordQueueOptions { MaxPendingPerQueue = QueueLimit });

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.GrainState);
            silo.AddRecordStreams();
            silo.Services.AddSingleton<IRecordStore>(Store);
            silo.Services.AddSingleton<IAlertStore>(sqlite);
            silo.Services.AddSingleton<IRecordQueue>(Queue);
            silo.Services.AddWebhookDelivery();
        });
        builder.ConfigureClient(client =>
        {
            client.AddRecordStreams();
            client.Services.AddSingleton<IRecordQueue>(Queue);
        });
        cluster = builder.Build();
        await cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null) await cluster.DisposeAsync();
        if (Queue is not null) await Queue.DisposeAsync();
        sqlite?.Dispose();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    /// <summary>Reads a private field of a live grain activation (for diagnosing a stuck grain), or null when it is not active.</summary>
    public object? GrainField(IAddressable grain, string field) =>
        Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.GrainInstance is { } instance
            ? FieldOf(instance, field).GetValue(instance)
            : null;

    /// <summary>Overwrites a private field of a live grain activation (to repair one a test left stuck).</summary>
    public void SetGrainField(IAddressable grain, string field, object? value)
    {
        if (Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) && context.GrainInstance is { } instance)
            FieldOf(instance, field).SetValue(instance, value);
    }

    private static System.Reflection.FieldInfo FieldOf(object instance, string field) =>
        instance.GetType().GetField(field, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
        ?? throw new MissingFieldException(instance.GetType().Name, field);

    /// <summary>Completes once the record queue holds nothing more of the dataset's stream: every item published is handled.</summary>
    public async Task StreamHandledAsync(string workspace, string datasetId, TimeSpan timeout)
    {
        var stream = RecordQueueAdapter.StreamKey(StreamId.Create(RecordStreams.Namespace, Names.DatasetKey(workspace, datasetId)));
        var deadline = DateTime.UtcNow + timeout;
        while ((await Queue.ReadStreamAsync(stream, 0)).Length > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the record queue still holds items of {workspace}/{datasetId} after {timeout}");
            await Task.Delay(20);
        }
    }

    /// <summary>The record stream of a dataset, from the client's stream provider.</summary>
    public IAsyncStream<RecordBatch> RecordStream(string workspace, string datasetId) =>
        Client.GetStreamProvider(RecordStreams.Provider)
            .GetStream<RecordBatch>(StreamId.Create(RecordStreams.Namespace, Names.DatasetKey(workspace, datasetId)));
}

/// <summary>A batch the store committed (or, not stored, reported), with its result.</summary>
public sealed record RecordedWrite(RecordBatch Batch, WriteResult Result);

/// <summary>
/// An observing decorator: every call goes to the real store; <see cref="IRecordStore.WriteAsync"/> calls are counted
/// per table with the number of batches each carried, every batch written is remembered with its result, and a test
/// may hold the next write of a table at the door (to line up concurrent writers behind a commit in progress) before it
/// reaches the real store.
/// </summary>
public sealed class CountingRecordStore(IRecordStore inner) : IRecordStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<int>> writes = [];
    private readonly Dictionary<string, List<RecordedWrite>> written = [];
    private readonly Dictionary<string, WriteHold> holds = [];
    private readonly Dictionary<string, TaskCompletionSource> watchers = [];
    private readonly HashSet<string> failing = [];
    private readonly HashSet<string> immediate = [];

    /// <summary>The batch count of every write call to <paramref name="table"/>, in call order.</summary>
    public int[] WriteCalls(string table)
    {
        lock (gate) return writes.TryGetValue(table, out var calls) ? calls.ToArray() : [];
    }

    /// <summary>Every batch written to <paramref name="table"/> by a write that returned, in order, with its result.</summary>
    public RecordedWrite[] Written(string table)
    {
        lock (gate) return written.TryGetValue(table, out var batches) ? batches.ToArray() : [];
    }

    /// <summary>Makes the next write call to <paramref name="table"/> wait until the hold is released.</summary>
    public WriteHold HoldNextWrite(string table)
    {
        var hold = new WriteHold();
        lock (gate) holds[table] = hold;
        return hold;
    }

    /// <summary>Makes the next write call to <paramref name="table"/> fail before it reaches the real store.</summary>
    public void FailNextWrite(string table)
    {
        lock (gate) failing.Add(table);
    }

    /// <summary>
    /// Makes the next write call to <paramref name="table"/> return a completed task: the real store's work is waited
    /// for on the caller's thread (what a caller finds when its thread was preempted until the store call finished).
    /// </summary>
    public void CompleteNextWriteAtOnce(string table)
    {
        lock (gate) immediate.Add(table);
    }

    /// <summary>Completes once the next write call to <paramref name="table"/> has returned from the real store.</summary>
    public Task NextWriteReturned(string table)
    {
        var watcher = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate) watchers[table] = watcher;
        return watcher.Task;
    }

    public async Task<WriteResult[]> WriteAsync(string table, IReadOnlyList<RecordBatch> batches, long updated, ICommitParticipant? participant = null, CancellationToken cancellationToken = default)
    {
        WriteHold? hold;
        TaskCompletionSource? watcher;
        bool atOnce;
        lock (gate)
        {
            if (!writes.TryGetValue(table, out var calls)) writes[table] = calls = [];
            calls.Add(batches.Count);
            if (holds.Remove(table, out hold)) hold.Enter();
            watchers.Remove(table, out watcher);
            atOnce = immediate.Remove(table);
            if (failing.Remove(table)) throw new IOException($"injected failure of a write to {table}");
        }
        try
        {
            if (hold is not null) await hold.Released;
            var results = atOnce
                ? inner.WriteAsync(table, batches, updated, participant, cancellationToken).GetAwaiter().GetResult()
                : await inner.WriteAsync(table, batches, updated, participant, cancellationToken);
            lock (gate)
            {
                if (!written.TryGetValue(table, out var list)) written[table] = list = [];
                for (var i = 0; i < batches.Count; i++) list.Add(new RecordedWrite(batches[i], results[i]));
            }
            return results;
        }
        finally
        {
            watcher?.TrySetResult();
        }
    }

    public Task EnsureTableAsync(string table, IReadOnlyList<PropertyDefinition> properties, CancellationToken cancellationToken = default) =>
        inner.EnsureTableAsync(table, properties, cancellationToken);

    public Task DropTableAsync(string table, CancellationToken cancellationToken = default) => inner.DropTableAsync(table, cancellationToken);

    public Task<long> CountAsync(string table, CancellationToken cancellationToken = default) => inner.CountAsync(table, cancellationToken);

    public Task<StoredRow[]> QueryAsync(string table, IReadOnlyList<PropertyDefinition> properties, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(table, properties, selector, query, cancellationToken);

    public Task<StoredRow[]> QueryViewAsync(BoundView view, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryViewAsync(view, selector, query, cancellationToken);

    public Task<long> DeleteAsync(string table, KeySelector selector, long? from, long? to, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(table, selector, from, to, cancellationToken);

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

    public Task<long> LastSequenceAsync(string table, CancellationToken cancellationToken = default) => inner.LastSequenceAsync(table, cancellationToken);

    public Task AdvanceSequenceAsync(string table, long atLeast, CancellationToken cancellationToken = default) => inner.AdvanceSequenceAsync(table, atLeast, cancellationToken);

    public Task<long> AppliedAsync(string stream, CancellationToken cancellationToken = default) => inner.AppliedAsync(stream, cancellationToken);

    public Task AdvanceAppliedAsync(string stream, long sequence, CancellationToken cancellationToken = default) => inner.AdvanceAppliedAsync(stream, sequence, cancellationToken);

    public Task<string[]> DistinctKeysAsync(string table, int limit, CancellationToken cancellationToken = default) => inner.DistinctKeysAsync(table, limit, cancellationToken);
}

/// <summary>A write held before the real store: <see cref="Entered"/> completes when it arrives; it goes on after <see cref="Release"/>.</summary>
public sealed class WriteHold
{
    private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Entered => entered.Task;

    internal Task Released => released.Task;

    internal void Enter() => entered.TrySetResult();

    public void Release() => released.TrySetResult();
}
