using System.Collections;
using System.Diagnostics.Tracing;
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
    /// DatasetGrain.Writes.cs, <c>_flushLoop ??= FlushLoopAsync(definition)</c>: when the store call finishes before
    /// the flush loop's <c>await Task.Run(...)</c> checks it (the grain thread is preempted for a moment), the loop runs
    /// to the end synchronously, its <c>finally</c> sets <c>_flushLoop = null</c>, and then <c>??=</c> stores the
    /// completed task. From then on every write is queued behind a loop that no longer runs: it never completes, and
    /// <c>FlushPendingAsync</c> (delete, rename, deactivation) spins forever on the completed task.
    /// The preemption is reproduced by delaying the grain thread right after the store work is queued.
    /// </summary>
    [Fact]
    public async Task Writes_after_a_commit_that_finished_before_it_was_awaited_still_complete()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");

        WriteResult first;
        using (var preemption = new GrainThreadPreemption(Fixture.Store.NextWriteReturned(definition.TableName)))
        {
            RequestContext.Set(GrainThreadPreemption.ContextKey, preemption.Token);
            try
            {
                first = await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0))).WaitAsync(Timeout);
            }
            finally
            {
                RequestContext.Remove(GrainThreadPreemption.ContextKey);
            }
            Assert.True(preemption.Fired, "the grain thread was never delayed after queuing the commit");
        }
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

    /// <summary>
    /// Simulates the grain thread being preempted between queuing work on the thread pool and awaiting it: the TPL
    /// event that <c>Task.Run</c> raises on the calling thread after queuing (its unwrap promise starting) blocks, once,
    /// when raised on a grain thread inside a call carrying <see cref="Token"/> in its request context, until the work it
    /// queued has finished.
    /// </summary>
    private sealed class GrainThreadPreemption : EventListener
    {
        public const string ContextKey = "apperate-test-preempt";
        private const EventKeywords AsyncCausalityOperation = (EventKeywords)8;
        private readonly Task resumeWhen;
        private int fired;

        /// <param name="resumeWhen">The grain thread resumes once this completes (the store call has returned).</param>
        public GrainThreadPreemption(Task resumeWhen)
        {
            this.resumeWhen = resumeWhen;
        }

        // Initialized before the base constructor runs, which already delivers events.
        public string Token { get; } = Guid.NewGuid().ToString("N");

        public bool Fired => Volatile.Read(ref fired) == 1;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "System.Threading.Tasks.TplEventSource")
                EnableEvents(eventSource, EventLevel.Informational, AsyncCausalityOperation);
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName != "TraceOperationBegin" || eventData.Payload is not { } payload) return;
            var index = eventData.PayloadNames?.IndexOf("OperationName") ?? -1;
            if (index < 0 || payload[index] as string != "Task.Unwrap") return;
            if (TaskScheduler.Current == TaskScheduler.Default) return;
            if (RequestContext.Get(ContextKey) as string != Token) return;
            if (Interlocked.Exchange(ref fired, 1) == 1) return;
            // Hold the grain thread until the queued store call has returned (Task.Run completes its own task right
            // after): what a preempted thread would find when it resumes.
            resumeWhen.Wait(TimeSpan.FromSeconds(10));
        }
    }
}
