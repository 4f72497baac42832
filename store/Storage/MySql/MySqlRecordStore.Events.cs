using System.Globalization;
using System.Text;
using MySqlConnector;

namespace Apperate.Actors.Storage.MySql;

/// <summary>Commit sequences, the alert outbox and rule state: the part of a write after its rows, and <see cref="IAlertStore"/>.</summary>
public sealed partial class MySqlRecordStore
{
    private readonly SemaphoreSlim eventTablesLock = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> sequenced = new(StringComparer.Ordinal);
    private volatile bool eventTablesReady;

    private async Task EnsureEventTablesAsync(CancellationToken cancellationToken)
    {
        if (eventTablesReady) return;
        await eventTablesLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (eventTablesReady) return;
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var statement in Text.CreateEventTables()) await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
            eventTablesReady = true;
        }
        finally
        {
            eventTablesLock.Release();
        }
    }

    /// <summary>
    /// Locks the table's sequence row for the transaction and reads it. Row ids are commit sequences; a table written
    /// by an older version (ids from AUTO_INCREMENT) has its sequence moved above every id at its first write here.
    /// </summary>
    private async Task<long> LockSequenceAsync(MySqlConnection connection, MySqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using (var insert = Command(connection, transaction, MySqlText.Validation.InsertSequence, [new("@t", table)]))
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var read = Command(connection, transaction, Text.ReadSequence, [new("@t", table)]);
        var last = Convert.ToInt64(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (sequenced.ContainsKey(table)) return last;
        await using (var max = Command(connection, transaction, Text.MaxId(table)))
        {
            if (await max.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long highest && highest > last)
            {
                last = highest;
                await WriteSequenceAsync(connection, transaction, table, last, cancellationToken).ConfigureAwait(false);
            }
        }
        return last;
    }

    private async Task WriteSequenceAsync(MySqlConnection connection, MySqlTransaction transaction, string table, long last, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, Text.WriteSequence, [new("@t", table), new("@s", last)]);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the events of a chunk whose insert kept some stored rows: the rows it inserted are those whose ids (the
    /// sequences the chunk's rows were given) are now in the table.
    /// </summary>
    private static async Task AddInsertedAsync(MySqlConnection connection, MySqlTransaction transaction, string table, int batchIndex, int firstRow, int rows,
        long firstSequence, List<RecordEvent> events, CancellationToken cancellationToken)
    {
        var stored = new HashSet<long>();
        await using var command = Command(connection, transaction, MySqlText.Validation.InsertedIds(table), [new("@a", firstSequence), new("@b", firstSequence + rows - 1)]);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) stored.Add(reader.GetInt64(0));
        }
        for (var r = 0; r < rows; r++)
            if (stored.Contains(firstSequence + r)) events.Add(new RecordEvent(batchIndex, firstRow + r, firstSequence + r));
    }

    private async Task ApplyAsync(MySqlConnection connection, MySqlTransaction transaction, CommitContext commit, CancellationToken cancellationToken)
    {
        if (commit.IsEmpty) return;
        foreach (var alert in commit.Alerts)
        {
            await using var insert = Command(connection, transaction, Text.InsertAlert,
            [
                new("@id", alert.AlertId), new("@o", alert.Output), new("@r", alert.Rule), new("@q", alert.Sequence),
                new("@c", alert.Created), new("@s", (int)alert.State), new("@b", alert.Body),
            ]);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var (rule, keep) in commit.StateResets)
        {
            await using var reset = Command(connection, transaction, Text.ResetRuleState, [new("@r", rule), new("@p", keep), new("@l", keep.Length)]);
            await reset.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await UpsertStateAsync(connection, transaction, commit.State, cancellationToken).ConfigureAwait(false);
        foreach (var (stream, sequence) in commit.Applied)
        {
            await using var applied = Command(connection, transaction, Text.UpsertApplied, [new("@k", stream), new("@s", sequence)]);
            await applied.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpsertStateAsync(MySqlConnection connection, MySqlTransaction transaction, IReadOnlyList<RuleStateValue> values, CancellationToken cancellationToken)
    {
        foreach (var value in values)
        {
            await using var upsert = Command(connection, transaction, Text.UpsertRuleState,
                [new("@r", value.Rule), new("@n", Encoding.UTF8.GetBytes(value.Name)), new("@v", value.Value)]);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<Dictionary<string, string>> ReadRuleStateAsync(string rule, CancellationToken cancellationToken = default)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, Text.ReadRuleState, [new("@r", rule)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            state[Encoding.UTF8.GetString((byte[])reader.GetValue(0))] = reader.GetString(1);
        return state;
    }

    /// <inheritdoc />
    public Task WriteRuleStateAsync(IReadOnlyList<RuleStateValue> values, CancellationToken cancellationToken = default) =>
        InTransactionAsync((connection, transaction) => UpsertStateAsync(connection, transaction, values, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task DeleteRuleStateAsync(string rule, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            await using var command = Command(connection, transaction, Text.DeleteRuleState, [new("@r", rule)]);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<StoredAlert[]> ReadPendingAsync(string output, long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        ReadAlertsAsync(Text.ReadPending, [new("@o", output), new("@q", afterSequence), new("@n", (long)limit)], cancellationToken);

    /// <inheritdoc />
    public async Task<string[]> ReadDueOutputsAsync(long now, int limit, CancellationToken cancellationToken = default)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, Text.ReadDueOutputs, [new("@now", now), new("@n", (long)limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var outputs = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) outputs.Add(reader.GetString(0));
        return [.. outputs];
    }

    /// <inheritdoc />
    public Task UpdateAlertsAsync(IReadOnlyList<AlertUpdate> updates, CancellationToken cancellationToken = default) =>
        updates.Count == 0 ? Task.CompletedTask : InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var change in updates)
            {
                var status = (object?)change.HttpStatus ?? DBNull.Value;
                var error = (object?)change.Error ?? DBNull.Value;
                await using (var update = Command(connection, transaction, Text.UpdateAlert,
                [
                    new("@id", change.AlertId), new("@s", (int)change.State), new("@a", change.Attempt), new("@n", change.NextAttempt),
                    new("@h", status), new("@e", error),
                ]))
                {
                    await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                if (change.Attempt <= 0) continue;
                await using var attempt = Command(connection, transaction, Text.UpsertAttempt,
                [
                    new("@id", change.AlertId), new("@a", change.Attempt), new("@at", change.At), new("@s", (int)change.State),
                    new("@h", status), new("@e", error), new("@n", change.NextAttempt),
                ]);
                await attempt.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<StoredAlert?> ReadAlertAsync(string alertId, CancellationToken cancellationToken = default) =>
        (await ReadAlertsAsync(Text.ReadAlertById, [new("@id", alertId)], cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<StoredAlert[]> ReadAlertsAsync(IReadOnlyList<string> outputs, long? from, long? to, int limit, CancellationToken cancellationToken = default)
    {
        if (outputs.Count == 0) return Task.FromResult(Array.Empty<StoredAlert>());
        var statement = Text.ReadAlerts(outputs, from, to, limit);
        return ReadAlertsAsync(statement.Sql, statement.Parameters, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<AlertAttempt[]> ReadAttemptsAsync(IReadOnlyList<string> alertIds, CancellationToken cancellationToken = default)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        var attempts = new List<AlertAttempt>();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var page in alertIds.Chunk(500))
        {
            var parameters = new List<KeyValuePair<string, object>>();
            for (var i = 0; i < page.Length; i++) parameters.Add(new("@a" + i.ToString(CultureInfo.InvariantCulture), page[i]));
            await using var command = Command(connection, null, Text.ReadAttempts(page.Length), parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) attempts.Add(SqlText.ReadAttempt(reader));
        }
        return [.. attempts];
    }

    /// <inheritdoc />
    public async Task<int> PruneAsync(long before, int limit, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await InTransactionAsync(async (connection, transaction) =>
        {
            await using (var attempts = Command(connection, transaction, Text.PruneAttempts, [new("@b", before), new("@n", (long)limit)]))
                await attempts.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await using var alerts = Command(connection, transaction, Text.PruneAlerts, [new("@b", before), new("@n", (long)limit)]);
            deleted = await alerts.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private async Task<StoredAlert[]> ReadAlertsAsync(string sql, IReadOnlyList<KeyValuePair<string, object>> parameters, CancellationToken cancellationToken)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var alerts = new List<StoredAlert>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) alerts.Add(Text.ReadAlert(reader));
        return [.. alerts];
    }

    private async Task InTransactionAsync(Func<MySqlConnection, MySqlTransaction, Task> work, CancellationToken cancellationToken)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout && attempt < MaxAttempts)
            {
            }
        }
    }
}
