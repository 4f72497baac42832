using System.Text;
using Apperate.Actors.Gateway.Hosting;
using MySqlConnector;

namespace Apperate.Actors.Silo.Cluster;

/// <summary>
/// The cluster mode's MySQL/MariaDB database: Orleans membership, grain state and reminders, and the record store's
/// dataset tables, all in the database the connection string names.
/// </summary>
public sealed class ClusterStorage
{
    /// <summary>The ADO.NET invariant Orleans loads MySqlConnector for.</summary>
    public const string Invariant = ClusterDatabase.Invariant;

    /// <summary>The named lock that serialises schema setup between silos starting at once.</summary>
    internal const string LockName = "apperate.orleans-schema";

    /// <summary>The scripts in the order they apply, each with the table whose presence means it was applied.</summary>
    internal static readonly (string Resource, string Table)[] Scripts =
    [
        ("sql.MySQL-Main.sql", "OrleansQuery"),
        ("sql.MySQL-Clustering.sql", "OrleansMembershipTable"),
        ("sql.MySQL-Persistence.sql", "OrleansStorage"),
        ("sql.MySQL-Reminders.sql", "OrleansRemindersTable"),
    ];

    /// <summary>Checks the connection string (see <see cref="ClusterDatabase"/>).</summary>
    /// <exception cref="ArgumentException">With a message fit for an operator.</exception>
    public ClusterStorage(string? connectionString)
    {
        var database = new ClusterDatabase(connectionString);
        ConnectionString = database.ConnectionString;
        Database = database.Database;
        OrleansConnectionString = database.OrleansConnectionString;
    }

    /// <summary>The connection string as configured: the record store's and the schema setup's.</summary>
    public string ConnectionString { get; }

    /// <summary>The connection string the Orleans ADO.NET providers use.</summary>
    public string OrleansConnectionString { get; }

    public string Database { get; }

    /// <summary>
    /// Creates the database when missing and applies each Orleans script whose table is missing, under a named lock
    /// so that silos starting together apply each script once. Returns the scripts it applied.
    /// </summary>
    /// <remarks>
    /// MySQL commits DDL implicitly, so a script is not atomic: a script interrupted half-way leaves its first table
    /// behind and is not applied again (drop the Orleans tables and procedures it created, then restart).
    /// </remarks>
    public async Task<IReadOnlyList<string>> EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await CreateDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var take = new MySqlCommand("SELECT GET_LOCK(@name, 120)", connection))
        {
            take.Parameters.AddWithValue("@name", LockName);
            if (Convert.ToInt64(await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) != 1)
                throw new TimeoutException($"Another silo held the schema lock '{LockName}' for 120 s.");
        }
        try
        {
            var applied = new List<string>();
            foreach (var (resource, table) in Scripts)
            {
                if (await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false)) continue;
                foreach (var batch in Split(ReadScript(resource)))
                {
                    await using var command = new MySqlCommand(batch, connection);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                applied.Add(resource["sql.".Length..]);
            }
            return applied;
        }
        finally
        {
            await using var release = new MySqlCommand("DO RELEASE_LOCK(@name)", connection);
            release.Parameters.AddWithValue("@name", LockName);
            await release.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>True when the Orleans query table answers a read.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new MySqlConnection(ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT COUNT(*) FROM OrleansQuery", connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) > 0;
        }
        catch (Exception ex) when (ex is MySqlException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Splits a script the way the mysql client reads it: <c>DELIMITER x</c> lines change the statement terminator.
    /// Text under the default <c>;</c> goes as one multi-statement batch; under another delimiter each statement
    /// (a stored procedure with its own semicolons) goes alone.
    /// </summary>
    internal static IReadOnlyList<string> Split(string script)
    {
        var batches = new List<string>();
        var delimiter = ";";
        var current = new StringBuilder();

        void Flush()
        {
            if (delimiter == ";")
            {
                Add(current.ToString());
            }
            else
            {
                foreach (var part in current.ToString().Split(delimiter)) Add(part);
            }
            current.Clear();
        }

        void Add(string text)
        {
            // A batch of comments only would be an empty query to the server.
            var code = text.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal));
            if (string.Join('\n', code).Trim().Trim(';').Trim().Length > 0) batches.Add(text.Trim());
        }

        foreach (var raw in script.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.StartsWith("DELIMITER ", StringComparison.OrdinalIgnoreCase))
            {
                Flush();
                delimiter = trimmed["DELIMITER ".Length..].Trim();
                if (delimiter.Length == 0) throw new FormatException("A DELIMITER line names no delimiter.");
                continue;
            }
            current.Append(line).Append('\n');
        }
        Flush();
        return batches;
    }

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var server = new MySqlConnectionStringBuilder(ConnectionString) { Database = "" };
        await using var connection = new MySqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new MySqlCommand("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @name", connection))
        {
            exists.Parameters.AddWithValue("@name", Database);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) > 0) return;
        }
        var quoted = "`" + Database.Replace("`", "``", StringComparison.Ordinal) + "`";
        await using var create = new MySqlCommand($"CREATE DATABASE IF NOT EXISTS {quoted} CHARACTER SET utf8mb4", connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> TableExistsAsync(MySqlConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @table", connection);
        command.Parameters.AddWithValue("@table", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) > 0;
    }

    private static string ReadScript(string name)
    {
        using var stream = typeof(ClusterStorage).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The SQL script {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
