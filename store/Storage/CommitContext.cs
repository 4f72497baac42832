using Apperate.Actors.Datasets;

namespace Apperate.Actors.Storage;

/// <summary>
/// One event of a write: a record inserted or replaced by it, or a record of a batch that is not stored
/// (<see cref="RecordBatch.Persist"/> false). A duplicate ignored under <see cref="DuplicateKeyHandling.Ignore"/> is none.
/// </summary>
/// <param name="Batch">The batch's index in the write.</param>
/// <param name="Row">The row's index in its batch.</param>
/// <param name="Sequence">The record's commit sequence in its dataset.</param>
public readonly record struct RecordEvent(int Batch, int Row, long Sequence);

/// <summary>An alert for the outbox, written in the transaction of the record that raised it.</summary>
/// <param name="AlertId">Unique: the webhook's <c>webhook-id</c>.</param>
/// <param name="Output">The output it goes to (<c>WORKSPACE/ruleid/outputId</c>).</param>
/// <param name="Rule">The rule id.</param>
/// <param name="Sequence">The record's commit sequence: the order of delivery within the output.</param>
/// <param name="Created">Epoch ms.</param>
/// <param name="State">The initial state: <see cref="AlertState.Pending"/> for deliveries, <see cref="AlertState.Logged"/> for log outputs.</param>
/// <param name="Body">The alert as sent: the webhook body.</param>
public sealed record OutboxAlert(string AlertId, string Output, string Rule, long Sequence, long Created, AlertState State, string Body);

/// <summary>One rule-state value to store (insert or overwrite).</summary>
public readonly record struct RuleStateValue(string Rule, string Name, string Value);

/// <summary>
/// What a write's events add to its transaction: a <see cref="ICommitParticipant"/> sees the events after the write's
/// rows and fills in alerts and rule state, which the store writes before it commits.
/// </summary>
public sealed class CommitContext(IReadOnlyList<RecordBatch> batches, IReadOnlyList<RecordEvent> events, long updated, long previous, long last)
{
    /// <summary>The table's last commit sequence before this write.</summary>
    public long Previous { get; } = previous;

    /// <summary>The table's last commit sequence after this write (sequences may skip values).</summary>
    public long Last { get; } = last;

    /// <summary>The write's batches.</summary>
    public IReadOnlyList<RecordBatch> Batches { get; } = batches;

    /// <summary>Every event of the write, in batch and row order.</summary>
    public IReadOnlyList<RecordEvent> Events { get; } = events;

    /// <summary>The write's time, epoch ms.</summary>
    public long Updated { get; } = updated;

    /// <summary>Alerts to add to the outbox.</summary>
    public List<OutboxAlert> Alerts { get; } = [];

    /// <summary>Rule state to store.</summary>
    public List<RuleStateValue> State { get; } = [];

    /// <summary>Rules whose state of other generations is forgotten: every name of the rule that does not start with the prefix (counters excepted).</summary>
    public List<(string Rule, string KeepPrefix)> StateResets { get; } = [];

    /// <summary>How far datasets' record streams are applied once this write commits (dataset key, stream sequence).</summary>
    public List<(string Stream, long Sequence)> Applied { get; } = [];

    /// <summary>True when there is nothing to write.</summary>
    public bool IsEmpty => Alerts.Count == 0 && State.Count == 0 && StateResets.Count == 0 && Applied.Count == 0;
}

/// <summary>Joins a write's transaction after its rows (the rules engine).</summary>
public interface ICommitParticipant
{
    /// <summary>
    /// Called inside the transaction once the rows are written, with every event. Called again with a fresh context
    /// when the store runs the transaction again (a deadlock victim), so it must not keep what it adds until the write returns.
    /// </summary>
    void Prepare(CommitContext commit);
}
