using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Apperate.Actors.Storage.Queue;

/// <summary>The queue in a SQLite file (WAL, <c>synchronous=FULL</c>: an enqueue that returned survives a power loss).</summary>
public sealed class SqliteQueueDatabase : QueueDatabase
{
    private readonly string _connectionString;

    public SqliteQueueDatabase(string path)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL";
        command.ExecuteNonQuery();
    }

    // Readers (the pulling agents poll every 10 ms) only open; the settings that matter to writes come with them.
    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }

    public override IReadOnlyList<string> CreateTables =>
    [
        $"CREATE TABLE IF NOT EXISTS {HeadsTable} (queue_id INTEGER NOT NULL PRIMARY KEY, next_seq INTEGER NOT NULL, pending INTEGER NOT NULL)",
        $"CREATE TABLE IF NOT EXISTS {StreamsTable} (stream_key TEXT NOT NULL PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID",
        $"CREATE TABLE IF NOT EXISTS {MessagesTable} (queue_id INTEGER NOT NULL, seq INTEGER NOT NULL, stream_key TEXT NOT NULL, stream_seq INTEGER NOT NULL, " +
        "payload BLOB NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (queue_id, seq)) WITHOUT ROWID",
    ];

    // BEGIN IMMEDIATE already holds the database's one write lock.
    public override string ForUpdate => "";

    public override string EnsureHead => $"INSERT INTO {HeadsTable} (queue_id, next_seq, pending) VALUES (@q, 1, 0) ON CONFLICT(queue_id) DO NOTHING";

    public override string EnsureStream => $"INSERT INTO {StreamsTable} (stream_key, last_seq) VALUES (@s, 0) ON CONFLICT(stream_key) DO NOTHING";
}
