using System.Data.Common;

namespace Apperate.Actors.Storage.Queue;

/// <summary>
/// What <see cref="RecordQueue"/> needs from a database engine: connections, a write transaction that serializes
/// writers, row locks, and the engine's spelling of a few statements. The queue's SQL is otherwise the same everywhere.
/// </summary>
public abstract class QueueDatabase
{
    public const string HeadsTable = "apperate_queue_head";
    public const string StreamsTable = "apperate_queue_stream";
    public const string MessagesTable = "apperate_queue_msg";

    /// <summary>Opens a connection (disposed again when opening fails).</summary>
    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => Connections.OpenAsync(CreateConnection(), cancellationToken);

    /// <summary>A new, closed connection to the queue's database.</summary>
    protected abstract DbConnection CreateConnection();

    /// <summary>Begins the transaction of an enqueue or an acknowledgement (SQLite takes the write lock at once).</summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>The tables, created when missing.</summary>
    public abstract IReadOnlyList<string> CreateTables { get; }

    /// <summary>Appended to a SELECT that must lock its rows until commit (empty where the transaction already excludes other writers).</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Inserts a queue's head row when missing (<c>@q</c>).</summary>
    public abstract string EnsureHead { get; }

    /// <summary>Inserts a stream's head row when missing (<c>@s</c>).</summary>
    public abstract string EnsureStream { get; }
}
