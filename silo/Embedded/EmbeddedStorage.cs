using Microsoft.Data.Sqlite;

namespace Apperate.Actors.Silo.Embedded;

/// <summary>The embedded mode's files: grain state and reminders in <c>orleans.db</c>, rows in <c>records.db</c>.</summary>
public sealed class EmbeddedStorage
{
    public EmbeddedStorage(string dataDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(DataDirectory);
        GrainStatePath = Path.Combine(DataDirectory, "orleans.db");
        RecordsPath = Path.Combine(DataDirectory, "records.db");
        QueuePath = Path.Combine(DataDirectory, "queue.db");
        CredentialsPath = Path.Combine(DataDirectory, "credentials.json");
        GrainStateConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = GrainStatePath,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DataDirectory { get; }
    public string GrainStatePath { get; }
    public string RecordsPath { get; }

    /// <summary>The record queue: async writes accepted and not yet stored.</summary>
    public string QueuePath { get; }
    public string CredentialsPath { get; }
    public string GrainStateConnectionString { get; }

    /// <summary>
    /// Creates the reminder table when missing, and the Orleans grain-state tables on first start. The scripts are not idempotent, so they run only when
    /// the query table is missing, inside one transaction.
    /// </summary>
    public void EnsureGrainStateSchema()
    {
        using var connection = new SqliteConnection(GrainStateConnectionString);
        connection.Open();
        using (var wal = connection.CreateCommand())
        {
            // WAL lets grain-state reads proceed during writes; FULL sync keeps acknowledged metadata across crashes.
            wal.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
            wal.ExecuteNonQuery();
        }
        using (var reminders = connection.CreateCommand())
        {
            reminders.CommandText = SqliteReminderTable.Schema;
            reminders.ExecuteNonQuery();
        }
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'OrleansQuery'";
        if ((long)check.ExecuteScalar()! > 0) return;

        using var transaction = connection.BeginTransaction();
        foreach (var script in new[] { "sql.Sqlite-Main.sql", "sql.Sqlite-Persistence.sql" })
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = ReadScript(script);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static string ReadScript(string name)
    {
        using var stream = typeof(EmbeddedStorage).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The SQL script {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
