using MySqlConnector;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>What Orleans' membership table in the cluster database says.</summary>
public static class Membership
{
    /// <summary>Silos of <paramref name="clusterId"/> whose status is Active (3).</summary>
    public static async Task<long> ActiveSilos(string connectionString, string clusterId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM OrleansMembershipTable WHERE DeploymentId = @id AND Status = 3", connection);
        command.Parameters.AddWithValue("@id", clusterId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
