using System.Diagnostics;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Writes;
using Orleans.Streams;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Back-pressure of the async write path: when a dataset grain stalls its record stream behind a large backlog, the
/// bounded memory stream queue fills and the publisher is refused (the gateway answers 429), and every item the queue
/// did accept is stored once the store catches up.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class StreamQueueFullTests(GrainClusterFixture fixture, ITestOutputHelper output) : GrainTestKit(fixture)
{
    /// <summary>One more than the grain's MaxBufferedRows: the backlog that takes its buffer over the threshold.</summary>
    private const int BigRows = 100_001;

    /// <summary>
    /// Rows per backlog item. One 100,001-row item would be about 3.9 MB serialized, and the memory stream's cache
    /// stores each item in a 1 MB block: a larger item is accepted by OnNextAsync but never delivered. 20,000 rows are
    /// about 0.77 MB (the gateway keeps stream items far smaller still: bodies over 256 KB go to the grain directly).
    /// </summary>
    private const int RowsPerItem = 20_000;

    /// <summary>Bounds of the flood: well above the memory stream queue's 16,384 items.</summary>
    private const int MaxAttempts = 60_000;

    private static readonly TimeSpan FloodBudget = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_full_stream_queue_refuses_the_publisher_and_every_accepted_item_is_stored()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Flood"));
        var table = definition.TableName;
        var key = Names.DatasetKey(ws, "Flood");
        var grain = Dataset(ws, "Flood");
        var stream = Fixture.RecordStream(ws, "Flood");

        // The grain's flush loop takes the first pending item into a commit at once, so rows arriving at an idle grain
        // never count as buffered. A 1-row primer goes first and is held at the store; the backlog then waits in the
        // buffer behind it, and once it exceeds MaxBufferedRows the grain's OnNextAsync waits for the store, stalling
        // delivery of the stream.
        var hold = Fixture.Store.HoldNextWrite(table);
        var accepted = 0;
        Exception? refused = null;
        var clock = Stopwatch.StartNew();
        var flood = TimeSpan.Zero;
        try
        {
            await PublishAsync(stream, key, Rows("P", 0, 1));
            await Eventually("the primer's commit to reach the held store write", () => hold.Entered.IsCompleted, entered => entered);
            for (var first = 0; first < BigRows; first += RowsPerItem)
                await PublishAsync(stream, key, Rows("B", first, Math.Min(RowsPerItem, BigRows - first)));
            await Eventually($"the grain to buffer {BigRows} rows behind the held commit",
                () => Fixture.GrainField(grain, "_pendingRows") as int? ?? 0, n => n == BigRows);
            output.WriteLine($"stalled after {clock.ElapsedMilliseconds} ms");

            // Flood with 1-row items until the queue refuses one.
            clock.Restart();
            for (var i = 0; i < MaxAttempts && clock.Elapsed < FloodBudget; i++)
            {
                try
                {
                    await PublishAsync(stream, key, Rows("S", i, 1));
                    accepted++;
                }
                catch (Exception ex)
                {
                    refused = ex;
                    break;
                }
            }
            flood = clock.Elapsed;
            output.WriteLine($"flood: {accepted} accepted in {flood.TotalMilliseconds:0} ms; refused: {refused?.GetType().FullName}: {refused?.Message}");
        }
        finally
        {
            hold.Release();
        }

        // Everything accepted is stored, and the refused item is not. Checked before the refusal itself, so that a
        // failing run still leaves the shared cluster idle and reports whether anything was lost.
        var expected = 1L + BigRows + accepted;
        clock.Restart();
        var stored = await StoredAsync(table, expected);
        output.WriteLine($"stored {stored} rows {clock.ElapsedMilliseconds} ms after the release");
        Assert.True(await Fixture.Tracker.WaitForDatasetAsync(key, StoreTimeout), "the write tracker did not count every accepted item as committed");
        Assert.Equal(expected, await Fixture.Store.CountAsync(table));
        Assert.True(refused is not null, $"no publish was refused: {accepted} 1-row items were accepted in {flood.TotalSeconds:0.0}s while the stream was stalled");
        Assert.True(RecordWriter.IsQueueFull(refused), $"the refusal is not recognised as a full queue (the gateway would not answer 429): {refused}");
    }

    /// <summary>Publishes one item as the gateway does: counted as accepted first, uncounted when the publish fails.</summary>
    private async Task PublishAsync(IAsyncStream<RecordBatch> stream, string key, RecordBatch batch)
    {
        Fixture.Tracker.Accepted(key);
        try
        {
            await stream.OnNextAsync(batch);
        }
        catch
        {
            Fixture.Tracker.AcceptFailed(key);
            throw;
        }
    }

    /// <summary>Polls the store until it holds <paramref name="expected"/> rows (or more); the timeout says how many it held.</summary>
    private async Task<long> StoredAsync(string table, long expected)
    {
        var deadline = DateTime.UtcNow + StoreTimeout;
        while (true)
        {
            var count = await Fixture.Store.CountAsync(table);
            if (count >= expected) return count;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {StoreTimeout.TotalSeconds:0}s waiting for {expected} stored rows (every accepted item); {count} were stored.");
            await Task.Delay(20);
        }
    }

    private static readonly long Date = Day("2024-03-01");

    /// <summary><paramref name="count"/> small rows with distinct keys prefix{first}, prefix{first + 1}, ...</summary>
    private static RecordBatch Rows(string prefix, int first, int count)
    {
        var rows = new RecordRow[count];
        for (var i = 0; i < count; i++)
        {
            var symbol = prefix + (first + i);
            rows[i] = new RecordRow(symbol, "", Date, [symbol, "2024-03-01", (double)i], null);
        }
        return new RecordBatch(QuoteColumns, rows, DuplicateKeyHandling.Ignore);
    }
}
