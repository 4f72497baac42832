using Apperate.Actors.Datasets;
using Apperate.Actors.Streaming;

namespace Apperate.Actors.Tests.Storage;

/// <summary>
/// The events a process published, held for its own receivers: taken once by queue position, and bounded by rows so that
/// messages another process reads never pile up (those are deserialized from the queue's payload as usual).
/// </summary>
[Trait("Category", "Unit")]
public sealed class PublishedEventsTests
{
    private static List<object> Events(int rows) =>
        [new RecordBatch(["k"], Enumerable.Range(0, rows).Select(i => new RecordRow($"K{i}", "", 0, [$"K{i}"], null)).ToArray(), DuplicateKeyHandling.Ignore)];

    [Fact]
    public void The_published_events_are_taken_once_by_their_queue_position()
    {
        var published = new PublishedEvents();
        var events = Events(3);
        published.Add(2, 41, events);

        Assert.Null(published.Take(1, 41));
        Assert.Null(published.Take(2, 40));
        Assert.Same(events, published.Take(2, 41));
        Assert.Null(published.Take(2, 41));
        Assert.Equal(0, published.Count);
    }

    [Fact]
    public void Past_the_row_bound_the_oldest_untaken_are_dropped()
    {
        var published = new PublishedEvents(maxRows: 10);
        for (var sequence = 1; sequence <= 5; sequence++) published.Add(0, sequence, Events(4));

        // 20 rows published, 10 held at most: the newest two messages are still there, the oldest were dropped.
        Assert.Null(published.Take(0, 1));
        Assert.Null(published.Take(0, 3));
        Assert.NotNull(published.Take(0, 4));
        Assert.NotNull(published.Take(0, 5));
    }

    [Fact]
    public void Taken_messages_leave_room_and_nothing_is_held_twice()
    {
        var published = new PublishedEvents(maxRows: 10);
        for (var sequence = 1; sequence <= 1_000; sequence++)
        {
            published.Add(1, sequence, Events(5));
            Assert.NotNull(published.Take(1, sequence));
        }
        published.Add(1, 1_001, Events(5));
        published.Add(1, 1_001, Events(5));
        Assert.Equal(1, published.Count);
        Assert.NotNull(published.Take(1, 1_001));
    }
}
