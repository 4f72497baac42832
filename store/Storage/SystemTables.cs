using System.Security.Cryptography;
using System.Text;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Storage;

/// <summary>
/// Record-store tables the service keeps for itself (job rejections, workspace logs). They use the same store and
/// layout as datasets, so they work on every store implementation.
/// </summary>
public static class SystemTables
{
    /// <summary>The table of a job's rejected records.</summary>
    public static string JobInvalid(string jobId) => "job_" + jobId;

    /// <summary>The table of a workspace's log (hashed: workspace names may use the whole name length).</summary>
    public static string WorkspaceLog(string workspace) =>
        "log_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Names.Normalize(workspace))))[..32];

    /// <summary>Columns of a job's rejected-record table.</summary>
    public static readonly PropertyDefinition[] InvalidColumns =
    [
        new("line", PropertyType.Integer),
        new("raw", PropertyType.String),
        new("field", PropertyType.String),
        new("reason", PropertyType.String),
    ];

    /// <summary>Columns of a workspace log table.</summary>
    public static readonly PropertyDefinition[] LogColumns =
    [
        new("level", PropertyType.String),
        new("source", PropertyType.String),
        new("sourceId", PropertyType.String),
        new("message", PropertyType.String),
    ];

    /// <summary>Reads every row of one key oldest first, with paging.</summary>
    public static DataQuery OldestFirst(long? from, long? to, int limit, int offset) =>
        new(from, to, limit, offset, Oldest: true, SortOrder.Ascending, 1, [], null);
}
