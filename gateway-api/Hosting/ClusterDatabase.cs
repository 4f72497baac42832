using MySqlConnector;

namespace Apperate.Actors.Gateway.Hosting;

/// <summary>
/// The cluster mode's MySQL/MariaDB connection string, checked the same way by the silo and by the standalone gateway.
/// </summary>
public sealed class ClusterDatabase
{
    /// <summary>The ADO.NET invariant Orleans loads MySqlConnector for.</summary>
    public const string Invariant = "MySql.Data.MySqlConnector";

    /// <summary>What is wrong with a connection string for cluster mode, in words fit for an operator; null when nothing.</summary>
    public static string? Problem(string? connectionString)
    {
        try
        {
            _ = new ClusterDatabase(connectionString);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Checks the connection string: it must parse and name a server and a database.</summary>
    /// <exception cref="ArgumentException">With a message fit for an operator.</exception>
    public ClusterDatabase(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new ArgumentException("Apperate:ConnectionString is required in Cluster mode (a MySQL/MariaDB connection string naming a database).");
        MySqlConnectionStringBuilder builder;
        try
        {
            builder = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new ArgumentException($"Apperate:ConnectionString is not a valid MySQL connection string: {ex.Message}");
        }
        if (string.IsNullOrWhiteSpace(builder.Server)) throw new ArgumentException("Apperate:ConnectionString names no Server.");
        if (string.IsNullOrWhiteSpace(builder.Database)) throw new ArgumentException("Apperate:ConnectionString names no Database.");
        ConnectionString = builder.ConnectionString;
        Database = builder.Database;
        // Orleans leaves out the parameters of the payload columns it does not use (e.g. @PayloadJson with the binary
        // serializer); MySqlConnector reads those as user variables (NULL) only when allowed to.
        OrleansConnectionString = new MySqlConnectionStringBuilder(ConnectionString) { AllowUserVariables = true }.ConnectionString;
    }

    /// <summary>The connection string as configured: the record store's and the schema setup's.</summary>
    public string ConnectionString { get; }

    /// <summary>The connection string the Orleans ADO.NET providers use.</summary>
    public string OrleansConnectionString { get; }

    /// <summary>The database the connection string names.</summary>
    public string Database { get; }
}
