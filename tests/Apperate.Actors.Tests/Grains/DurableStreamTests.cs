using Apperate.Actors.Datasets;
using Apperate.Actors.Storage.Queue;
using Apperate.Actors.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// The dataset grain's side of the durable record stream: operations that must follow every accepted async write
/// (deleting records, deleting or renaming the dataset) apply what the queue still holds first, and items the grain
/// refuses are passed over without holding up the items after them.
/// </summary>
/// <remarks>
/// Items "accepted elsewhere" are put in a queue no pulling agent reads (number 99), as if accepted by a process whose
/// queue has not been read yet: only the dataset grain's catch-up can store them.
/// </remarks>
[Collection(GrainClusterCollection.Name)]
public sealed class DurableStreamTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    private const int UnreadQueue = 99;

    private async Task AcceptElsewhereAsync(string workspace, string datasetId, RecordBatch batch)
    {
        var serializer = Client.ServiceProvider.GetRequiredService<Serializer>();
        var stream = RecordQueueAdapter.StreamKey(StreamId.Create(RecordStreams.Namespace, Names.DatasetKey(workspace, datasetId)));
        await Fixture.Queue.EnqueueAsync([new QueueItem(UnreadQueue, stream, serializer.SerializeToArray(new List<object> { batch }))]);
    }

    [Fact]
    public async Task Deleting_records_first_stores_every_accepted_item_still_in_the_queue()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Barrier"));
        var stream = Fixture.RecordStream(ws, "Barrier");
        await stream.OnNextAsync(Quotes(Quote("FIRST", "2024-06-01", 1)));
        for (var i = 0; i < 20; i++) await AcceptElsewhereAsync(ws, "Barrier", Quotes(Quote("AAPL", "2024-06-02", i), Quote($"K{i}", "2024-06-02", i)));

        // Every AAPL item was accepted before the delete: the delete sees it, and none lands after it.
        Assert.Equal(1, await Dataset(ws, "Barrier").DeleteRecordsAsync(new KeySelector("AAPL", null), null, null));
        await Fixture.StreamHandledAsync(ws, "Barrier", Timeout);
        var rows = await ReadAllAsync(ws, "Barrier");
        Assert.DoesNotContain(rows, r => r.Key == "AAPL");
        Assert.Equal(21, rows.Length);

        // The stream goes on after the items the catch-up applied.
        await stream.OnNextAsync(Quotes(Quote("LAST", "2024-06-03", 1)));
        await Eventually("the item published after the delete to be stored", () => ReadAllAsync(ws, "Barrier"), r => r.Length == 22);
    }

    [Fact]
    public async Task Renaming_a_dataset_takes_its_queued_items_along_and_items_for_the_old_name_are_passed_over()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Before"));
        for (var i = 0; i < 10; i++) await AcceptElsewhereAsync(ws, "Before", Quotes(Quote($"K{i}", "2024-06-02", i)));
        await Workspace(ws).RenameDatasetAsync("Before", "After");
        Assert.Equal(10, (await ReadAllAsync(ws, "After")).Length);

        // Published under the old name after the rename: refused (there is no such dataset) and passed over. A dataset
        // created under the old name later gets what is published after it exists.
        var stream = Fixture.RecordStream(ws, "Before");
        await stream.OnNextAsync(Quotes(Quote("LOST", "2024-06-03", 1)));
        await Fixture.StreamHandledAsync(ws, "Before", Timeout);
        await Workspace(ws).CreateDatasetAsync(Definition("Before"));
        await stream.OnNextAsync(Quotes(Quote("NEW", "2024-06-04", 1)));
        var rows = await Eventually("the item published after the dataset was created again to be stored",
            () => ReadAllAsync(ws, "Before"), r => r.Length > 0);
        Assert.Equal(["NEW"], rows.Select(r => r.Key));
        Assert.Equal(10, (await ReadAllAsync(ws, "After")).Length);
    }

    [Fact]
    public async Task Deleting_a_dataset_first_stores_its_accepted_items_so_none_reaches_a_dataset_created_again()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Gone"));
        for (var i = 0; i < 5; i++) await AcceptElsewhereAsync(ws, "Gone", Quotes(Quote($"OLD{i}", "2024-06-02", i)));
        await Workspace(ws).DeleteDatasetAsync("Gone");
        await Fixture.StreamHandledAsync(ws, "Gone", Timeout);

        await Workspace(ws).CreateDatasetAsync(Definition("Gone"));
        await Fixture.RecordStream(ws, "Gone").OnNextAsync(Quotes(Quote("NEW", "2024-06-04", 1)));
        var rows = await Eventually("the item published to the new dataset to be stored", () => ReadAllAsync(ws, "Gone"), r => r.Length > 0);
        Assert.Equal(["NEW"], rows.Select(r => r.Key));
    }

    [Fact]
    public async Task Items_after_a_failed_commit_are_applied_from_the_queue_once_each()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Failing"));
        var stream = Fixture.RecordStream(ws, "Failing");

        // The first commit of the stream's items fails; they and the items taken in after them stay in the queue.
        Fixture.Store.FailNextWrite(definition.TableName);
        for (var i = 0; i < 30; i++) await stream.OnNextAsync(Quotes(Quote($"K{i:00}", "2024-06-05", i)));
        await Fixture.StreamHandledAsync(ws, "Failing", Timeout);

        var rows = await ReadAllAsync(ws, "Failing");
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"K{i:00}"), rows.Select(r => r.Key).Order(StringComparer.Ordinal));
        // Each record went into a successful commit exactly once: nothing was applied twice.
        var written = Fixture.Store.Written(definition.TableName).SelectMany(w => w.Batch.Rows).Select(r => r.Key).ToArray();
        Assert.Equal(written.Length, written.Distinct().Count());
    }

    [Fact]
    public async Task The_last_item_whose_commit_failed_is_applied_from_the_queue_without_another_delivery()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Lonely"));
        Fixture.Store.FailNextWrite(definition.TableName);
        await Fixture.RecordStream(ws, "Lonely").OnNextAsync(Quotes(Quote("ONLY", "2024-06-06", 1)));

        // The agent counts the item as delivered; the grain reads it back from the queue a second later.
        await Fixture.StreamHandledAsync(ws, "Lonely", Timeout);
        Assert.Equal(["ONLY"], (await ReadAllAsync(ws, "Lonely")).Select(r => r.Key));
        Assert.Equal([1, 1], Fixture.Store.WriteCalls(definition.TableName));
    }
}
