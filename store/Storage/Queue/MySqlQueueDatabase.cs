using System.Data.Common;
using MySqlConnector;

namespace Apperate.Actors.Storage.Queue;

/// <summary>The queue in a MySQL/MariaDB database shared by every process of a cluster (InnoDB row locks order the writers).</summary>
public sealed class MySqlQueueDatabase(string connectionString) : QueueDatabase
{
    private readonly string _connectionString = new MySqlConnectionStringBuilder(connectionString) { UseAffectedRows = true }.ConnectionString;

    protected override DbConnection CreateConnection() => new MySqlConnection(_connectionString);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await ((MySqlConnection)connection).BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    public override IReadOnlyList<string> CreateTables =>
    [
        $"CREATE TABLE IF NOT EXISTS {HeadsTable} (queue_id INT NOT NULL PRIMARY KEY, next_seq BIGINT NOT NULL, pending BIGINT NOT NULL) ENGINE=InnoDB",
        $"CREATE TABLE IF NOT EXISTS {StreamsTable} (stream_key VARBINARY(512) NOT NULL PRIMARY KEY, last_seq BIGINT NOT NULL) ENGINE=InnoDB",
        $"CREATE TABLE IF NOT EXISTS {MessagesTable} (queue_id INT NOT NULL, seq BIGINT NOT NULL, stream_key VARBINARY(512) NOT NULL, stream_seq BIGINT NOT NULL, " +
        "payload LONGBLOB NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (queue_id, seq)) ENGINE=InnoDB",
    ];

    public override string ForUpdate => " FOR UPDATE";

    public override string EnsureHead => $"INSERT INTO {HeadsTable} (queue_id, next_seq, pending) VALUES (@q, 1, 0) ON DUPLICATE KEY UPDATE queue_id = queue_id";

    public override string EnsureStream => $"INSERT INTO {StreamsTable} (stream_key, last_seq) VALUES (@s, 0) ON DUPLICATE KEY UPDATE stream_key = stream_key";
}
