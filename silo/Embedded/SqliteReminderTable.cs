using Microsoft.Data.Sqlite;

namespace Apperate.Actors.Silo.Embedded;

/// <summary>
/// Durable Orleans reminders for the embedded mode, in the <c>EmbeddedReminders</c> table of <c>orleans.db</c>
/// (Orleans 10 ships ADO.NET reminder scripts for SQL Server, MySQL, PostgreSQL and Oracle, not for SQLite).
/// </summary>
/// <remarks>
/// Same semantics as Orleans' ADO.NET table: one row per grain and reminder name; the ETag is a version number that
/// every upsert increments; a remove succeeds only with the current ETag; range reads take grain hashes in
/// (begin, end], wrapping around when begin ≥ end.
/// </remarks>
public sealed class SqliteReminderTable(EmbeddedStorage storage) : IReminderTable
{
    /// <summary>The table's DDL; applied at every start (idempotent).</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS EmbeddedReminders (
            ServiceId TEXT NOT NULL,
            GrainId TEXT NOT NULL,
            ReminderName TEXT NOT NULL,
            StartTime INTEGER NOT NULL,
            PeriodMs INTEGER NOT NULL,
            GrainHash INTEGER NOT NULL,
            Version INTEGER NOT NULL,
            PRIMARY KEY (ServiceId, GrainId, ReminderName));
        CREATE INDEX IF NOT EXISTS EmbeddedRemindersByHash ON EmbeddedReminders (ServiceId, GrainHash);
        """;

    /// <summary>The service id every embedded silo uses.</summary>
    public const string ServiceId = "apperate";

    private const string Columns = "GrainId, ReminderName, StartTime, PeriodMs, Version";

    public Task Init() => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        QueryAsync($"SELECT {Columns} FROM EmbeddedReminders WHERE ServiceId = @service AND GrainId = @grain",
            c => c.Parameters.AddWithValue("@grain", grainId.ToString()));

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        QueryAsync(begin < end
                ? $"SELECT {Columns} FROM EmbeddedReminders WHERE ServiceId = @service AND GrainHash > @begin AND GrainHash <= @end"
                : $"SELECT {Columns} FROM EmbeddedReminders WHERE ServiceId = @service AND (GrainHash > @begin OR GrainHash <= @end)",
            c =>
            {
                c.Parameters.AddWithValue("@begin", (long)begin);
                c.Parameters.AddWithValue("@end", (long)end);
            });

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM EmbeddedReminders WHERE ServiceId = @service AND GrainId = @grain AND ReminderName = @name",
            c =>
            {
                c.Parameters.AddWithValue("@grain", grainId.ToString());
                c.Parameters.AddWithValue("@name", reminderName);
            });
        return rows.Reminders.FirstOrDefault();
    }

    public Task<string?> UpsertRow(ReminderEntry entry) => Task.Run<string?>(() =>
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO EmbeddedReminders (ServiceId, GrainId, ReminderName, StartTime, PeriodMs, GrainHash, Version)
            VALUES (@service, @grain, @name, @start, @period, @hash, 1)
            ON CONFLICT (ServiceId, GrainId, ReminderName)
            DO UPDATE SET StartTime = excluded.StartTime, PeriodMs = excluded.PeriodMs, Version = Version + 1
            RETURNING Version
            """;
        command.Parameters.AddWithValue("@service", ServiceId);
        command.Parameters.AddWithValue("@grain", entry.GrainId.ToString());
        command.Parameters.AddWithValue("@name", entry.ReminderName);
        command.Parameters.AddWithValue("@start", entry.StartAt.ToUniversalTime().Ticks);
        command.Parameters.AddWithValue("@period", (long)entry.Period.TotalMilliseconds);
        command.Parameters.AddWithValue("@hash", (long)entry.GrainId.GetUniformHashCode());
        return Convert.ToString((long)command.ExecuteScalar()!, System.Globalization.CultureInfo.InvariantCulture);
    });

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => Task.Run(() =>
    {
        if (!long.TryParse(eTag, out var version)) return false;
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM EmbeddedReminders WHERE ServiceId = @service AND GrainId = @grain AND ReminderName = @name AND Version = @version";
        command.Parameters.AddWithValue("@service", ServiceId);
        command.Parameters.AddWithValue("@grain", grainId.ToString());
        command.Parameters.AddWithValue("@name", reminderName);
        command.Parameters.AddWithValue("@version", version);
        return command.ExecuteNonQuery() > 0;
    });

    public Task TestOnlyClearTable() => Task.Run(() =>
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM EmbeddedReminders WHERE ServiceId = @service";
        command.Parameters.AddWithValue("@service", ServiceId);
        command.ExecuteNonQuery();
    });

    private Task<ReminderTableData> QueryAsync(string sql, Action<SqliteCommand> parameters) => Task.Run(() =>
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@service", ServiceId);
        parameters(command);
        using var reader = command.ExecuteReader();
        var entries = new List<ReminderEntry>();
        while (reader.Read())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        return new ReminderTableData(entries);
    });

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(storage.GrainStateConnectionString);
        connection.Open();
        return connection;
    }
}
