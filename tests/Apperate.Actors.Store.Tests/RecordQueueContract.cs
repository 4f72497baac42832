using System.Collections.Concurrent;
using System.Text;
using Apperate.Actors.Storage.Queue;

namespace Apperate.Actors.Tests.Storage;

/// <summary>
/// What every <see cref="IRecordQueue"/> must do, run against each database: durable, ordered, gapless per stream,
/// bounded, acknowledged once, and consistent when several processes (queue instances) enqueue at once.
/// </summary>
public abstract class RecordQueueContract : IAsyncLifetime
{
    private readonly List<RecordQueue> queues = [];

    /// <summary>A handle on this test's database; calls return handles on the same one.</summary>
    protected abstract QueueDatabase Database();

    protected RecordQueue Open(RecordQueueOptions? options = null)
    {
        var queue = new RecordQueue(Database(), options);
        queues.Add(queue);
        return queue;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var queue in queues) await queue.DisposeAsync();
    }

    private static QueueItem Item(int queue, string stream, string text) => new(queue, stream, Encoding.UTF8.GetBytes(text));

    private static string Text(QueuedMessage m) => Encoding.UTF8.GetString(m.Payload);

    [Fact]
    public async Task Messages_are_read_back_in_order_with_rising_sequences_and_gapless_stream_sequences()
    {
        var queue = Open();
        var first = await queue.EnqueueAsync([Item(1, "WS/A", "a1"), Item(1, "WS/B", "b1"), Item(2, "WS/C", "c1")]);
        var second = await queue.EnqueueAsync([Item(1, "WS/A", "a2"), Item(1, "WS/A", "a3")]);
        Assert.Equal([new QueuePosition(1, 1), new QueuePosition(2, 1), new QueuePosition(1, 1)], first);
        Assert.Equal([new QueuePosition(3, 2), new QueuePosition(4, 3)], second);

        var one = await queue.ReadAsync(1, 0, 100);
        Assert.Equal(["a1", "b1", "a2", "a3"], one.Select(Text));
        Assert.Equal([1L, 2, 3, 4], one.Select(m => m.Sequence));
        Assert.Equal([("WS/A", 1L), ("WS/B", 1L), ("WS/A", 2L), ("WS/A", 3L)], one.Select(m => (m.StreamKey, m.StreamSequence)));
        Assert.Equal(["c1"], (await queue.ReadAsync(2, 0, 100)).Select(Text));
        Assert.Equal(["a2", "a3"], (await queue.ReadAsync(1, 2, 100)).Select(Text));
        Assert.Equal(["a1"], (await queue.ReadAsync(1, 0, 1)).Select(Text));
        Assert.Empty(await queue.ReadAsync(3, 0, 100));
        Assert.Empty(await queue.EnqueueAsync([]));
    }

    [Fact]
    public async Task Acknowledged_messages_are_gone_once_and_readers_start_at_the_oldest_left()
    {
        var queue = Open();
        await queue.EnqueueAsync([Item(1, "S", "1"), Item(1, "S", "2"), Item(1, "S", "3"), Item(1, "S", "4")]);
        Assert.Equal(0, await queue.ReadStartAsync(1));
        Assert.Equal(4, await queue.PendingAsync(1));
        await queue.AcknowledgeAsync(1, [1, 2]);
        await queue.AcknowledgeAsync(1, [2, 99]);
        Assert.Equal(2, await queue.PendingAsync(1));
        Assert.Equal(2, await queue.ReadStartAsync(1));
        Assert.Equal(["3", "4"], (await queue.ReadAsync(1, 0, 10)).Select(Text));
        await queue.AcknowledgeAsync(1, [4, 3]);
        Assert.Equal(0, await queue.PendingAsync(1));
        // Empty: a reader starts after the last sequence given, and new messages continue it.
        Assert.Equal(4, await queue.ReadStartAsync(1));
        Assert.Equal([new QueuePosition(5, 5)], await queue.EnqueueAsync([Item(1, "S", "5")]));
        Assert.Equal(0, await queue.ReadStartAsync(7));
    }

    [Fact]
    public async Task A_full_queue_refuses_whole_calls_until_messages_are_acknowledged()
    {
        var queue = Open(new RecordQueueOptions { MaxPendingPerQueue = 5 });
        await queue.EnqueueAsync([Item(1, "S", "1"), Item(1, "S", "2"), Item(1, "S", "3")]);
        var full = await Assert.ThrowsAsync<QueueFullException>(() => queue.EnqueueAsync([Item(2, "T", "x"), Item(1, "S", "4"), Item(1, "S", "5"), Item(1, "S", "6")]));
        Assert.Equal(1, full.QueueId);
        // Nothing of the refused call was stored, not even its message to another queue.
        Assert.Empty(await queue.ReadAsync(2, 0, 10));
        Assert.Equal(3, (await queue.ReadAsync(1, 0, 10)).Length);
        await queue.EnqueueAsync([Item(1, "S", "4"), Item(1, "S", "5")]);
        await Assert.ThrowsAsync<QueueFullException>(() => queue.EnqueueAsync([Item(1, "S", "6")]));
        await queue.AcknowledgeAsync(1, [1]);
        var accepted = await queue.EnqueueAsync([Item(1, "S", "6")]);
        // The refused calls took no sequence.
        Assert.Equal([new QueuePosition(6, 6)], accepted);
    }

    [Fact]
    public async Task What_was_enqueued_is_there_for_a_new_instance_and_sequences_continue()
    {
        var before = Open();
        await before.EnqueueAsync([Item(3, "WS/A", "kept")]);
        await before.DisposeAsync();
        queues.Remove(before);

        var after = Open();
        Assert.Equal(["kept"], (await after.ReadAsync(3, 0, 10)).Select(Text));
        Assert.Equal([new QueuePosition(2, 2)], await after.EnqueueAsync([Item(3, "WS/A", "next")]));
    }

    [Fact]
    public async Task Concurrent_calls_from_several_instances_get_unique_sequences_in_commit_order_and_gapless_streams()
    {
        // Two instances stand for two processes sharing the database; each groups its callers' calls.
        var instances = new[] { Open(), Open() };
        const int Callers = 16, Calls = 25;
        var given = new ConcurrentBag<(int Queue, string Stream, QueuePosition Position, string Text)>();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            for (var n = 0; n < Calls; n++)
            {
                var stream = "WS/D" + (n % 3);
                var queue = n % 3 == 2 ? 2 : 1;
                var items = new[] { Item(queue, stream, $"{c}-{n}-a"), Item(queue, stream, $"{c}-{n}-b") };
                var positions = await instances[c % 2].EnqueueAsync(items);
                for (var i = 0; i < items.Length; i++) given.Add((queue, stream, positions[i], Encoding.UTF8.GetString(items[i].Payload)));
            }
        })));

        Assert.Equal(Callers * Calls * 2, given.Count);
        foreach (var queue in new[] { 1, 2 })
        {
            var read = await instances[0].ReadAsync(queue, 0, 10_000);
            var mine = given.Where(g => g.Queue == queue).ToArray();
            Assert.Equal(mine.Length, read.Length);
            // Sequences are unique and read in order; each message is where its call was told it is.
            Assert.Equal(read.Select(m => m.Sequence).Order(), read.Select(m => m.Sequence));
            Assert.Equal(read.Length, read.Select(m => m.Sequence).Distinct().Count());
            var byText = mine.ToDictionary(g => g.Text);
            Assert.All(read, m => Assert.Equal((m.Sequence, m.StreamSequence), (byText[Text(m)].Position.Sequence, byText[Text(m)].Position.StreamSequence)));
            // Each stream's sequence is 1, 2, 3, … with no gap, rising in queue order; a call's messages stay together.
            foreach (var stream in read.GroupBy(m => m.StreamKey))
                Assert.Equal(Enumerable.Range(1, stream.Count()).Select(i => (long)i), stream.Select(m => m.StreamSequence));
            foreach (var m in read.Where(m => Text(m).EndsWith("-a", StringComparison.Ordinal)))
                Assert.Equal(Text(m)[..^1] + "b", Text(read.Single(x => x.Sequence == m.Sequence + 1)));
        }
    }
}
