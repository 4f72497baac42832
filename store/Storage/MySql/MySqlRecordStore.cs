using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Views;
using MySqlConnector;

namespace Apperate.Actors.Storage.MySql;

/// <summary>The record store of cluster mode: one InnoDB table per dataset in a MySQL or MariaDB database.</summary>
/// <remarks>
/// <para>
/// Keys and subkeys are <c>VARBINARY(1500)</c> holding UTF-8: the unique index (key, date, subkey) then takes
/// 1,502 + 8 + 1,502 bytes, inside InnoDB's 3,072-byte limit (16 KiB pages, DYNAMIC rows), and comparisons are
/// byte-exact like SQLite's BINARY collation: case-sensitive and with trailing spaces significant. A utf8mb4
/// <c>VARCHAR(1500)</c> would count 6,000 bytes per column and not fit. Text property columns are <c>LONGTEXT</c> in
/// utf8mb4 with a binary no-pad collation when the server has one, so conditions compare exactly too.
/// </para>
/// <para>
/// Rows go in as multi-row <c>INSERT … ON DUPLICATE KEY UPDATE</c> statements on a connection that reports affected
/// (not found) rows, so a row that hits a stored key and changes nothing counts 0. Every chunk is first inserted
/// keeping stored rows (the no-op update <c>_system_id = _system_id</c>; unlike <c>INSERT IGNORE</c> it does not turn
/// other errors into warnings): the affected count is the number of new rows, the rest are duplicates. A replace
/// then sends the same chunk again with an update of its columns, only when the first pass found duplicates; rows
/// the first pass inserted are rewritten with their own values, which changes nothing. The update keeps the row id.
/// </para>
/// <para>
/// Each <see cref="WriteAsync"/> is one transaction, run again from the start when InnoDB rolls it back as a deadlock victim or after a lock wait timeout.
/// Schema changes are additive: missing columns are added, and an integer column whose property was widened to
/// number is converted to <c>DOUBLE</c> (a table copy). DDL commits implicitly in MySQL, so
/// <see cref="EnsureTableAsync"/> is idempotent rather than atomic and tolerates a concurrent caller adding the same column.
/// </para>
/// </remarks>
public sealed partial class MySqlRecordStore : IRecordStore, IAlertStore, IDisposable
{
    private const int MaxChunkRows = 1000;
    private const int MaxChunkBytes = 4 << 20;
    private const int MaxAttempts = 5;

    private readonly string connectionString;
    private readonly SemaphoreSlim schemaLock = new(1, 1);
    private MySqlText? sql;

    /// <summary>Uses the database named by <paramref name="connectionString"/> (which must exist).</summary>
    /// <remarks>The connection string is kept as given except that affected rows are reported instead of found rows, which duplicate counting relies on.</remarks>
    public MySqlRecordStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new MySqlConnectionStringBuilder(connectionString) { UseAffectedRows = true };
        if (string.IsNullOrEmpty(builder.Database))
            throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        this.connectionString = builder.ConnectionString;
    }

    /// <inheritdoc />
    public async Task EnsureTableAsync(string table, IReadOnlyList<PropertyDefinition> properties, CancellationToken cancellationToken = default)
    {
        Text.Table(table);
        foreach (var p in properties) Text.Column(p.Name);
        await schemaLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            var text = await DialectAsync(connection, cancellationToken).ConfigureAwait(false);
            foreach (var statement in text.CreateTable(table, properties))
                await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);

            // Another silo may alter the same table at the same time; its change shows up on the next read.
            for (var attempt = 1; ; attempt++)
            {
                var existing = await ExistingColumnsAsync(connection, text, table, cancellationToken).ConfigureAwait(false);
                var alter = text.AlterTable(table, properties, existing);
                if (alter is null) return;
                try
                {
                    await ExecuteAsync(connection, alter, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateFieldName && attempt < MaxAttempts)
                {
                }
            }
        }
        finally
        {
            schemaLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task DropTableAsync(string table, CancellationToken cancellationToken = default)
    {
        var statement = Text.DropTable(table);
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
        await using var forget = Command(connection, null, Text.DeleteSequence, [new("@t", table)]);
        await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        sequenced.TryRemove(table, out _);
    }

    /// <inheritdoc />
    public async Task<WriteResult[]> WriteAsync(string table, IReadOnlyList<RecordBatch> batches, long updated, ICommitParticipant? participant = null, CancellationToken cancellationToken = default)
    {
        Text.Table(table);
        var results = new WriteResult[batches.Count];
        var any = participant is not null;
        for (var i = 0; i < results.Length; i++)
        {
            var batch = batches[i];
            if (!batch.Persist)
            {
                results[i] = new WriteResult(batch.Rows.Length, 0, 0);
                continue;
            }
            any = true;
            foreach (var c in batch.Columns) Text.Column(c);
            foreach (var row in batch.Rows) Check(row, batch.Columns.Length);
        }
        if (!any) return results;
        // DDL commits implicitly in MySQL: the event tables are made sure of before the transaction.
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteOnceAsync(table, batches, updated, participant, results, cancellationToken).ConfigureAwait(false);
                sequenced[table] = true;
                return results;
            }
            catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout && attempt < MaxAttempts)
            {
                // The transaction was rolled back as a whole; running it again is safe.
            }
        }
    }

    /// <inheritdoc />
    public async Task<long> LastSequenceAsync(string table, CancellationToken cancellationToken = default)
    {
        Text.Table(table);
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, MySqlText.Validation.PeekSequence, [new("@t", table)]);
        var last = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;
        if (sequenced.ContainsKey(table)) return last;
        // A table of an older version not yet written by this process: its ids may be above the stored sequence.
        await using var max = Command(connection, null, MySqlText.Validation.MaxId(table));
        return await max.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long highest && highest > last ? highest : last;
    }

    /// <inheritdoc />
    public async Task AdvanceSequenceAsync(string table, long atLeast, CancellationToken cancellationToken = default)
    {
        Text.Table(table);
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await LockSequenceAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false) < atLeast)
            await WriteSequenceAsync(connection, transaction, table, atLeast, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> AppliedAsync(string stream, CancellationToken cancellationToken = default)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, Text.ReadApplied, [new("@k", stream)]);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;
    }

    /// <inheritdoc />
    public async Task AdvanceAppliedAsync(string stream, long sequence, CancellationToken cancellationToken = default)
    {
        await EnsureEventTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, Text.UpsertApplied, [new("@k", stream), new("@s", sequence)]);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string[]> DistinctKeysAsync(string table, int limit, CancellationToken cancellationToken = default)
    {
        var statement = Text.DistinctKeys(table);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, statement, [new("@n", (long)limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) keys.Add(Encoding.UTF8.GetString((byte[])reader.GetValue(0)));
        return [.. keys];
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(string table, CancellationToken cancellationToken = default)
    {
        var statement = Text.Count(table);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, statement);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async Task<StoredRow[]> QueryAsync(string table, IReadOnlyList<PropertyDefinition> properties, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default)
    {
        var plan = Text.Select(table, properties, selector, query);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, plan.Sql, plan.Parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return [.. Text.ReadRows(reader, plan)];
    }

    /// <summary>How long a view's query may run (MariaDB's <c>max_statement_time</c>; 5 s unless set).</summary>
    public TimeSpan ViewTimeLimit { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>MariaDB's ER_STATEMENT_TIMEOUT ("max_statement_time exceeded").</summary>
    private const int MariaDbStatementTimeout = 1969;

    /// <inheritdoc />
    public async Task<StoredRow[]> QueryViewAsync(BoundView view, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default)
    {
        var plan = Text.Select(view, selector, query);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // A read-only transaction and a time limit, whatever SQL reaches here.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, isReadOnly: true, cancellationToken).ConfigureAwait(false);
        var limited = $"SET STATEMENT max_statement_time={ViewTimeLimit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} FOR {plan.Sql}";
        await using var command = Command(connection, transaction, limited, plan.Parameters);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return [.. Text.ReadRows(reader, plan)];
        }
        catch (MySqlException e) when ((int)e.ErrorCode == MariaDbStatementTimeout || e.ErrorCode == MySqlErrorCode.QueryTimeout)
        {
            throw ApperateException.Invalid("view", $"the query ran longer than {ViewTimeLimit.TotalSeconds:0.###} s; select keys or a date range");
        }
    }

    /// <inheritdoc />
    public async Task<long> DeleteAsync(string table, KeySelector selector, long? from, long? to, CancellationToken cancellationToken = default)
    {
        var statement = Text.Delete(table, selector, from, to);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, statement.Sql, statement.Parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Command(connection, null, "SELECT 1");
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
        }
        catch (MySqlException)
        {
            return false;
        }
    }

    /// <summary>Closes the idle pooled connections of this store.</summary>
    public void Dispose()
    {
        using (var connection = new MySqlConnection(connectionString)) MySqlConnection.ClearPool(connection);
        schemaLock.Dispose();
        eventTablesLock.Dispose();
    }

    // Validation and the statements that do not depend on the server's collations.
    private MySqlText Text => sql ?? MySqlText.Validation;

    private async Task WriteOnceAsync(string table, IReadOnlyList<RecordBatch> batches, long updated, ICommitParticipant? participant, WriteResult[] results, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var last = await LockSequenceAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false);
        var first = last;
        var events = participant is null ? null : new List<RecordEvent>();
        var statements = new Dictionary<(string Shape, int Rows, DuplicateKeyHandling Mode), string>();
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            // Every row is given the next sequence before it is written; a duplicate that is ignored leaves its
            // sequence unused (sequences may skip values).
            var batchFirst = last + 1;
            last += batch.Rows.Length;
            if (!batch.Persist)
            {
                if (events is null) last = batchFirst - 1;
                else for (var r = 0; r < batch.Rows.Length; r++) events.Add(new RecordEvent(b, r, batchFirst + r));
                continue;
            }
            var shape = string.Join(',', batch.Columns);
            var replace = batch.Duplicates == DuplicateKeyHandling.Replace;
            long inserted = 0;
            var start = 0;
            while (start < batch.Rows.Length)
            {
                var end = ChunkEnd(batch.Rows, start);
                var chunk = new ArraySegment<RecordRow>(batch.Rows, start, end - start);
                var added = await ExecuteChunkAsync(connection, transaction, statements, table, shape, batch.Columns, chunk, batchFirst + start, DuplicateKeyHandling.Ignore, updated, cancellationToken).ConfigureAwait(false);
                inserted += added;
                if (replace && added < chunk.Count)
                    await ExecuteChunkAsync(connection, transaction, statements, table, shape, batch.Columns, chunk, batchFirst + start, DuplicateKeyHandling.Replace, updated, cancellationToken).ConfigureAwait(false);
                if (events is not null)
                {
                    // Replacing writes every row; keeping stored rows writes the rows the insert added.
                    if (replace || added == chunk.Count)
                        for (var r = start; r < end; r++) events.Add(new RecordEvent(b, r, batchFirst + r));
                    else if (added > 0)
                        await AddInsertedAsync(connection, transaction, table, b, start, chunk.Count, batchFirst + start, events, cancellationToken).ConfigureAwait(false);
                }
                start = end;
            }
            var duplicates = batch.Rows.Length - inserted;
            var written = replace ? batch.Rows.Length : inserted;
            results[b] = new WriteResult(batch.Rows.Length, (int)written, (int)duplicates);
        }
        if (last != first) await WriteSequenceAsync(connection, transaction, table, last, cancellationToken).ConfigureAwait(false);
        if (participant is not null && events!.Count > 0)
        {
            var commit = new CommitContext(batches, events, updated, first, last);
            participant.Prepare(commit);
            await ApplyAsync(connection, transaction, commit, cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Executes one multi-row insert; returns the rows it affected.</summary>
    private static async Task<long> ExecuteChunkAsync(
        MySqlConnection connection,
        MySqlTransaction transaction,
        Dictionary<(string, int, DuplicateKeyHandling), string> statements,
        string table,
        string shape,
        string[] columns,
        ArraySegment<RecordRow> rows,
        long firstSequence,
        DuplicateKeyHandling mode,
        long updated,
        CancellationToken cancellationToken)
    {
        if (!statements.TryGetValue((shape, rows.Count, mode), out var text))
        {
            text = MySqlText.Validation.InsertRows(table, columns, rows.Count, mode);
            statements.Add((shape, rows.Count, mode), text);
        }
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        var parameters = command.Parameters;
        var sequence = firstSequence;
        foreach (var row in rows)
        {
            parameters.Add(new MySqlParameter { Value = row.Key });
            parameters.Add(new MySqlParameter { Value = row.Subkey ?? "" });
            parameters.Add(new MySqlParameter { Value = row.Date });
            parameters.Add(new MySqlParameter { Value = updated });
            parameters.Add(new MySqlParameter { Value = (object?)row.Extra ?? DBNull.Value });
            parameters.Add(new MySqlParameter { Value = sequence++ });
            foreach (var value in row.Values) parameters.Add(new MySqlParameter { Value = SqlText.ToDbValue(value) });
        }
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // Multi-row statements of at most MaxChunkRows rows and roughly MaxChunkBytes, well under max_allowed_packet.
    private static int ChunkEnd(RecordRow[] rows, int start)
    {
        var bytes = 0L;
        var end = start;
        while (end < rows.Length && end - start < MaxChunkRows)
        {
            var row = rows[end];
            bytes += 64 + (row.Key.Length + (row.Subkey?.Length ?? 0) + (row.Extra?.Length ?? 0)) * 3L;
            foreach (var v in row.Values) bytes += v is string s ? 3L * s.Length + 8 : 24;
            if (bytes > MaxChunkBytes && end > start) break;
            end++;
        }
        return end;
    }

    private static void Check(RecordRow row, int columns)
    {
        if (row.Values.Length != columns)
            throw new ArgumentException($"Row '{row.Key}' has {row.Values.Length} values for {columns} columns.");
        // A longer key would be truncated by a server that is not in strict mode, merging distinct keys.
        if (Encoding.UTF8.GetByteCount(row.Key) > MySqlText.MaxKeyBytes || Encoding.UTF8.GetByteCount(row.Subkey ?? "") > MySqlText.MaxKeyBytes)
            throw new ArgumentException($"Row '{row.Key[..Math.Min(row.Key.Length, 40)]}' has a key or subkey longer than {MySqlText.MaxKeyBytes} UTF-8 bytes.");
    }

    private async Task<MySqlText> DialectAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        if (sql is not null) return sql;
        // MariaDB names its no-pad binary collation utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin; older servers only
        // have utf8mb4_bin, which ignores trailing spaces when comparing.
        await using var command = Command(connection, null,
            "SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')");
        var found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        return sql = new MySqlText(found ?? "utf8mb4_bin");
    }

    private static async Task<Dictionary<string, string>> ExistingColumnsAsync(MySqlConnection connection, MySqlText text, string table, CancellationToken cancellationToken)
    {
        var statement = text.ExistingColumns(table);
        var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        await using var command = Command(connection, null, statement.Sql, statement.Parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            columns[reader.GetString(0)] = reader.GetString(1);
        return columns;
    }

    private Task<MySqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        Connections.OpenAsync(new MySqlConnection(connectionString), cancellationToken);

    private static MySqlCommand Command(MySqlConnection connection, MySqlTransaction? transaction, string text, IReadOnlyList<KeyValuePair<string, object>>? parameters = null)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        if (parameters is not null)
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string text, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, text);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The MySQL/MariaDB dialect of the record store's SQL.</summary>
/// <param name="textCollation">The utf8mb4 collation of text property columns.</param>
internal sealed class MySqlText(string textCollation) : SqlText('`')
{
    /// <summary>The longest key or subkey in UTF-8 bytes, the API's limit of an indexed value.</summary>
    public const int MaxKeyBytes = 1500;

    /// <summary>An instance for validation and the statements that do not involve text columns.</summary>
    public static readonly MySqlText Validation = new("utf8mb4_bin");

    protected override string TextCast(string expression) => $"CAST({expression} AS CHAR)";

    public override string ColumnType(PropertyType type) => type switch
    {
        PropertyType.Integer => "BIGINT NULL",
        PropertyType.Number => "DOUBLE NULL",
        PropertyType.Boolean => "TINYINT(1) NULL",
        _ => $"LONGTEXT CHARACTER SET utf8mb4 COLLATE {textCollation} NULL",
    };

    public override IReadOnlyList<string> CreateTable(string table, IReadOnlyList<PropertyDefinition> properties)
    {
        var columns = string.Concat(properties.Select(p => $", {Column(p.Name)} {ColumnType(p.Type)}"));
        // Queries order by (date, id). The unique index sorts ties on date by subkey, so MySQL would sort every row of
        // the key (it has no partial sort as SQLite does): last-1 of a key with 100,000 rows took 16-32 ms. InnoDB
        // appends the primary key to a secondary index, so (key, date) is read as (key, date, id) in query order:
        // 0.3-0.5 ms, for about 15 % of the insert rate.
        return
        [
            $"CREATE TABLE IF NOT EXISTS {Table(table)} ({IdColumn} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, " +
            $"{KeyColumn} VARBINARY({MaxKeyBytes}) NOT NULL, {SubkeyColumn} VARBINARY({MaxKeyBytes}) NOT NULL DEFAULT '', " +
            $"{DateColumn} BIGINT NOT NULL, {UpdatedColumn} BIGINT NOT NULL, " +
            $"{ExtraColumn} LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL{columns}, " +
            $"UNIQUE KEY _system_key_date_subkey ({KeyColumn}, {DateColumn}, {SubkeyColumn}), " +
            $"KEY _system_key_date ({KeyColumn}, {DateColumn})" +
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC",
        ];
    }

    public override SqlStatement ExistingColumns(string table)
    {
        Table(table);
        return new SqlStatement(
            "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @t",
            [new("@t", table)]);
    }

    /// <summary>The highest row id (<c>NULL</c> when empty): read from the end of the primary key.</summary>
    public string MaxId(string table) => $"SELECT MAX({IdColumn}) FROM {Table(table)}";

    /// <summary>
    /// The ids in [<c>@a</c>, <c>@b</c>], read by the primary key: ids are commit sequences, and the sequences of one
    /// insert statement are given to its rows only, so the ids found are its rows that were inserted.
    /// </summary>
    public string InsertedIds(string table) => $"SELECT {IdColumn} FROM {Table(table)} WHERE {IdColumn} BETWEEN @a AND @b";

    public override IReadOnlyList<string> CreateEventTables() =>
    [
        $"CREATE TABLE IF NOT EXISTS {SequencesTable} (tbl VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, seq BIGINT NOT NULL) ENGINE=InnoDB",
        $"CREATE TABLE IF NOT EXISTS {AppliedTable} (stream VARBINARY(512) NOT NULL PRIMARY KEY, seq BIGINT NOT NULL) ENGINE=InnoDB",
        $"CREATE TABLE IF NOT EXISTS {AlertsTable} (alert_id VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, " +
        "output VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, rule VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, " +
        "seq BIGINT NOT NULL, created BIGINT NOT NULL, state TINYINT NOT NULL, attempts INT NOT NULL DEFAULT 0, next_attempt BIGINT NOT NULL, " +
        "http_status INT NULL, error TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, body LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, " +
        $"KEY {AlertsTable}_due (state, next_attempt), KEY {AlertsTable}_output (output, state, seq), KEY {AlertsTable}_created (output, created), KEY {AlertsTable}_age (created)) " +
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        $"CREATE TABLE IF NOT EXISTS {AttemptsTable} (alert_id VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, attempt INT NOT NULL, " +
        "at BIGINT NOT NULL, state TINYINT NOT NULL, http_status INT NULL, error TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, " +
        "next_attempt BIGINT NOT NULL, PRIMARY KEY (alert_id, attempt)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        // Names hold record keys (up to 1,500 UTF-8 bytes), compared byte for byte as the records' keys are.
        $"CREATE TABLE IF NOT EXISTS {RuleStateTable} (rule VARCHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, name VARBINARY(1700) NOT NULL, " +
        "value MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, PRIMARY KEY (rule, name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    ];

    /// <summary>Makes sure the table's sequence row exists; its lock is then held by the transaction.</summary>
    public string InsertSequence => $"INSERT INTO {SequencesTable} (tbl, seq) VALUES (@t, 0) ON DUPLICATE KEY UPDATE seq = seq";

    public override string ReadSequence => $"SELECT seq FROM {SequencesTable} WHERE tbl = @t FOR UPDATE";

    /// <summary>Reads a table's last commit sequence without locking it.</summary>
    public string PeekSequence => $"SELECT seq FROM {SequencesTable} WHERE tbl = @t";

    public override string WriteSequence => $"UPDATE {SequencesTable} SET seq = @s WHERE tbl = @t";

    public override string UpsertRuleState => $"INSERT INTO {RuleStateTable} (rule, name, value) VALUES (@r, @n, @v) ON DUPLICATE KEY UPDATE value = VALUES(value)";

    public override string UpsertApplied => $"INSERT INTO {AppliedTable} (stream, seq) VALUES (@k, @s) ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq))";

    public override string UpsertAttempt =>
        $"INSERT INTO {AttemptsTable} (alert_id, attempt, at, state, http_status, error, next_attempt) VALUES (@id, @a, @at, @s, @h, @e, @n) " +
        "ON DUPLICATE KEY UPDATE at = VALUES(at), state = VALUES(state), http_status = VALUES(http_status), error = VALUES(error), next_attempt = VALUES(next_attempt)";

    /// <summary>
    /// One <c>ALTER TABLE</c> adding the missing property columns and converting integer columns whose property is now
    /// a number; null when the table already matches.
    /// </summary>
    /// <param name="existing">The table's columns and their <c>DATA_TYPE</c>, names ignoring case.</param>
    public string? AlterTable(string table, IReadOnlyList<PropertyDefinition> properties, IReadOnlyDictionary<string, string> existing)
    {
        var changes = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in properties)
        {
            if (!seen.Add(property.Name)) continue;
            if (!existing.TryGetValue(property.Name, out var type))
                changes.Add($"ADD COLUMN {Column(property.Name)} {ColumnType(property.Type)}");
            else if (property.Type == PropertyType.Number && !type.Equals("double", StringComparison.OrdinalIgnoreCase))
                changes.Add($"MODIFY COLUMN {Column(property.Name)} {ColumnType(property.Type)}");
        }
        return changes.Count == 0 ? null : $"ALTER TABLE {Table(table)} {string.Join(", ", changes)}";
    }

    /// <summary>
    /// A multi-row insert of <paramref name="rows"/> rows with positional parameters, per row: key, subkey, date,
    /// updated, extra, id (the row's commit sequence), then one per column.
    /// </summary>
    public string InsertRows(string table, IReadOnlyList<string> columns, int rows, DuplicateKeyHandling mode)
    {
        var quoted = new string[columns.Count];
        for (var i = 0; i < quoted.Length; i++) quoted[i] = Column(columns[i]);
        var sql = new StringBuilder();
        sql.Append("INSERT INTO ").Append(Table(table)).Append(" (").Append(KeyColumn).Append(", ").Append(SubkeyColumn)
            .Append(", ").Append(DateColumn).Append(", ").Append(UpdatedColumn).Append(", ").Append(ExtraColumn).Append(", ").Append(IdColumn);
        foreach (var c in quoted) sql.Append(", ").Append(c);
        sql.Append(") VALUES ");
        var tuple = "(?, ?, ?, ?, ?, ?" + string.Concat(Enumerable.Repeat(", ?", quoted.Length)) + ")";
        for (var r = 0; r < rows; r++)
        {
            if (r > 0) sql.Append(", ");
            sql.Append(tuple);
        }
        sql.Append(' ').Append(OnDuplicate(mode, quoted));
        return sql.ToString();
    }

    protected override string OnDuplicate(DuplicateKeyHandling mode, IReadOnlyList<string> quotedColumns)
    {
        // A no-op update rather than INSERT IGNORE, which would also downgrade errors such as a too-long value to warnings.
        if (mode == DuplicateKeyHandling.Ignore) return $"ON DUPLICATE KEY UPDATE {IdColumn} = {IdColumn}";
        // VALUES() is deprecated in MySQL 8.0.20 in favour of a row alias, which MariaDB does not have; both accept it.
        var set = string.Concat(quotedColumns.Select(c => $"{c} = VALUES({c}), "));
        return $"ON DUPLICATE KEY UPDATE {set}{UpdatedColumn} = VALUES({UpdatedColumn}), {ExtraColumn} = VALUES({ExtraColumn}), {IdColumn} = VALUES({IdColumn})";
    }

    protected override string ReadKey(DbDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            var value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
        };

    public override object? ReadValue(DbDataReader reader, int ordinal, PropertyType type)
    {
        if (reader.IsDBNull(ordinal)) return null;
        // A view's SUM and AVG are DECIMAL in MariaDB; they read as the declared type.
        if (type is PropertyType.Integer or PropertyType.Number && reader.GetFieldType(ordinal) == typeof(decimal))
        {
            var value = reader.GetDecimal(ordinal);
            return type == PropertyType.Integer ? (object)decimal.ToInt64(decimal.Round(value)) : (double)value;
        }
        if (type != PropertyType.Boolean) return base.ReadValue(reader, ordinal, type);
        // TINYINT(1) reads as bool with MySqlConnector's default TreatTinyAsBoolean, as a number without it.
        return reader.GetValue(ordinal) switch
        {
            bool b => b,
            var v => Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0,
        };
    }
}
