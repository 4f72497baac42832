namespace Apperate.Actors.Gateway.Ingest;

/// <summary>Where batch-load bodies are spooled between the validating and processing passes.</summary>
/// <remarks>The silo points it into its data directory; spool files are deleted when their job ends.</remarks>
public sealed class IngestSpool(string directory)
{
    /// <summary>The spool directory (created on demand).</summary>
    public string Directory { get; } = directory;

    /// <summary>The spool file of a job.</summary>
    public string PathFor(string jobId)
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Path.Combine(Directory, jobId + ".body");
    }
}
