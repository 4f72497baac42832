using System.Collections;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Group-commit behaviour under timing the other tests do not reach: a commit that finishes before the grain awaits
/// it, and a batch the store refuses while sharing a transaction with others.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class GroupCommitRegressionTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    /// <summary>
    /// DatasetGrain.Writes.cs, the flush loop: when the store call has finished before the loop awaits it (the store
    /// completed at once, or the grain thread was preempted), the loop must still be remembered only while it runs;
    /// otherwise every later write queues behind a loop that no longer runs and never completes, and
    /// <c>FlushPendingAsync</c> (delete, rename, deactivation) waits forever. The store here completes the call before
    /// returning it.
    /// </summary>
    [Fact]
    public async Task Writes_after_a_commit_that_finished_before_it_was_awaited_still_complete()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");

        Fixture.Store.CompleteNextWriteAtOnce(definition.TableName);
        var first = await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0))).WaitAsync(Timeout);
        Assert.Equal(new WriteResult(1, 1, 0), first);

        var second = grain.WriteAsync(Quotes(Quote("MSFT", "2024-01-02", 2.0)));
        var completed = await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(5))) == second;

        var diagnosis = "";
        if (!completed)
        {
            var loop = Fixture.GrainField(grain, "_flushLoop") as Task;
            var pending = (Fixture.GrainField(grain, "_pending") as ICollection)?.Count;
            diagnosis = $"the write after it did not complete within 5 s: _flushLoop is {loop?.Status.ToString() ?? "null"} with {pending} writes pending";
            // Repair the activation so the shared cluster can shut down: start a loop again and let it drain.
            Fixture.SetGrainField(grain, "_flushLoop", null);
            await grain.WriteAsync(Quotes(Quote("IBM", "2024-01-02", 3.0))).WaitAsync(Timeout);
            await second.WaitAsync(Timeout);
        }
        Assert.True(completed, diagnosis);
        Assert.Equal(new WriteResult(1, 1, 0), await second);
    }

    /// <summary>
    /// DatasetGrain.Writes.cs, FlushLoopAsync: a group is one store transaction and a failure fails every batch in it.
    /// A batch the grain accepts (CheckColumns only checks names and counts) but the store refuses (here a value of a
    /// type rows never carry) fails the unrelated valid batches committed with it, with the store's ArgumentException
    /// instead of an ApperateException.
    /// </summary>
    [Fact]
    public async Task A_batch_the_store_refuses_does_not_fail_the_valid_batches_grouped_with_it()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");
        var bad = new RecordBatch(QuoteColumns, [new RecordRow("BAD", "", Day("2024-01-02"), ["BAD", "2024-01-02", Guid.NewGuid()], null)], DuplicateKeyHandling.Ignore);

        // Hold the first commit so the next two writes queue up and share the following one.
        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        var first = grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0)));
        await hold.Entered.WaitAsync(Timeout);
        var refused = grain.WriteAsync(bad);
        var valid = grain.WriteAsync(Quotes(Quote("MSFT", "2024-01-02", 2.0)));
        // Both queue behind the held commit (or the bad one is refused at the door, which is also fine).
        await Eventually("the two writes to queue behind the held commit",
            () => (Fixture.GrainField(grain, "_pending") as ICollection)?.Count ?? 0,
            n => n == 2 || (n == 1 && refused.IsFaulted));
        hold.Release();

        Assert.Equal(new WriteResult(1, 1, 0), await first.WaitAsync(Timeout));
        var refusal = await Record.ExceptionAsync(() => refused.WaitAsync(Timeout));
        var validFailure = await Record.ExceptionAsync(() => valid.WaitAsync(Timeout));

        Assert.True(validFailure is null, $"the valid batch committed with the refused one failed: {validFailure?.GetType().Name}: {validFailure?.Message}");
        Assert.Equal(new WriteResult(1, 1, 0), await valid);
        Assert.Equal([("AAPL", "2024-01-02", 1.0), ("MSFT", "2024-01-02", 2.0)], Values(await ReadAllAsync(ws, "Quotes")));
        var apperate = Assert.IsType<ApperateException>(refusal);
        Assert.Equal(ErrorKind.Invalid, apperate.Kind);
    }
}
