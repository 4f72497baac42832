namespace Apperate.Actors.Jobs;

/// <summary>The lifecycle of a batch load: <c>created → validating → processing → ingested | failed | canceled</c>.</summary>
[GenerateSerializer, Alias("apperate.JobStatus")]
public enum JobStatus
{
    Created = 0,
    Validating = 1,
    Processing = 2,
    Ingested = 3,
    Failed = 4,
    Canceled = 5,
}

/// <summary>A batch-load job as reported by <c>GET /v1/jobs/:workspace/ingest/:jobId</c>.</summary>
/// <param name="JobId">32 lower-case hex digits.</param>
/// <param name="Workspace">The workspace.</param>
/// <param name="DatasetId">The dataset loaded into.</param>
/// <param name="Status">Where the job is.</param>
/// <param name="Received">Records read from the body so far.</param>
/// <param name="Ingested">Records stored (inserted or replaced).</param>
/// <param name="Invalid">Records rejected by validation.</param>
/// <param name="Duplicates">Records whose key+subkey+date was already stored (ignored, or replaced when replacing).</param>
/// <param name="Progress">Percent of the body processed, 0–100 (100 once finished).</param>
/// <param name="Bytes">Bytes of the body read so far.</param>
/// <param name="Created">Creation time, epoch ms.</param>
/// <param name="Started">When processing started, epoch ms, or null.</param>
/// <param name="Finished">When the job ended, epoch ms, or null.</param>
/// <param name="Error">Why the job failed, or null.</param>
/// <param name="Heartbeat">Last sign of life of the process running the job, epoch ms.</param>
[GenerateSerializer, Alias("apperate.JobInfo")]
public sealed record JobInfo(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Workspace,
    [property: Id(2)] string DatasetId,
    [property: Id(3)] JobStatus Status,
    [property: Id(4)] long Received,
    [property: Id(5)] long Ingested,
    [property: Id(6)] long Invalid,
    [property: Id(7)] long Duplicates,
    [property: Id(8)] int Progress,
    [property: Id(9)] long Bytes,
    [property: Id(10)] long Created,
    [property: Id(11)] long? Started,
    [property: Id(12)] long? Finished,
    [property: Id(13)] string? Error,
    [property: Id(14)] long Heartbeat)
{
    /// <summary>True once the job can no longer change.</summary>
    public bool IsFinished => Status is JobStatus.Ingested or JobStatus.Failed or JobStatus.Canceled;
}

/// <summary>A record a batch load rejected.</summary>
/// <param name="Line">1-based line of the body where the record starts.</param>
/// <param name="Raw">The record as written (truncated to 8 KB).</param>
/// <param name="Field">The property at fault, or null.</param>
/// <param name="Reason">Why it was rejected.</param>
[GenerateSerializer, Alias("apperate.InvalidRecordInfo")]
public sealed record InvalidRecordInfo(
    [property: Id(0)] long Line,
    [property: Id(1)] string Raw,
    [property: Id(2)] string? Field,
    [property: Id(3)] string Reason);

/// <summary>Progress reported by the process running a load.</summary>
[GenerateSerializer, Alias("apperate.JobProgress")]
public sealed record JobProgress(
    [property: Id(0)] JobStatus Status,
    [property: Id(1)] long Received,
    [property: Id(2)] long Ingested,
    [property: Id(3)] long Invalid,
    [property: Id(4)] long Duplicates,
    [property: Id(5)] int Progress,
    [property: Id(6)] long Bytes);

/// <summary>
/// One batch-load job. Keyed by <c>WORKSPACE/jobId</c>. The process that reads the body runs the load and reports
/// here; the grain keeps the job's status and its rejected records, and carries cancel requests back.
/// </summary>
public interface IIngestJobGrain : IGrainWithStringKey
{
    /// <summary>Creates the job in state <see cref="JobStatus.Created"/>.</summary>
    Task<JobInfo> CreateAsync(string workspace, string datasetId);

    /// <summary>The job, or null when unknown. A running job whose runner went silent is reported as failed.</summary>
    Task<JobInfo?> GetAsync();

    /// <summary>Records progress; returns true when a cancel was requested (the runner then stops and calls <see cref="FinishAsync"/>).</summary>
    Task<bool> ReportAsync(JobProgress progress);

    /// <summary>Appends rejected records, in file order.</summary>
    Task AppendInvalidAsync(InvalidRecordInfo[] records);

    /// <summary>Ends the job with a final status and counts.</summary>
    Task<JobInfo> FinishAsync(JobProgress progress, string? error);

    /// <summary>Asks a running job to stop; returns the job. Finished jobs are returned unchanged.</summary>
    Task<JobInfo> CancelAsync();

    /// <summary>Rejected records in file order, <paramref name="offset"/> and <paramref name="limit"/> applied.</summary>
    Task<InvalidRecordInfo[]> GetInvalidAsync(int offset, int limit);
}
