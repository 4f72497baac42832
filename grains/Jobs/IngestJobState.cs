namespace Apperate.Actors.Jobs;

/// <summary>The persisted state of a job grain.</summary>
[GenerateSerializer, Alias("apperate.IngestJobState")]
public sealed class IngestJobState
{
    [Id(0)] public JobInfo? Info { get; set; }
    [Id(1)] public bool CancelRequested { get; set; }
    /// <summary>Rejected records stored so far: the sequence number of the next one.</summary>
    [Id(2)] public long InvalidStored { get; set; }
}
