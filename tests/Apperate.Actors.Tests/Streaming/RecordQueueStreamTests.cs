using Apperate.Actors.Datasets;
using Apperate.Actors.Storage.Queue;
using Apperate.Actors.Streaming;
using Apperate.Actors.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Streams;

namespace Apperate.Actors.Tests.Streaming;

/// <summary>
/// The record queue as an Orleans persistent stream provider, in the grain tests' cluster (whose records stream runs
/// through it): what a client publishes reaches the dataset grain in order and is acknowledged, an item delivered again
/// is not applied again, and a full queue refuses the producer.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RecordQueueStreamTests(GrainClusterFixture fixture) : GrainTestKit(fixture), IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "apperate-queue-stream-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private static readonly DatasetSchema Schema = new(
        [new PropertyDefinition("symbol", PropertyType.String), new PropertyDefinition("n", PropertyType.Integer)], ["symbol"], false);

    [Fact]
    public async Task Published_batches_reach_the_dataset_in_order_and_leave_the_queue()
    {
        var client = Client;
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(
            new DatasetDefinition(ws, "Ticks", null, null, Schema, new ColumnMapping("symbol", null, null), 0, 0, 0, ""));
        var stream = client.GetStreamProvider(RecordStreams.Provider).GetStream<RecordBatch>(StreamId.Create(RecordStreams.Namespace, Names.DatasetKey(ws, "Ticks")));

        // Each batch replaces the one record of key K: only the last value survives if order is kept.
        for (var n = 1; n <= 40; n++)
            await stream.OnNextAsync(new RecordBatch(["symbol", "n"], [new RecordRow("K", "", 0, ["K", (long)n], null), new RecordRow("N" + n, "", 0, ["N" + n, (long)n], null)], DuplicateKeyHandling.Replace));

        var grain = client.GetGrain<IDatasetGrain>(Names.DatasetKey(ws, "Ticks"));
        var deadline = DateTime.UtcNow + Timeout;
        StoredRow[] rows = [];
        while (DateTime.UtcNow < deadline)
        {
            rows = (await grain.QueryAsync([KeySelector.All], DataQuery.Latest with { Limit = null })).Groups[0];
            if (rows.Length == 41) break;
            await Task.Delay(20);
        }
        Assert.Equal(41, rows.Length);
        Assert.Equal(40L, rows.Single(r => r.Key == "K").Values[1]);
        // Commit order follows publish order: the ids of N1 … N40 rise.
        var ns = rows.Where(r => r.Key != "K").OrderBy(r => (long)r.Values[1]!).Select(r => r.Id).ToArray();
        Assert.Equal(ns.Order(), ns);

        // The position is stored with the records; every message was acknowledged once handled.
        Assert.Equal(40, await Fixture.Store.AppliedAsync(Names.DatasetKey(ws, "Ticks")));
        await Fixture.StreamHandledAsync(ws, "Ticks", Timeout);
    }

    [Fact]
    public async Task An_item_delivered_again_is_not_applied_again()
    {
        var client = Client;
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(
            new DatasetDefinition(ws, "Ticks", null, null, Schema, new ColumnMapping("symbol", null, null), 0, 0, 0, ""));
        var key = Names.DatasetKey(ws, "Ticks");
        var streamId = StreamId.Create(RecordStreams.Namespace, key);
        var stream = client.GetStreamProvider(RecordStreams.Provider).GetStream<RecordBatch>(streamId);
        static RecordBatch Batch(string symbol) => new(["symbol", "n"], [new RecordRow(symbol, "", 0, [symbol, 1L], null)], DuplicateKeyHandling.Replace);
        for (var n = 1; n <= 5; n++) await stream.OnNextAsync(Batch("S" + n));
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline && await Fixture.Store.AppliedAsync(key) < 5) await Task.Delay(20);
        Assert.Equal(5, await Fixture.Store.AppliedAsync(key));
        await Fixture.StreamHandledAsync(ws, "Ticks", Timeout);
        var grain = client.GetGrain<IDatasetGrain>(key);
        var before = (await grain.GetLiveStatusAsync()).Last;

        // As after a crash before the acknowledgement, or on a new owner of the queue: stream items 3, 4 and 5 come
        // again (here with other records, which must not be stored), then item 6.
        var serializer = client.ServiceProvider.GetRequiredService<Serializer>();
        var queueNumber = RecordQueueAdapter.QueueNumber(new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = RecordStreamHosting.Queues }, RecordStreams.Provider).GetQueueForStream(streamId));
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Fixture.QueuePath}"))
        {
            connection.Open();
            using var next = connection.CreateCommand();
            next.CommandText = $"SELECT next_seq FROM {QueueDatabase.HeadsTable} WHERE queue_id = {queueNumber}";
            var sequence = (long)next.ExecuteScalar()!;
            foreach (var (position, symbol) in new[] { (3L, "DUP3"), (4L, "DUP4"), (5L, "DUP5"), (6L, "NEW6") })
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO {QueueDatabase.MessagesTable} (queue_id, seq, stream_key, stream_seq, payload, created) VALUES (@q, @s, @k, @t, @p, 0)";
                insert.Parameters.AddWithValue("@q", queueNumber);
                insert.Parameters.AddWithValue("@s", sequence++);
                insert.Parameters.AddWithValue("@k", RecordQueueAdapter.StreamKey(streamId));
                insert.Parameters.AddWithValue("@t", position);
                insert.Parameters.AddWithValue("@p", serializer.SerializeToArray(new List<object> { Batch(symbol) }));
                insert.ExecuteNonQuery();
            }
            using var head = connection.CreateCommand();
            head.CommandText = $"UPDATE {QueueDatabase.HeadsTable} SET next_seq = {sequence}, pending = pending + 4 WHERE queue_id = {queueNumber}; " +
                $"UPDATE {QueueDatabase.StreamsTable} SET last_seq = 6 WHERE stream_key = '{RecordQueueAdapter.StreamKey(streamId)}'";
            head.ExecuteNonQuery();
        }

        while (DateTime.UtcNow < deadline && await Fixture.Store.AppliedAsync(key) < 6) await Task.Delay(20);
        Assert.Equal(6, await Fixture.Store.AppliedAsync(key));
        var rows = (await grain.QueryAsync([KeySelector.All], DataQuery.Latest with { Limit = null })).Groups[0];
        Assert.Equal(["NEW6", "S1", "S2", "S3", "S4", "S5"], rows.Select(r => r.Key).Order(StringComparer.Ordinal));
        // One record more was committed, not four.
        Assert.Equal(before + 1, (await grain.GetLiveStatusAsync()).Last);
        await Fixture.StreamHandledAsync(ws, "Ticks", Timeout);
    }

    [Fact]
    public async Task A_full_queue_refuses_the_producer_and_the_messages_carry_their_stream_sequence()
    {
        var serializer = Client.ServiceProvider.GetRequiredService<Serializer>();
        await using var small = new RecordQueue(new SqliteQueueDatabase(Path.Combine(directory, "small.db")), new RecordQueueOptions { MaxPendingPerQueue = 2 });
        var mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = 1 }, "small");
        var adapter = new RecordQueueAdapter("small", small, serializer, mapper, Fixture.Store);
        var streamId = StreamId.Create(RecordStreams.Namespace, "WS/DATASET");
        var batch = new RecordBatch(["symbol"], [new RecordRow("A", "", 0, ["A"], null)], DuplicateKeyHandling.Ignore);
        await adapter.QueueMessageBatchAsync(streamId, [batch], null, null);
        // One event per message: the message's stream sequence is each event's position.
        await Assert.ThrowsAsync<ArgumentException>(() => adapter.QueueMessageBatchAsync(streamId, [batch, batch], null, null));
        await adapter.QueueMessageBatchAsync(streamId, [batch], null, null);
        await Assert.ThrowsAsync<QueueFullException>(() => adapter.QueueMessageBatchAsync(streamId, [batch], null, null));
        await Assert.ThrowsAsync<ArgumentException>(() => adapter.QueueMessageBatchAsync(streamId, [batch], new RecordQueueToken(1, 0, 1), null));

        var receiver = adapter.CreateReceiver(mapper.GetAllQueues().Single());
        await receiver.Initialize(TimeSpan.FromSeconds(5), CancellationToken.None);
        var read = await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
        Assert.Equal(2, read.Count);
        Assert.All(read, b => Assert.Equal(streamId, b.StreamId));
        Assert.Equal([1L, 2L], read.Select(b => ((RecordQueueToken)b.SequenceToken).StreamSequence));
        var events = read[1].GetEvents<RecordBatch>().ToArray();
        Assert.Single(events);
        Assert.Equal(["A"], events[0].Item1.Rows.Select(r => r.Key));
        Assert.True(read[0].SequenceToken.CompareTo(events[0].Item2) < 0);
        Assert.Equal(2L, ((RecordQueueToken)events[0].Item2).StreamSequence);

        // A delivered message is acknowledged only once the store has applied it; acknowledged messages make room, and a
        // new reader starts after them.
        await receiver.MessagesDeliveredAsync([read[0]], CancellationToken.None);
        var number = RecordQueueAdapter.QueueNumber(mapper.GetAllQueues().Single());
        Assert.Equal(2, await small.PendingAsync(number));
        await Fixture.Store.AdvanceAppliedAsync("WS/DATASET", 1);
        await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
        Assert.Equal(1, await small.PendingAsync(number));
        await adapter.QueueMessageBatchAsync(streamId, [batch], null, null);
        var again = adapter.CreateReceiver(mapper.GetAllQueues().Single());
        await again.Initialize(TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal([2L, 3L], (await again.GetQueueMessagesAsync(10, CancellationToken.None)).Select(b => ((RecordQueueToken)b.SequenceToken).StreamSequence));
    }
}
