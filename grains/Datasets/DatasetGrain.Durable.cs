using Apperate.Actors.Storage;
using Apperate.Actors.Streaming;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Apperate.Actors.Datasets;

/// <summary>
/// The record stream (async writes): each item is applied exactly once, in stream order. The stream sequence an item
/// carries is recorded in the transaction that stores it, so an item delivered again (after a crash, or to the queue's
/// next owner) is skipped, and the queue forgets an item only once the store has it (the receiver acknowledges up to
/// the recorded position). A delivery returns once the delivery before it is committed, so one commit runs while the
/// next delivery comes in. Items missing from a delivery (after a failed commit) are read from the queue, which holds
/// everything not yet stored. Operations that must come after every accepted write (deleting records, deleting or
/// renaming the dataset) first apply what the queue still holds for this dataset, from whichever process accepted it.
/// </summary>
public sealed partial class DatasetGrain
{
    /// <summary>The last stream position taken in (being committed, committed or passed over); null: unknown, read the store's.</summary>
    private long? _through;

    /// <summary>The commits of the last items taken in, then the record of positions passed over after them.</summary>
    private Task _applying = Task.CompletedTask;

    /// <summary>While items that failed to commit wait in the queue: applies them from there, until it succeeds.</summary>
    private IGrainTimer? _retry;

    /// <summary>How long after a failed commit of stream items they are read back from the queue, and again after each failure.</summary>
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    private string StreamKey => RecordQueueAdapter.StreamKey(StreamId.Create(RecordStreams.Namespace, this.GetPrimaryKeyString()));

    /// <inheritdoc />
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<RecordBatch>().ResumeAsync(this);

    /// <inheritdoc />
    public async Task OnNextAsync(IList<SequentialItem<RecordBatch>> items)
    {
        var durable = new List<(RecordBatch Item, long Position)>(items.Count);
        foreach (var item in items)
        {
            if (item.Token is not RecordQueueToken token)
                throw new InvalidOperationException($"Record stream {this.GetPrimaryKeyString()}: an item without a record queue position ({item.Token}).");
            durable.Add((item.Item, token.StreamSequence));
        }
        var previous = _applying;
        if (!await TakeAsync(durable))
        {
            // Items before these were not taken (a commit failed, or they are on their way): the queue still has them.
            await CatchUpAsync();
            return;
        }
        // At most one delivery being committed besides this one: it returns once the one before it is stored.
        await previous;
    }

    /// <inheritdoc />
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <summary>Applies every item the queue still holds for this dataset, whichever queue and process it is in, and waits until it is stored.</summary>
    private async Task CatchUpAsync()
    {
        await SettleAsync();
        var applied = _through ??= await store.AppliedAsync(this.GetPrimaryKeyString());
        var messages = await queue.ReadStreamAsync(StreamKey, applied);
        if (messages.Length == 0) return;
        var items = new List<(RecordBatch Item, long Position)>(messages.Length);
        foreach (var message in messages)
            foreach (var e in RecordQueueAdapter.Events(serializer, message.Payload))
                if (e is RecordBatch batch) items.Add((batch, message.StreamSequence));
        if (!await TakeAsync(items))
            throw new InvalidOperationException($"Record stream {this.GetPrimaryKeyString()}: the record queue holds no item {applied + 1}.");
        await _applying;
        // Stored: the queue may forget them now (the agent's own delivery of them, if any, is skipped).
        foreach (var inQueue in messages.GroupBy(m => m.QueueId))
            await queue.AcknowledgeAsync(inQueue.Key, [.. inQueue.Select(m => m.Sequence)]);
    }

    /// <summary>Waits for the items taken so far to be stored or to fail (a failure leaves the position to be read again).</summary>
    private async Task SettleAsync()
    {
        var applying = _applying;
        try
        {
            await applying;
        }
        catch (Exception)
        {
            // Handled where it happened: _through was cleared, and the items stay in the queue to be taken again. What is
            // taken next must not wait for this failure.
            if (_applying == applying) _applying = Task.CompletedTask;
        }
    }

    /// <summary>
    /// Takes items in for commit when they follow the last position taken without a gap (items at or below it are
    /// skipped); returns false, taking nothing, when they do not.
    /// </summary>
    private async Task<bool> TakeAsync(List<(RecordBatch Item, long Position)> items)
    {
        var key = this.GetPrimaryKeyString();
        if (_through is null)
        {
            await SettleAsync();
            _through ??= await store.AppliedAsync(key);
        }
        var expected = _through.Value;
        var next = expected;
        foreach (var (_, position) in items)
        {
            if (position <= next) continue;
            if (position != next + 1) return false;
            next = position;
        }
        if (next == expected) return true;

        var commits = new List<Task<WriteResult>>(items.Count);
        var committed = expected;
        foreach (var (item, position) in items)
        {
            if (position <= expected) continue;
            expected = position;
            try
            {
                var definition = RequireDefinition();
                CheckColumns(definition, item);
                commits.Add(Enqueue(definition, item, position));
                committed = position;
            }
            catch (Exception ex) when (ex is ApperateException or ArgumentException)
            {
                // Refused for what it is (the dataset is gone, a column no longer fits), which will not change: logged,
                // and passed over.
                LogStreamItemRejected(ex, key, item.Rows.Length);
            }
        }
        _through = expected;
        _applying = RecordAsync(_applying, commits, committed < expected ? expected : null);
        return true;
    }

    /// <summary>
    /// Completes when <paramref name="commits"/> (and everything taken before them) are stored, then records
    /// <paramref name="passedOver"/> as applied: the position of items after the last commit that were passed over.
    /// </summary>
    private async Task RecordAsync(Task before, List<Task<WriteResult>> commits, long? passedOver)
    {
        try
        {
            await before;
            await Task.WhenAll(commits);
            if (passedOver is { } position) await store.AdvanceAppliedAsync(this.GetPrimaryKeyString(), position);
        }
        catch
        {
            // Some items may not be stored: read the position again before taking more, and apply what the queue holds
            // even if no delivery comes (the agent counts the failed items as delivered).
            _through = null;
            _retry ??= this.RegisterGrainTimer(static async (self, _) =>
            {
                try
                {
                    await self.CatchUpAsync();
                    self._retry?.Dispose();
                    self._retry = null;
                }
                catch (Exception ex)
                {
                    self.LogCatchUpFailed(ex, self.GetPrimaryKeyString());
                }
            }, this, new GrainTimerCreationOptions { DueTime = RetryEvery, Period = RetryEvery, KeepAlive = true });
            throw;
        }
    }

    /// <summary>Records a stream position with the commit, when the group holds an item of the record stream.</summary>
    private ICommitParticipant? WithAppliedPosition(ICommitParticipant? inner, long position) =>
        position > 0 ? new AppliedPosition(inner, this.GetPrimaryKeyString(), position) : inner;

    /// <summary>Adds the dataset's stream position to the commit, after what the inner participant adds.</summary>
    private sealed class AppliedPosition(ICommitParticipant? inner, string stream, long position) : ICommitParticipant
    {
        public ICommitParticipant? Inner { get; } = inner;

        public void Prepare(CommitContext commit)
        {
            Inner?.Prepare(commit);
            commit.Applied.Add((stream, position));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream item for {Dataset} with {Rows} records refused")]
    private partial void LogStreamItemRejected(Exception ex, string dataset, int rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record stream items of {Dataset} that failed to commit could not be applied from the queue yet; trying again")]
    private partial void LogCatchUpFailed(Exception ex, string dataset);

    [LoggerMessage(Level = LogLevel.Error, Message = "Record stream error on {Dataset}")]
    private partial void LogStreamError(Exception ex, string dataset);
}
