using Apperate.Actors.Storage;
using Apperate.Actors.Streaming;
using Orleans.Streams;

namespace Apperate.Actors.Datasets;

/// <summary>
/// Items of a durable record stream (the record queue): each is applied exactly once, in stream order. The stream
/// sequence an item carries is recorded in the transaction that stores it, so an item delivered again (after a crash,
/// or to the queue's next owner) is skipped; a call returns only once its items are committed, so the queue forgets
/// nothing that is not stored. Items of other streams (in memory) keep the older path.
/// </summary>
public sealed partial class DatasetGrain
{
    /// <summary>The last stream sequence committed, once read from the store (null: not read yet, or unsure after a failure).</summary>
    private long? _applied;

    /// <inheritdoc />
    public async Task OnNextAsync(IList<SequentialItem<RecordBatch>> items)
    {
        var durable = new List<(RecordBatch Item, long Position)>();
        foreach (var item in items)
        {
            if (item.Token is RecordQueueToken token) durable.Add((item.Item, token.StreamSequence));
            else await OnNextAsync(item.Item, item.Token);
        }
        if (durable.Count > 0) await ApplyAsync(durable);
    }

    private async Task ApplyAsync(List<(RecordBatch Item, long Position)> items)
    {
        var key = this.GetPrimaryKeyString();
        var applied = _applied ??= await Task.Run(() => store.AppliedAsync(key));
        var expected = applied;
        var commits = new List<Task<WriteResult>>();
        foreach (var (item, position) in items)
        {
            if (position <= expected) continue; // delivered again: already stored
            // A later item before an earlier one: the earlier is still on its way. Fail, and the agent delivers again.
            if (position != expected + 1) throw new InvalidOperationException($"Record stream {key}: item {position} arrived before {expected + 1}.");
            expected = position;
            try
            {
                var definition = RequireDefinition();
                CheckColumns(definition, item);
                commits.Add(Enqueue(definition, item, position));
            }
            catch (Exception ex) when (ex is ApperateException or ArgumentException)
            {
                // Refused for what it is, which will not change: logged, and passed over.
                LogStreamItemRejected(ex, key, item.Rows.Length);
            }
        }
        try
        {
            await Task.WhenAll(commits);
            _applied = expected;
        }
        catch
        {
            // Some items may have committed: read the position again before the agent's next delivery.
            _applied = null;
            throw;
        }
    }

    /// <summary>Records a stream position with the commit, when the group holds an item of a durable stream.</summary>
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
}
