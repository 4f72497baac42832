using System.Net.Sockets;
using MySqlConnector;
using Xunit;

namespace Apperate.Actors.Tests.Infrastructure;

/// <summary>
/// A MariaDB server of its own for the tests: a fresh data directory under the temp folder, 127.0.0.1 on a free port,
/// a password-protected test user; stopped by process id and removed when disposed.
/// </summary>
public sealed class MariaDbServer : IAsyncLifetime
{
    private const string Install = "DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "apperate-mariadb", Guid.NewGuid().ToString("N"));
    private ServerProcess? _server;
    private string _mariadbd = "";
    private string[] _arguments = [];

    /// <summary>The user the connectors log in as.</summary>
    public string User => "apperate";

    /// <summary>Its password.</summary>
    public string Password => "apperate-test-secret";

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>Recent server output, for failure messages.</summary>
    public string Tail() => _server?.Tail() ?? "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var mariadbd = Tools.Find("APPERATE_MARIADBD", "mariadbd", Install);
        var installDb = Tools.Find("APPERATE_MARIADB_INSTALL_DB", "mariadb-install-db", Install);
        var data = Path.Combine(_directory, "data");
        // Every mariadbd (the install's bootstrap one too) deletes the #sql* files in its tmpdir when it starts: servers
        // sharing /tmp would delete each other's internal temporary tables, so each has its own.
        var tmp = Path.Combine(_directory, "tmp");
        Directory.CreateDirectory(tmp);
        // As root the server must be told to stay root; as anyone else it runs as that user.
        var asRoot = Environment.UserName == "root" ? new[] { "--user=root" } : [];
        await ServerProcess.RunAsync(installDb,
            ["--no-defaults", $"--datadir={data}", $"--tmpdir={tmp}", "--auth-root-authentication-method=normal", "--skip-test-db", .. asRoot],
            TimeSpan.FromSeconds(90));
        Port = LoopbackPorts.Take(1)[0];
        _arguments =
        [
            "--no-defaults", .. asRoot, $"--datadir={data}", $"--tmpdir={tmp}", $"--port={Port}", "--bind-address=127.0.0.1",
            $"--socket={Path.Combine(_directory, "sock")}", $"--pid-file={Path.Combine(_directory, "pid")}",
            "--skip-networking=0", "--skip-name-resolve", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
        ];
        _mariadbd = mariadbd;
        await StartAsync();
        await ExecuteAsync(null, $"CREATE USER '{User}'@'%' IDENTIFIED BY '{Password}'; GRANT ALL ON *.* TO '{User}'@'%'");
    }

    /// <summary>Stops the server (SIGTERM, by process id): clients lose their connections.</summary>
    public async Task StopAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }

    /// <summary>Starts the server on its port and data directory and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var server = ServerProcess.Start(_mariadbd, _arguments);
        _server = server;
        await Eventually.Until(async () =>
        {
            if (!server.IsRunning) throw new InvalidOperationException($"mariadbd exited before it was ready:{Environment.NewLine}{server.Tail()}");
            try
            {
                await using var root = new MySqlConnection(RootConnectionString);
                await root.OpenAsync();
                return true;
            }
            catch (Exception ex) when (ex is MySqlException or SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), $"mariadbd (pid {server.Id}) to accept connections on 127.0.0.1:{Port}");
    }

    private string RootConnectionString => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = "root",
        Password = "",
        Pooling = false,
        ConnectionTimeout = 5,
    }.ConnectionString;

    /// <summary>A connection string for <see cref="User"/> to <paramref name="database"/>.</summary>
    public string ConnectionString(string? database) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        UserID = User,
        Password = Password,
        Database = database ?? "",
        GuidFormat = MySqlGuidFormat.None,
    }.ConnectionString;

    /// <summary>Runs statements as the test user.</summary>
    public async Task ExecuteAsync(string? database, string sql)
    {
        await using var connection = new MySqlConnection(database is null && sql.StartsWith("CREATE USER", StringComparison.Ordinal) ? RootConnectionString : ConnectionString(database));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates a new empty database and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await ExecuteAsync(null, $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4");
        return name;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
