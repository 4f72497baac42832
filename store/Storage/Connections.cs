using System.Data.Common;

namespace Apperate.Actors.Storage;

/// <summary>Opening database connections the same way in every store and queue engine.</summary>
internal static class Connections
{
    /// <summary>Opens <paramref name="connection"/>; when opening fails it is disposed again and the error rethrown.</summary>
    public static async Task<T> OpenAsync<T>(T connection, CancellationToken cancellationToken) where T : DbConnection
    {
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
