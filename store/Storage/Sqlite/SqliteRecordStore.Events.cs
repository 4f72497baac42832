using Microsoft.Data.Sqlite;

namespace Apperate.Actors.Storage.Sqlite;

/// <summary>Commit sequences, the alert outbox and rule state: the part of a write after its rows, and <see cref="IAlertStore"/>.</summary>
public sealed partial class SqliteRecordStore
{
    /// <summary>
    /// Row ids are commit sequences; a table written by an older version (ids from SQLite's rowid, sequences kept in a
    /// column) has its sequence moved above every id once, so new ids never meet old ones.
    /// </summary>
    private void EnsureSequenced(SqliteConnection connection, SqliteTransaction transaction, string table)
    {
        if (sequenced.ContainsKey(table)) return;
        using (var command = Command(connection, transaction, Sql.MaxId(table)))
        {
            if (command.ExecuteScalar() is long max && max > ReadSequence(connection, transaction, table))
                WriteSequence(connection, transaction, table, max);
        }
    }

    private static long ReadSequence(SqliteConnection connection, SqliteTransaction transaction, string table)
    {
        using var command = Command(connection, transaction, Sql.ReadSequence, [new("@t", table)]);
        return command.ExecuteScalar() is long last ? last : 0;
    }

    private static void WriteSequence(SqliteConnection connection, SqliteTransaction transaction, string table, long last)
    {
        using var command = Command(connection, transaction, Sql.WriteSequence, [new("@t", table), new("@s", last)]);
        command.ExecuteNonQuery();
    }

    private static void Apply(SqliteConnection connection, SqliteTransaction transaction, CommitContext commit)
    {
        if (commit.IsEmpty) return;
        if (commit.Alerts.Count > 0)
        {
            using var insert = Command(connection, transaction, Sql.InsertAlert);
            var p = AddParameters(insert, "@id", "@o", "@r", "@q", "@c", "@s", "@b");
            insert.Prepare();
            foreach (var alert in commit.Alerts)
            {
                p[0].Value = alert.AlertId;
                p[1].Value = alert.Output;
                p[2].Value = alert.Rule;
                p[3].Value = alert.Sequence;
                p[4].Value = alert.Created;
                p[5].Value = (long)alert.State;
                p[6].Value = alert.Body;
                insert.ExecuteNonQuery();
            }
        }
        foreach (var (rule, keep) in commit.StateResets)
        {
            using var reset = Command(connection, transaction, Sql.ResetRuleState, [new("@r", rule), new("@p", keep), new("@l", (long)keep.Length)]);
            reset.ExecuteNonQuery();
        }
        if (commit.State.Count > 0) UpsertState(connection, transaction, commit.State);
        foreach (var (stream, sequence) in commit.Applied)
        {
            using var applied = Command(connection, transaction, Sql.UpsertApplied, [new("@k", stream), new("@s", sequence)]);
            applied.ExecuteNonQuery();
        }
    }

    private static void UpsertState(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<RuleStateValue> values)
    {
        using var upsert = Command(connection, transaction, Sql.UpsertRuleState);
        var p = AddParameters(upsert, "@r", "@n", "@v");
        upsert.Prepare();
        foreach (var value in values)
        {
            p[0].Value = value.Rule;
            p[1].Value = value.Name;
            p[2].Value = value.Value;
            upsert.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public async Task<Dictionary<string, string>> ReadRuleStateAsync(string rule, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        using var connection = Open();
        using var command = Command(connection, null, Sql.ReadRuleState, [new("@r", rule)]);
        using var reader = command.ExecuteReader();
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) state[reader.GetString(0)] = reader.GetString(1);
        return state;
    }

    /// <inheritdoc />
    public Task WriteRuleStateAsync(IReadOnlyList<RuleStateValue> values, CancellationToken cancellationToken = default) =>
        InTransactionAsync((connection, transaction) => UpsertState(connection, transaction, values), cancellationToken);

    /// <inheritdoc />
    public Task DeleteRuleStateAsync(string rule, CancellationToken cancellationToken = default) =>
        InTransactionAsync((connection, transaction) =>
        {
            using var command = Command(connection, transaction, Sql.DeleteRuleState, [new("@r", rule)]);
            command.ExecuteNonQuery();
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<StoredAlert[]> ReadPendingAsync(string output, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        return ReadAlerts(Sql.ReadPending, [new("@o", output), new("@q", afterSequence), new("@n", (long)limit)]);
    }

    /// <inheritdoc />
    public async Task<string[]> ReadDueOutputsAsync(long now, int limit, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        using var connection = Open();
        using var command = Command(connection, null, Sql.ReadDueOutputs, [new("@now", now), new("@n", (long)limit)]);
        using var reader = command.ExecuteReader();
        var outputs = new List<string>();
        while (reader.Read()) outputs.Add(reader.GetString(0));
        return outputs.ToArray();
    }

    /// <inheritdoc />
    public Task UpdateAlertsAsync(IReadOnlyList<AlertUpdate> updates, CancellationToken cancellationToken = default) =>
        updates.Count == 0 ? Task.CompletedTask : InTransactionAsync((connection, transaction) =>
        {
            using var update = Command(connection, transaction, Sql.UpdateAlert);
            var u = AddParameters(update, "@id", "@s", "@a", "@n", "@h", "@e");
            using var attempt = Command(connection, transaction, Sql.UpsertAttempt);
            var a = AddParameters(attempt, "@id", "@a", "@at", "@s", "@h", "@e", "@n");
            foreach (var change in updates)
            {
                u[0].Value = change.AlertId;
                u[1].Value = (long)change.State;
                u[2].Value = (long)change.Attempt;
                u[3].Value = change.NextAttempt;
                u[4].Value = (object?)change.HttpStatus ?? DBNull.Value;
                u[5].Value = (object?)change.Error ?? DBNull.Value;
                update.ExecuteNonQuery();
                if (change.Attempt <= 0) continue;
                a[0].Value = change.AlertId;
                a[1].Value = (long)change.Attempt;
                a[2].Value = change.At;
                a[3].Value = (long)change.State;
                a[4].Value = (object?)change.HttpStatus ?? DBNull.Value;
                a[5].Value = (object?)change.Error ?? DBNull.Value;
                a[6].Value = change.NextAttempt;
                attempt.ExecuteNonQuery();
            }
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<StoredAlert?> ReadAlertAsync(string alertId, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        return ReadAlerts(Sql.ReadAlertById, [new("@id", alertId)]).FirstOrDefault();
    }

    /// <inheritdoc />
    public async Task<StoredAlert[]> ReadAlertsAsync(IReadOnlyList<string> outputs, long? from, long? to, int limit, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        if (outputs.Count == 0) return Array.Empty<StoredAlert>();
        var statement = Sql.ReadAlerts(outputs, from, to, limit);
        return ReadAlerts(statement.Sql, statement.Parameters);
    }

    /// <inheritdoc />
    public async Task<AlertAttempt[]> ReadAttemptsAsync(IReadOnlyList<string> alertIds, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        var attempts = new List<AlertAttempt>();
        using var connection = Open();
        // SQLite allows 32,766 parameters per statement; pages of 500 keep statements small.
        foreach (var page in alertIds.Chunk(500))
        {
            var parameters = new List<KeyValuePair<string, object>>();
            for (var i = 0; i < page.Length; i++) parameters.Add(new("@a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), page[i]));
            using var command = Command(connection, null, Sql.ReadAttempts(page.Length), parameters);
            using var reader = command.ExecuteReader();
            while (reader.Read()) attempts.Add(SqlText.ReadAttempt(reader));
        }
        return attempts.ToArray();
    }

    /// <inheritdoc />
    public async Task<int> PruneAsync(long before, int limit, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await InTransactionAsync((connection, transaction) =>
        {
            using (var attempts = Command(connection, transaction, Sql.PruneAttempts, [new("@b", before), new("@n", (long)limit)]))
                attempts.ExecuteNonQuery();
            using var alerts = Command(connection, transaction, Sql.PruneAlerts, [new("@b", before), new("@n", (long)limit)]);
            deleted = alerts.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private StoredAlert[] ReadAlerts(string sql, IReadOnlyList<KeyValuePair<string, object>> parameters)
    {
        using var connection = Open();
        using var command = Command(connection, null, sql, parameters);
        using var reader = command.ExecuteReader();
        var alerts = new List<StoredAlert>();
        while (reader.Read()) alerts.Add(Sql.ReadAlert(reader));
        return alerts.ToArray();
    }

    private async Task InTransactionAsync(Action<SqliteConnection, SqliteTransaction> work, CancellationToken cancellationToken)
    {
        await OffCaller.Switch();
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            work(connection, transaction);
            transaction.Commit();
        }
        finally
        {
            writeLock.Release();
        }
    }

    private static SqliteParameter[] AddParameters(SqliteCommand command, params string[] names)
    {
        var parameters = new SqliteParameter[names.Length];
        for (var i = 0; i < names.Length; i++) parameters[i] = command.Parameters.Add(names[i], SqliteType.Text);
        return parameters;
    }
}
