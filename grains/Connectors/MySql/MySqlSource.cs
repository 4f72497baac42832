using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Apperate.Actors.Datasets;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Apperate.Actors.Connectors.MySql;

/// <summary>
/// MYSQL: the tables of a MySQL or MariaDB database (MySqlConnector). Discovery reads <c>information_schema</c>; a run
/// reads the selected table's existing rows, then polls it for rows whose cursor column has grown.
/// </summary>
/// <remarks>
/// <para>With the default cursor (the auto-increment primary key) the existing rows and the new ones are read by one
/// loop in (cursor, primary key) order (<see cref="MySqlTables.PollFrom"/>). With another cursor column (say
/// <c>updated_at</c>), the run first records the largest cursor value, reads the table in primary-key order (keyset
/// pages), then polls from that value.</para>
/// <para>Every poll re-reads the last <see cref="Overlap"/> rows it read (from the oldest of them): a row that committed
/// late with a cursor value below rows already read is still found, and rows read again with the same cursor value are
/// skipped by key. Records are written with <c>replace</c> on the primary key, so a row read twice is stored once.
/// Polling cannot see deletes, nor updates that do not move the cursor column forward.</para>
/// <para>The checkpoint is the cursor values (as the server's text) and keys of those last rows, or the snapshot's
/// position. Authentication and unknown-database errors are fatal; a lost connection fails the run, which the
/// connector retries with backoff from the checkpoint.</para>
/// </remarks>
public sealed partial class MySqlSource(ILoggerFactory loggers) : IConnectorSource
{
    /// <summary>How many of the last rows read each poll reads again.</summary>
    public const int Overlap = 16;

    private const string CursorAlias = "__apperate_cursor";

    private readonly ILogger<MySqlSource> _logger = loggers.CreateLogger<MySqlSource>();

    /// <inheritdoc />
    public string ConnectorType => ConnectorSchemas.MySql;

    /// <inheritdoc />
    public async Task<SourceStream[]> DiscoverAsync(string configJson, CancellationToken cancellationToken)
    {
        var config = MySqlConfig.Parse(configJson);
        var streams = new List<SourceStream>();
        foreach (var table in await TablesAsync(config, cancellationToken))
        {
            var (stream, problem) = MySqlTables.ToStream(table);
            if (stream is not null) streams.Add(stream.Stream);
            else LogTableSkipped(config.Where, table.Name, problem!);
        }
        return streams.ToArray();
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var config = MySqlConfig.Parse(run.ConfigJson);
        var table = (await TablesAsync(config, cancellationToken)).FirstOrDefault(t => t.Name == run.Stream.Id)
            ?? throw new ConnectorSourceException($"table {run.Stream.Id} is no longer in {config.Database}", fatal: true);
        var (found, problem) = MySqlTables.ToStream(table);
        var stream = found ?? throw new ConnectorSourceException($"table {table.Name} cannot be read any more: {problem}", fatal: true);
        var cursor = MySqlTables.CursorOf(stream, config.CursorColumn);
        // Only the stream's properties are read, in the stream's order (the dataset was made from them).
        var columns = run.Stream.Schema.Properties.Select(p => stream.Find(p.Name)
            ?? throw new ConnectorSourceException($"column {p.Name} is no longer in {table.Name}", fatal: true)).ToArray();
        var keyColumns = table.PrimaryKey.Select(k => stream.Find(k)!).ToArray();
        var position = MySqlPosition.FromCheckpoint(run.Checkpoint);
        var needsSnapshot = !string.Equals(cursor.Column.Name, table.PrimaryKey[0], StringComparison.OrdinalIgnoreCase);
        LogReading(config.Where, table.Name, cursor.Column.Name);

        if (position is null && needsSnapshot)
        {
            var max = await ScalarAsync(config, $"SELECT CAST(MAX({MySqlTypes.Quote(cursor.Column.Name)}) AS CHAR) FROM {MySqlTypes.Quote(table.Name)}", cancellationToken);
            position = MySqlPosition.Snapshot(max, null);
        }
        position ??= MySqlPosition.Poll([]);

        while (position.InSnapshot)
        {
            var (rows, lastKey) = await ReadSnapshotPageAsync(config, table, columns, keyColumns, run.Stream.ColumnMapping, position.SnapshotAfter, cancellationToken);
            position = rows.Length < config.BatchSize
                ? MySqlPosition.Poll(position.SnapshotCursorMax is { } max ? [new MySqlPosition.Seen(max, "")] : [])
                : MySqlPosition.Snapshot(position.SnapshotCursorMax, lastKey);
            yield return new SourceBatch(new RecordBatch(run.Stream.Columns, rows, DuplicateKeyHandling.Replace), position.ToCheckpoint());
        }

        while (true)
        {
            var limit = config.BatchSize + position.Tail.Length;
            var (rows, read) = await PollAsync(config, table, columns, keyColumns, cursor, run.Stream.ColumnMapping, position, limit, cancellationToken);
            if (read.Length > 0) position = MySqlPosition.Poll(read.TakeLast(Overlap).ToArray());
            if (rows.Length > 0)
                yield return new SourceBatch(new RecordBatch(run.Stream.Columns, rows, DuplicateKeyHandling.Replace), position.ToCheckpoint());
            if (read.Length < limit) await Task.Delay(config.PollInterval, cancellationToken);
        }
    }

    /// <summary>One keyset page of the snapshot, in primary-key order after <paramref name="after"/>.</summary>
    private static async Task<(RecordRow[] Rows, string[]? LastKey)> ReadSnapshotPageAsync(MySqlConfig config, MySqlTable table,
        MySqlMappedColumn[] columns, MySqlMappedColumn[] keyColumns, ColumnMapping mapping, string[]? after, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(config, cancellationToken);
            await using var command = connection.CreateCommand();
            var keys = string.Join(", ", keyColumns.Select(k => MySqlTypes.Quote(k.Column.Name)));
            var keyTexts = string.Join(", ", keyColumns.Select((k, i) => $"CAST({MySqlTypes.Quote(k.Column.Name)} AS CHAR) AS __apperate_key{i}"));
            var where = "";
            if (after is not null)
            {
                where = $"WHERE ({keys}) > ({string.Join(", ", keyColumns.Select((k, i) => Typed($"@k{i}", k.Column)))})";
                for (var i = 0; i < after.Length; i++) command.Parameters.AddWithValue($"@k{i}", after[i]);
            }
            command.CommandText = $"SELECT {SelectList(columns)}, {keyTexts} FROM {MySqlTypes.Quote(table.Name)} {where} ORDER BY {keys} LIMIT {config.BatchSize}";
            var rows = new List<RecordRow>();
            string[]? lastKey = null;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(ToRecord(reader, columns, mapping));
                lastKey = new string[keyColumns.Length];
                for (var i = 0; i < keyColumns.Length; i++) lastKey[i] = reader.GetString(columns.Length + i);
            }
            return (rows.ToArray(), lastKey);
        }
        catch (MySqlException ex)
        {
            throw Translate(ex, config);
        }
    }

    /// <summary>
    /// One poll: the rows from the oldest cursor value of the position's tail on, in cursor order; returns the rows not
    /// read before and every row read (for the next tail).
    /// </summary>
    private static async Task<(RecordRow[] Rows, MySqlPosition.Seen[] Read)> PollAsync(MySqlConfig config, MySqlTable table, MySqlMappedColumn[] columns,
        MySqlMappedColumn[] keyColumns, MySqlMappedColumn cursor, ColumnMapping mapping, MySqlPosition position, int limit, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(config, cancellationToken);
            await using var command = connection.CreateCommand();
            var quotedCursor = MySqlTypes.Quote(cursor.Column.Name);
            var (order, where, values) = MySqlTables.PollFrom(cursor, keyColumns, position.Tail.Length > 0 ? position.Tail[0] : null);
            for (var i = 0; i < values.Length; i++) command.Parameters.AddWithValue($"@p{i}", values[i]);
            command.CommandText = $"SELECT {SelectList(columns)}, CAST({quotedCursor} AS CHAR) AS {CursorAlias} FROM {MySqlTypes.Quote(table.Name)} {where} ORDER BY {order} LIMIT {limit}";
            var rows = new List<RecordRow>();
            var read = new List<MySqlPosition.Seen>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = ToRecord(reader, columns, mapping);
                var seen = new MySqlPosition.Seen(reader.IsDBNull(columns.Length) ? "" : reader.GetString(columns.Length), MySqlPosition.KeyOf(row));
                read.Add(seen);
                if (!position.Tail.Contains(seen)) rows.Add(row);
            }
            return (rows.ToArray(), read.ToArray());
        }
        catch (MySqlException ex)
        {
            throw Translate(ex, config);
        }
    }

    private static string SelectList(MySqlMappedColumn[] columns) => string.Join(", ", columns.Select(c => c.SelectExpression));

    /// <summary>A parameter holding a value as the server's text, cast back to the column's type.</summary>
    internal static string Typed(string parameter, MySqlColumn column) =>
        MySqlTypes.CastType(column) is { } type ? $"CAST({parameter} AS {type})" : parameter;

    private static RecordRow ToRecord(MySqlDataReader reader, MySqlMappedColumn[] columns, ColumnMapping mapping)
    {
        var values = new object?[columns.Length];
        string key = "", subkey = "";
        for (var i = 0; i < columns.Length; i++)
        {
            try
            {
                values[i] = MySqlTypes.ToValue(columns[i], reader.GetValue(i));
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException or MySqlConversionException)
            {
                throw new ConnectorSourceException($"column {columns[i].Column.Name}: {ex.Message}", fatal: true, ex);
            }
            var name = columns[i].Column.Name;
            if (string.Equals(name, mapping.Key, StringComparison.OrdinalIgnoreCase)) key = Convert.ToString(values[i], CultureInfo.InvariantCulture) ?? "";
            else if (string.Equals(name, mapping.Subkey, StringComparison.OrdinalIgnoreCase)) subkey = Convert.ToString(values[i], CultureInfo.InvariantCulture) ?? "";
        }
        // No date in the index: the primary key alone identifies a row, and re-reading it must hit the same record.
        return new RecordRow(key, subkey, 0, values, null);
    }

    private static async Task<List<MySqlTable>> TablesAsync(MySqlConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadTablesAsync(config, cancellationToken);
        }
        catch (MySqlException ex)
        {
            throw Translate(ex, config);
        }
    }

    private static async Task<List<MySqlTable>> ReadTablesAsync(MySqlConfig config, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(config, cancellationToken);
        var columns = new Dictionary<string, List<MySqlColumn>>(StringComparer.Ordinal);
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var names = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = @db ORDER BY TABLE_NAME;
                SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, DATETIME_PRECISION, EXTRA
                  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = @db ORDER BY TABLE_NAME, ORDINAL_POSITION;
                SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
                  WHERE TABLE_SCHEMA = @db AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION;
                """;
            command.Parameters.AddWithValue("@db", config.Database);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var table = reader.GetString(0);
                if (!columns.TryGetValue(table, out var list)) columns[table] = list = [];
                list.Add(new MySqlColumn(reader.GetString(1), reader.GetString(2).ToLowerInvariant(), reader.GetString(3),
                    reader.IsDBNull(4) ? null : Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture),
                    reader.GetString(5).Contains("auto_increment", StringComparison.OrdinalIgnoreCase)));
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var table = reader.GetString(0);
                if (!keys.TryGetValue(table, out var list)) keys[table] = list = [];
                list.Add(reader.GetString(1));
            }
        }
        return names.Select(n => new MySqlTable(n, columns.GetValueOrDefault(n)?.ToArray() ?? [], keys.GetValueOrDefault(n)?.ToArray() ?? [])).ToList();
    }

    private static async Task<MySqlConnection> OpenAsync(MySqlConfig config, CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(config.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            // TIMESTAMP columns are read in UTC.
            command.CommandText = "SET time_zone = '+00:00'";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<string?> ScalarAsync(MySqlConfig config, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(config, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is null or DBNull ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
        }
        catch (MySqlException ex)
        {
            throw Translate(ex, config);
        }
    }

    /// <summary>A database failure in the connector's terms: credentials and missing objects are fatal, the rest is retried.</summary>
    private static ConnectorSourceException Translate(MySqlException ex, MySqlConfig config) => ex.ErrorCode switch
    {
        MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied =>
            new ConnectorSourceException($"authentication failed for user '{config.User}' at {config.Where}: {ex.Message}", fatal: true, ex),
        MySqlErrorCode.UnknownDatabase or MySqlErrorCode.NoSuchTable or MySqlErrorCode.BadFieldError or MySqlErrorCode.TableAccessDenied
            or MySqlErrorCode.ColumnAccessDenied => new ConnectorSourceException($"{config.Where}: {ex.Message}", fatal: true, ex),
        _ => new ConnectorSourceException($"cannot read {config.Where}: {ex.Message}", fatal: false, ex),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "MySQL {Where}: table {Table} is not offered: {Problem}")]
    private partial void LogTableSkipped(string where, string table, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "MySQL {Where}: reading {Table} by {Cursor}")]
    private partial void LogReading(string where, string table, string cursor);
}

/// <summary>
/// Where a MYSQL run is: inside the snapshot (after a primary key, with the cursor's largest value when it began), or
/// polling (the cursor values and keys of the last rows read, oldest first).
/// </summary>
public sealed record MySqlPosition(bool InSnapshot, string? SnapshotCursorMax, string[]? SnapshotAfter, MySqlPosition.Seen[] Tail)
{
    /// <summary>A row read: its cursor value as the server's text and its key (<see cref="KeyOf"/>; empty when unknown).</summary>
    public sealed record Seen(string Cursor, string Key)
    {
        /// <summary>The primary key values as text, in key order (none when the key is unknown).</summary>
        public string[] KeyParts => Key.Length == 0 ? [] : Key.Split(Separator);
    }

    private const char Separator = '\u001f';

    /// <summary>The key of a record as the tail keeps it: key, or key and subkey.</summary>
    public static string KeyOf(RecordRow row) => row.Subkey.Length == 0 ? row.Key : row.Key + Separator + row.Subkey;

    /// <summary>Inside the snapshot.</summary>
    public static MySqlPosition Snapshot(string? cursorMax, string[]? after) => new(true, cursorMax, after, []);

    /// <summary>Polling, after <paramref name="tail"/>.</summary>
    public static MySqlPosition Poll(Seen[] tail) => new(false, null, null, tail);

    /// <summary>The checkpoint text.</summary>
    public string ToCheckpoint()
    {
        var tail = new JsonArray();
        foreach (var seen in Tail) tail.Add(new JsonArray(seen.Cursor, seen.Key));
        var root = new JsonObject { ["tail"] = tail };
        if (InSnapshot)
        {
            root["snapshot"] = new JsonObject
            {
                ["cursorMax"] = SnapshotCursorMax,
                ["after"] = SnapshotAfter is null ? null : new JsonArray(SnapshotAfter.Select(k => (JsonNode?)k).ToArray()),
            };
        }
        return root.ToJsonString();
    }

    /// <summary>Reads a checkpoint; null when there is none.</summary>
    public static MySqlPosition? FromCheckpoint(string? checkpoint)
    {
        if (string.IsNullOrEmpty(checkpoint)) return null;
        var root = JsonNode.Parse(checkpoint)!.AsObject();
        var tail = (root["tail"]?.AsArray() ?? []).Select(e => new Seen(e![0]!.GetValue<string>(), e[1]!.GetValue<string>())).ToArray();
        if (root["snapshot"] is JsonObject snapshot)
            return Snapshot(snapshot["cursorMax"]?.GetValue<string>(), snapshot["after"]?.AsArray().Select(k => k!.GetValue<string>()).ToArray());
        return Poll(tail);
    }
}
