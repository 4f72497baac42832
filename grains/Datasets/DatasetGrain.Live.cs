using Apperate.Actors.Storage;
using Orleans.Utilities;

namespace Apperate.Actors.Datasets;

/// <summary>
/// Live followers: the processes with subscribers to this dataset register here, and each commit is sent to them
/// one-way once it is durable. Sending may lose a commit; followers read gaps from the store by sequence.
/// </summary>
public sealed partial class DatasetGrain
{
    /// <summary>A follower that has not renewed for this long is dropped.</summary>
    private static readonly TimeSpan FollowerExpiry = TimeSpan.FromMinutes(1);

    private ObserverManager<IDatasetFeedObserver>? _followers;

    /// <inheritdoc />
    public async Task<LiveStatus> FollowAsync(IDatasetFeedObserver observer)
    {
        RequireDefinition();
        // Registered before the sequence is read: a commit either reaches the follower or is within the status.
        (_followers ??= new ObserverManager<IDatasetFeedObserver>(FollowerExpiry, logger)).Subscribe(observer, observer);
        return await GetLiveStatusAsync();
    }

    /// <inheritdoc />
    public Task UnfollowAsync(IDatasetFeedObserver observer)
    {
        _followers?.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<LiveStatus> GetLiveStatusAsync()
    {
        var definition = RequireDefinition();
        var last = await store.LastSequenceAsync(definition.TableName);
        return new LiveStatus(last, state.State.ResetSequence);
    }

    /// <summary>Wraps a commit's participant so the commit's records are captured for the followers, when there are any.</summary>
    private ICommitParticipant? WithLiveCapture(ICommitParticipant? inner, DatasetDefinition definition) =>
        _followers is { Count: > 0 } ? new LiveCapture(inner, definition.Schema.Properties) : inner;

    /// <summary>Sends a committed write to the followers.</summary>
    private void PublishCommit(ICommitParticipant? participant)
    {
        if (participant is AppliedPosition applied) participant = applied.Inner;
        if (participant is not LiveCapture { Commit: { } commit } || _followers is not { Count: > 0 } followers) return;
        followers.Notify(f => f.OnCommittedAsync(commit));
    }

    /// <summary>
    /// Marks the current end of the sequence as a reset point (records were deleted, or the dataset is deleted or
    /// renamed away): followers at or before it start over. The table's sequence moves one past it, so positions given
    /// after it are above the mark; the caller writes the state.
    /// </summary>
    private async Task MarkResetAsync(string table)
    {
        var last = await store.LastSequenceAsync(table);
        var mark = Math.Max(last + 1, state.State.ResetSequence);
        await store.AdvanceSequenceAsync(table, mark);
        state.State.ResetSequence = mark;
    }

    /// <summary>A table that takes this name continues above the last reset point, so no position under the name repeats.</summary>
    private async Task ContinueSequenceAsync(string table)
    {
        var floor = state.State.ResetSequence;
        if (floor > 0) await store.AdvanceSequenceAsync(table, floor);
    }

    /// <summary>Captures the records of a commit as the followers receive them, after the inner participant (the rules) has done its part.</summary>
    private sealed class LiveCapture(ICommitParticipant? inner, PropertyDefinition[] properties) : ICommitParticipant
    {
        public LiveCommit? Commit { get; private set; }

        public void Prepare(CommitContext commit)
        {
            inner?.Prepare(commit);
            // Called again when the store runs the transaction again: the last call is the one that committed.
            var positions = new int[commit.Batches.Count][];
            var records = new List<StoredRow>(commit.Events.Count);
            List<StoredRow>? events = null;
            foreach (var e in commit.Events)
            {
                var batch = commit.Batches[e.Batch];
                if (!batch.Persist && batch.NoEvents) continue;
                var position = positions[e.Batch] ??= Positions(batch.Columns);
                var row = batch.Rows[e.Row];
                var values = new object?[properties.Length];
                for (var c = 0; c < position.Length; c++)
                    if (position[c] >= 0) values[position[c]] = row.Values[c];
                var stored = new StoredRow(e.Sequence, row.Key, row.Subkey ?? "", row.Date, commit.Updated, values, row.Extra);
                if (batch.Persist) records.Add(stored);
                else (events ??= []).Add(stored);
            }
            Commit = new LiveCommit(commit.Previous, commit.Last, properties, [.. records], events is null ? [] : [.. events]);
        }

        private int[] Positions(string[] columns)
        {
            var positions = new int[columns.Length];
            for (var c = 0; c < columns.Length; c++)
                positions[c] = Array.FindIndex(properties, p => string.Equals(p.Name, columns[c], StringComparison.OrdinalIgnoreCase));
            return positions;
        }
    }
}
