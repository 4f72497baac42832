using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Live;
using Apperate.Actors.Tests.Grains;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Tests.Live;

/// <summary>
/// A gateway's live feed against a real dataset grain and store: commits the fan-out lost are read from the store, late
/// and repeated ones are dropped, and a deleted dataset ends the subscriptions.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class DatasetFeedTests(GrainClusterFixture fixture) : GrainTestKit(fixture), IDisposable
{
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);

    private LiveFeeds Feeds(TimeSpan renew) =>
        new(Client, Options.Create(new LiveOptions { RenewInterval = renew }), NullLogger<DatasetFeed>.Instance, _lifetime);

    public void Dispose() => _lifetime.StopApplication();

    private static async Task<List<StoredRow>> Receive(LiveSubscriber subscriber, int count, string what)
    {
        var rows = new List<StoredRow>();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            while (rows.Count < count)
            {
                var batch = await subscriber.Reader.ReadAsync(timeout.Token);
                subscriber.Consumed(batch);
                rows.AddRange(batch.Rows);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {Timeout.TotalSeconds} s waiting for {what}; got {rows.Count} of {count} records.");
        }
        return rows;
    }

    private async Task<(string Ws, IDatasetGrain Grain, DatasetDefinition Definition)> NewDataset()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        return (ws, Dataset(ws, "Quotes"), definition);
    }

    [Fact]
    public async Task Commits_reach_the_subscriber_once_and_a_lost_one_is_read_from_the_store()
    {
        var (ws, grain, definition) = await NewDataset();
        var feeds = Feeds(TimeSpan.FromSeconds(30));
        var subscriber = new LiveSubscriber(null, false, 1_000, () => { });
        var feed = await feeds.SubscribeAsync(Names.DatasetKey(ws, "Quotes"), grain, subscriber);

        await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1), Quote("MSFT", "2024-01-02", 2)));
        var first = await Receive(subscriber, 2, "the first commit");
        Assert.Equal(["AAPL", "MSFT"], first.Select(r => r.Key));

        // Rows the grain never told the feed of (written to the store behind its back), then a commit whose Previous is
        // past them: the feed reads them from the store first, in order.
        await Fixture.Store.WriteAsync(definition.TableName, [Quotes(Quote("IBM", "2024-01-03", 3), Quote("ORCL", "2024-01-03", 4))], 1);
        var behind = await Fixture.Store.LastSequenceAsync(definition.TableName);
        await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-04", 5)));
        var caughtUp = await Receive(subscriber, 3, "the lost rows and the next commit");
        Assert.Equal(["IBM", "ORCL", "AAPL"], caughtUp.Select(r => r.Key));
        Assert.True(caughtUp[1].Id <= behind && caughtUp[2].Id > behind);

        // A commit delivered twice, or late, is not offered again.
        await feed.OnCommittedAsync(new LiveCommit(first[0].Id - 1, first[^1].Id, definition.Schema.Properties, [.. first], []));
        await grain.WriteAsync(Quotes(Quote("SAP", "2024-01-05", 6)));
        Assert.Equal(["SAP"], (await Receive(subscriber, 1, "the commit after a repeated one")).Select(r => r.Key));
        Assert.Equal(feed.Last, await grain.GetLiveStatusAsync().ContinueWith(t => t.Result.Last));
        feeds.Unsubscribe(feed, subscriber);
        Assert.Equal(0, feeds.Count);
    }

    [Fact]
    public async Task Renewing_finds_commits_the_feed_never_heard_of()
    {
        var (ws, grain, definition) = await NewDataset();
        var feeds = Feeds(TimeSpan.FromMilliseconds(100));
        var subscriber = new LiveSubscriber(["IBM"], false, 1_000, () => { });
        var feed = await feeds.SubscribeAsync(Names.DatasetKey(ws, "Quotes"), grain, subscriber);

        // Nothing tells the feed of these: the next renewal sees the sequence moved and reads them.
        await Fixture.Store.WriteAsync(definition.TableName, [Quotes(Quote("AAPL", "2024-01-03", 3), Quote("IBM", "2024-01-03", 4))], 1);
        var rows = await Receive(subscriber, 1, "the renewal to read IBM from the store");
        Assert.Equal(("IBM", 4.0), (rows[0].Key, (double)rows[0].Values[2]!));
        await Eventually("the feed to stand at the store's sequence", () => feed.Last, last => last == Fixture.Store.LastSequenceAsync(definition.TableName).Result);
        feeds.Unsubscribe(feed, subscriber);
    }

    [Fact]
    public async Task A_subscriber_that_falls_too_far_behind_is_cut_off_and_others_are_not()
    {
        var (ws, grain, _) = await NewDataset();
        var feeds = Feeds(TimeSpan.FromSeconds(30));
        var cutOff = 0;
        var slow = new LiveSubscriber(null, false, 3, () => cutOff++);
        var fast = new LiveSubscriber(null, false, 1_000, () => { });
        var key = Names.DatasetKey(ws, "Quotes");
        await feeds.SubscribeAsync(key, grain, slow);
        await feeds.SubscribeAsync(key, grain, fast);

        await grain.WriteAsync(Quotes(Quote("A", "2024-01-01", 1), Quote("B", "2024-01-01", 2)));
        await grain.WriteAsync(Quotes(Quote("C", "2024-01-01", 3), Quote("D", "2024-01-01", 4)));
        Assert.Equal(4, (await Receive(fast, 4, "both commits on the reading subscriber")).Count);
        Assert.True(slow.Overflowed);
        Assert.Equal(1, cutOff);
        // The slow one keeps what fitted, then its queue ends.
        var kept = new List<StoredRow>();
        await foreach (var batch in slow.Reader.ReadAllAsync()) kept.AddRange(batch.Rows);
        Assert.Equal(["A", "B"], kept.Select(r => r.Key));
    }

    [Fact]
    public async Task Deleting_the_dataset_ends_its_subscriptions()
    {
        var (ws, grain, _) = await NewDataset();
        var feeds = Feeds(TimeSpan.FromMilliseconds(100));
        var subscriber = new LiveSubscriber(null, false, 1_000, () => { });
        await feeds.SubscribeAsync(Names.DatasetKey(ws, "Quotes"), grain, subscriber);
        await Workspace(ws).DeleteDatasetAsync("Quotes");
        using var timeout = new CancellationTokenSource(Timeout);
        await subscriber.Reader.Completion.WaitAsync(timeout.Token);
        await Eventually("the feed to be forgotten", () => feeds.Count, n => n == 0);
        await AssertApperate(ErrorKind.NotFound, () => feeds.SubscribeAsync(Names.DatasetKey(ws, "Quotes"), grain, new LiveSubscriber(null, false, 10, () => { })));
    }

    [Fact]
    public async Task A_dataset_created_again_continues_its_sequence_above_the_deleted_one()
    {
        var (ws, grain, _) = await NewDataset();
        await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1), Quote("MSFT", "2024-01-02", 2)));
        var before = await grain.GetLiveStatusAsync();
        await Workspace(ws).DeleteDatasetAsync("Quotes");
        await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));

        // A position from the old dataset is below the reset point, and new records get sequences above it.
        var after = await grain.GetLiveStatusAsync();
        Assert.True(after.Reset > before.Last, $"reset {after.Reset}, old last {before.Last}");
        await grain.WriteAsync(Quotes(Quote("IBM", "2024-01-03", 3)));
        var row = Assert.Single(await ReadAllAsync(ws, "Quotes"));
        Assert.True(row.Id >= after.Reset, $"new id {row.Id}, reset {after.Reset}");
    }

    [Fact]
    public async Task Subscribers_to_keys_get_their_keys_rows_of_a_commit_together_in_commit_order()
    {
        var (ws, grain, _) = await NewDataset();
        var feeds = Feeds(TimeSpan.FromSeconds(30));
        var key = Names.DatasetKey(ws, "Quotes");
        var two = new LiveSubscriber(["AAPL", "IBM"], false, 1_000, () => { });
        var one = new LiveSubscriber(["IBM"], false, 1_000, () => { });
        var all = new LiveSubscriber(null, false, 1_000, () => { });
        foreach (var s in new[] { two, one, all }) await feeds.SubscribeAsync(key, grain, s);

        await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1), Quote("MSFT", "2024-01-02", 2), Quote("IBM", "2024-01-02", 3), Quote("AAPL", "2024-01-03", 4)));
        Assert.True(two.Reader.TryPeek(out _) || await two.Reader.WaitToReadAsync());
        Assert.True(two.Reader.TryRead(out var batch));
        Assert.Equal([1.0, 3.0, 4.0], batch.Rows.Select(r => (double)r.Values[2]!));
        Assert.True(batch.Rows[0].Id < batch.Rows[1].Id && batch.Rows[1].Id < batch.Rows[2].Id);
        Assert.Equal(["IBM"], (await Receive(one, 1, "IBM alone")).Select(r => r.Key));
        Assert.Equal(["AAPL", "MSFT", "IBM", "AAPL"], (await Receive(all, 4, "every key")).Select(r => r.Key));
    }
}
