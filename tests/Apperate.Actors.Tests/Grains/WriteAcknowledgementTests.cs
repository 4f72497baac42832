using Apperate.Actors.Datasets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Async writes published by a process other than the dataset grain's (a cluster client here, standing for a standalone
/// gateway or another silo) are acknowledged back to it, and items left unacknowledged are stored again by recovery.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class WriteAcknowledgementTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    [Fact]
    public async Task Items_published_from_another_process_are_acknowledged_through_its_observer()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Remote"));
        var publisher = new WriteTracker(cluster: true);
        Assert.NotEqual(Fixture.Tracker.ProcessId, publisher.ProcessId);
        var recovery = Recovery(publisher);
        await recovery.StartAsync(CancellationToken.None);
        try
        {
            await Eventually("the publisher to be able to receive acknowledgements", () => publisher.CanReceiveAcknowledgements, attached => attached);
            var stream = Fixture.RecordStream(ws, "Remote");
            var key = Names.DatasetKey(ws, "Remote");
            for (var i = 0; i < 5; i++)
                Assert.Equal(PublishOutcome.Published, (await RecordStreamPublishing.PublishAsync(publisher, key, stream, Quotes(Quote($"S{i}", "2024-05-01", i)))).Outcome);

            Assert.True(await publisher.WaitForDatasetAsync(key, Timeout), $"{publisher.Outstanding} of 5 items were not acknowledged within {Timeout}");
            Assert.Equal(0, publisher.Outstanding);
            Assert.Equal(0, publisher.OutstandingRecords);
            Assert.Equal(5, (await ReadAllAsync(ws, "Remote")).Length);
        }
        finally
        {
            await recovery.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Items_nobody_acknowledges_stay_outstanding_until_recovery_stores_them_again_without_changing_the_dataset()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Unheard"));
        // No observer attached: the dataset grain, in another process, has no way to report back.
        var publisher = new WriteTracker(cluster: true);
        var key = Names.DatasetKey(ws, "Unheard");
        var stream = Fixture.RecordStream(ws, "Unheard");
        await RecordStreamPublishing.PublishAsync(publisher, key, stream, Quotes(Quote("A", "2024-05-01", 1), Quote("B", "2024-05-01", 2)));
        await RecordStreamPublishing.PublishAsync(publisher, key, stream, Quotes(Quote("C", "2024-05-01", 3)));

        var stored = await Eventually("3 records from 2 stream items to be stored", () => ReadAllAsync(ws, "Unheard"), r => r.Length == 3);
        Assert.Equal(2, publisher.Outstanding);
        Assert.Equal(3, publisher.OutstandingRecords);
        Assert.False(await publisher.WaitForDatasetAsync(key, TimeSpan.FromMilliseconds(50)));

        var recovery = Recovery(publisher);
        Assert.Equal(0, await recovery.RecoverAsync(TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal(2, publisher.Outstanding);

        Assert.Equal(2, await recovery.RecoverAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(0, publisher.Outstanding);
        Assert.True(await publisher.WaitForDatasetAsync(key, TimeSpan.Zero));
        Assert.Equal(Values(stored), Values(await ReadAllAsync(ws, "Unheard")));
    }

    [Fact]
    public async Task Recovery_stores_items_lost_on_the_way_and_lets_go_of_items_whose_dataset_is_gone()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Lost"));
        await Workspace(ws).CreateDatasetAsync(Definition("Gone"));
        var publisher = new WriteTracker(cluster: true);
        // Accepted but never delivered, as when the silo holding the stream queue dies.
        publisher.Accept(Names.DatasetKey(ws, "Lost"), Quotes(Quote("X", "2024-05-02", 7.5)));
        publisher.Accept(Names.DatasetKey(ws, "Gone"), Quotes(Quote("Y", "2024-05-02", 8.5)));
        await Workspace(ws).DeleteDatasetAsync("Gone");

        Assert.Equal(2, await Recovery(publisher).RecoverAsync(TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(0, publisher.Outstanding);
        Assert.Equal([("X", "2024-05-02", 7.5)], Values(await ReadAllAsync(ws, "Lost")));
    }

    [Fact]
    public async Task An_item_counts_once_however_often_it_is_acknowledged_and_a_barrier_waits_for_every_earlier_item()
    {
        var tracker = new WriteTracker();
        var first = tracker.Accept("w/a", Quotes(Quote("A", "2024-05-03", 1))).Receipt!;
        var second = tracker.Accept("w/a", Quotes(Quote("B", "2024-05-03", 2), Quote("C", "2024-05-03", 3))).Receipt!;
        Assert.Equal(tracker.ProcessId, first.Publisher);
        Assert.True(second.Sequence > first.Sequence);
        Assert.Equal(3, tracker.OutstandingRecords);
        // Embedded mode: items are counted, not kept, so there is nothing to store again.
        Assert.Empty(tracker.AcceptedBefore(TimeSpan.Zero));

        // The later item is acknowledged first (acknowledgements from other processes may arrive out of order).
        Assert.True(tracker.Acknowledge(second.Sequence));
        Assert.False(tracker.Acknowledge(second.Sequence));
        Assert.Equal(1, tracker.Outstanding);
        Assert.Equal(1, tracker.OutstandingRecords);
        Assert.False(await tracker.WaitForDatasetAsync("w/a", TimeSpan.FromMilliseconds(50)));
        Assert.True(await tracker.WaitForDatasetAsync("w/other", TimeSpan.Zero));

        var barrier = tracker.WaitForDatasetAsync("w/a", Timeout);
        Assert.True(tracker.Acknowledge(first.Sequence));
        Assert.True(await barrier);
        Assert.Equal(0, tracker.Outstanding);
        Assert.Equal(0, tracker.OutstandingRecords);
    }

    private WriteRecovery Recovery(WriteTracker publisher) =>
        new(publisher, Client, Options.Create(new WriteRecoveryOptions()), NullLogger<WriteRecovery>.Instance);
}
