using Apperate.Actors.Datasets;
using Apperate.Actors.Views;

namespace Apperate.Actors.Storage;

/// <summary>
/// Where rows live: one table per dataset with typed columns for the schema's properties, the system columns
/// (id, key, subkey, date, updated, extra) and a unique index on (key, subkey, date).
/// </summary>
/// <remarks>
/// Table names come from <see cref="DatasetDefinition.TableName"/> and property names from validated schemas; both
/// are checked against the name rule and quoted. Every value is a parameter. Implementations are thread-safe.
/// Values use the representation of <see cref="RecordRow.Values"/>.
/// </remarks>
public interface IRecordStore
{
    /// <summary>Creates the table when missing and adds any property column it lacks (schema changes are additive).</summary>
    Task EnsureTableAsync(string table, IReadOnlyList<PropertyDefinition> properties, CancellationToken cancellationToken = default);

    /// <summary>Drops the table and its rows; no error when it does not exist.</summary>
    Task DropTableAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the batches in order in one transaction (all or nothing) and returns one result per batch.
    /// Duplicates (same key, subkey, date) are kept or replaced per batch.
    /// Batches with <see cref="RecordBatch.Persist"/> false are skipped and reported as <see cref="WriteResult.Empty"/> with their row count received.
    /// </summary>
    /// <remarks>
    /// Every row inserted or replaced gets the table's next commit sequence as its id (a number per table, in row
    /// order, above every sequence given before, kept in the same database and advanced in the same transaction; it
    /// may skip values): a replaced row gets a new id. So ids follow commit order, rows with equal dates are read in
    /// commit order, and "what changed after sequence n" is the rows with ids above n (<see cref="DataQuery.AfterSequence"/>).
    /// With a <paramref name="participant"/>, the rows of batches that are not stored get sequences too, and the
    /// participant sees every event (<see cref="RecordEvent"/>) inside the transaction and adds alerts and rule state to it:
    /// an alert exists if and only if its record committed.
    /// </remarks>
    Task<WriteResult[]> WriteAsync(string table, IReadOnlyList<RecordBatch> batches, long updated, ICommitParticipant? participant = null, CancellationToken cancellationToken = default);

    /// <summary>The table's last commit sequence: the highest given so far (0 when none), whether or not its rows are still stored.</summary>
    Task<long> LastSequenceAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>How far a dataset's record stream is applied: the last stream sequence a commit recorded (<see cref="CommitContext.Applied"/>), 0 when none.</summary>
    Task<long> AppliedAsync(string stream, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that a dataset's record stream is applied through <paramref name="sequence"/> without a commit of records
    /// (items passed over because they could not be stored); never moves the position back.
    /// </summary>
    Task AdvanceAppliedAsync(string stream, long sequence, CancellationToken cancellationToken = default);

    /// <summary>Moves the table's commit sequence up to <paramref name="atLeast"/> when it is below (a table that continues another's numbering).</summary>
    Task AdvanceSequenceAsync(string table, long atLeast, CancellationToken cancellationToken = default);

    /// <summary>Distinct keys of the table in key order, at most <paramref name="limit"/>.</summary>
    Task<string[]> DistinctKeysAsync(string table, int limit, CancellationToken cancellationToken = default);

    /// <summary>The number of stored rows.</summary>
    Task<long> CountAsync(string table, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a query for one selector. <paramref name="properties"/> is the full schema (needed to type conditions);
    /// the returned values are aligned with <see cref="DataQuery.Properties"/> when given, else with <paramref name="properties"/>.
    /// </summary>
    Task<StoredRow[]> QueryAsync(string table, IReadOnlyList<PropertyDefinition> properties, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a query of a view for one selector, as <see cref="QueryAsync"/> does for a table (values aligned with
    /// <see cref="DataQuery.Properties"/> when given, else with the view's columns). The view's SQL is emitted from
    /// <paramref name="view"/> and read under the store's guard: read-only, only the view's tables, a time limit.
    /// </summary>
    /// <exception cref="ApperateException">The query ran past the time limit (400).</exception>
    Task<StoredRow[]> QueryViewAsync(BoundView view, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes the selected rows dated within [from, to] (either bound optional); returns how many were deleted.</summary>
    Task<long> DeleteAsync(string table, KeySelector selector, long? from, long? to, CancellationToken cancellationToken = default);

    /// <summary>True when the store answers.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
