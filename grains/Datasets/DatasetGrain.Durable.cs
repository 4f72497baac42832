using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Queue;
using Apperate.Actors.Streaming;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Apperate.Actors.Datasets;

/// <summary>
/// The record stream (async writes): each item is applied exactly once, in stream order. The stream sequence an item
/// carries is recorded in the transaction that stores it, so an item delivered again (after a crash, or to the queue's
/// next owner) is skipped; a delivery returns only once its items are committed, so the queue forgets nothing that is
/// not stored. Operations that must come after every accepted write (deleting records, deleting or renaming the
/// dataset) first apply what the queue still holds for this dataset, from whichever process accepted it.
/// </summary>
public sealed partial class DatasetGrain
{
    /// <summary>The last stream sequence applied, once read from the store (null: not read yet, or unsure after a failure).</summary>
    private long? _applied;

    private string StreamKey => RecordQueueAdapter.StreamKey(StreamId.Create(RecordStreams.Namespace, this.GetPrimaryKeyString()));

    /// <inheritdoc />
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<RecordBatch>().ResumeAsync(this);

    /// <inheritdoc />
    public Task OnNextAsync(IList<SequentialItem<RecordBatch>> items)
    {
        var durable = new List<(RecordBatch Item, long Position)>(items.Count);
        foreach (var item in items)
        {
            if (item.Token is not RecordQueueToken token)
                throw new InvalidOperationException($"Record stream {this.GetPrimaryKeyString()}: an item without a record queue position ({item.Token}).");
            durable.Add((item.Item, token.StreamSequence));
        }
        return ApplyAsync(durable);
    }

    /// <inheritdoc />
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <summary>Applies every item the queue still holds for this dataset, whichever queue and process it is in.</summary>
    private async Task CatchUpAsync()
    {
        var applied = _applied ??= await Task.Run(() => store.AppliedAsync(this.GetPrimaryKeyString()));
        var messages = await Task.Run(() => queue.ReadStreamAsync(StreamKey, applied));
        if (messages.Length == 0) return;
        var items = new List<(RecordBatch Item, long Position)>(messages.Length);
        foreach (var message in messages)
            foreach (var e in RecordQueueAdapter.Events(serializer, message.Payload))
                if (e is RecordBatch batch) items.Add((batch, message.StreamSequence));
        await ApplyAsync(items);
        // Handled: the queue may forget them now (the agent's own delivery of them, if any, is skipped and acknowledges nothing more).
        foreach (var inQueue in messages.GroupBy(m => m.QueueId))
            await Task.Run(() => queue.AcknowledgeAsync(inQueue.Key, [.. inQueue.Select(m => m.Sequence)]));
    }

    private async Task ApplyAsync(List<(RecordBatch Item, long Position)> items)
    {
        var key = this.GetPrimaryKeyString();
        var applied = _applied ??= await Task.Run(() => store.AppliedAsync(key));
        var expected = applied;
        var committing = applied;
        var commits = new List<Task<WriteResult>>(items.Count);
        foreach (var (item, position) in items)
        {
            if (position <= expected) continue; // delivered again: already applied
            // A later item before an earlier one: the earlier is still on its way. Fail, and the agent delivers again.
            if (position != expected + 1) throw new InvalidOperationException($"Record stream {key}: item {position} arrived before {expected + 1}.");
            expected = position;
            try
            {
                var definition = RequireDefinition();
                CheckColumns(definition, item);
                commits.Add(Enqueue(definition, item, position));
                committing = position;
            }
            catch (Exception ex) when (ex is ApperateException or ArgumentException)
            {
                // Refused for what it is (the dataset is gone, a column no longer fits), which will not change: logged,
                // and passed over.
                LogStreamItemRejected(ex, key, item.Rows.Length);
            }
        }
        try
        {
            await Task.WhenAll(commits);
            // Items passed over after the last one committed: their positions are recorded on their own.
            if (expected > committing) await Task.Run(() => store.AdvanceAppliedAsync(key, expected));
            _applied = expected;
        }
        catch
        {
            // Some items may have committed: read the position again before the agent's next delivery.
            _applied = null;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Record stream error on {Dataset}")]
    private partial void LogStreamError(Exception ex, string dataset);
}
