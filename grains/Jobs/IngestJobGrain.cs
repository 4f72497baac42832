using Apperate.Actors.Datasets;
using Apperate.Actors.Logs;
using Apperate.Actors.Storage;
using Apperate.Actors.Telemetry;
using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Jobs;

/// <summary>
/// One batch-load job: status, counts, cancel requests and the rejected records (kept in a record-store table in file
/// order, so any number of them costs no grain memory).
/// </summary>
public sealed class IngestJobGrain(
    [PersistentState("job", StorageNames.GrainState)] IPersistentState<IngestJobState> state,
    IRecordStore store)
    : Grain, IIngestJobGrain
{
    /// <summary>A running job whose runner has not reported for this long is reported as failed.</summary>
    public static readonly TimeSpan RunnerSilence = TimeSpan.FromMinutes(2);

    private string JobId => this.GetPrimaryKeyString().Split('/')[1];
    private string Table => SystemTables.JobInvalid(JobId);
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public async Task<JobInfo> CreateAsync(string workspace, string datasetId)
    {
        if (state.State.Info is { } existing) return existing;
        var now = Now;
        state.State.Info = new JobInfo(JobId, workspace, datasetId, JobStatus.Created, 0, 0, 0, 0, 0, 0, now, null, null, null, now);
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).RegisterJobAsync(JobId);
        await LogAsync("info", $"Ingestion job {JobId} created for dataset {datasetId}");
        return state.State.Info;
    }

    /// <inheritdoc />
    public Task<JobInfo?> GetAsync()
    {
        var info = state.State.Info;
        if (info is { IsFinished: false } && Now - info.Heartbeat > RunnerSilence.TotalMilliseconds)
            info = info with { Status = JobStatus.Failed, Error = "the process running the job stopped before it finished" };
        return Task.FromResult(info);
    }

    /// <inheritdoc />
    public async Task<bool> ReportAsync(JobProgress progress)
    {
        var info = Require();
        if (info.IsFinished) return true;
        var started = info.Started ?? (progress.Status == JobStatus.Processing ? Now : null);
        if (info.Started is null && started is not null) await LogAsync("info", $"Ingestion job {JobId} processing");
        state.State.Info = Apply(info, progress) with { Started = started, Heartbeat = Now };
        await state.WriteStateAsync();
        CountRows(info, state.State.Info);
        return state.State.CancelRequested;
    }

    /// <inheritdoc />
    public async Task AppendInvalidAsync(InvalidRecordInfo[] records)
    {
        if (records.Length == 0) return;
        if (state.State.InvalidStored == 0) await store.EnsureTableAsync(Table, SystemTables.InvalidColumns);
        var rows = new RecordRow[records.Length];
        var sequence = state.State.InvalidStored;
        for (var i = 0; i < records.Length; i++)
        {
            var r = records[i];
            // The sequence number is the row's date: it orders rejections in file order even when several start on one line.
            rows[i] = new RecordRow("invalid", "", sequence + i, [r.Line, r.Raw, r.Field, r.Reason], null);
        }
        var columns = Array.ConvertAll(SystemTables.InvalidColumns, c => c.Name);
        await store.WriteAsync(Table, [new RecordBatch(columns, rows, DuplicateKeyHandling.Ignore)], Now);
        state.State.InvalidStored = sequence + records.Length;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task<JobInfo> FinishAsync(JobProgress progress, string? error)
    {
        var info = Require();
        if (info.IsFinished) return info;
        var finished = Apply(info, progress) with { Error = error, Finished = Now, Heartbeat = Now, Progress = progress.Status == JobStatus.Ingested ? 100 : progress.Progress };
        state.State.Info = finished;
        await state.WriteStateAsync();
        CountRows(info, finished);
        await (finished.Status switch
        {
            JobStatus.Ingested => LogAsync("info", $"Ingestion job {JobId} ingested {finished.Ingested} records into {finished.DatasetId} ({finished.Received} received, {finished.Invalid} invalid, {finished.Duplicates} duplicates)"),
            JobStatus.Canceled => LogAsync("warning", $"Ingestion job {JobId} canceled after {finished.Ingested} records were ingested"),
            _ => LogAsync("error", $"Ingestion job {JobId} failed: {error}"),
        });
        return finished;
    }

    /// <inheritdoc />
    public async Task<JobInfo> CancelAsync()
    {
        var info = Require();
        if (info.IsFinished) return info;
        state.State.CancelRequested = true;
        await state.WriteStateAsync();
        await LogAsync("info", $"Ingestion job {JobId} cancel requested");
        return info;
    }

    /// <inheritdoc />
    public async Task<InvalidRecordInfo[]> GetInvalidAsync(int offset, int limit)
    {
        Require();
        if (state.State.InvalidStored == 0) return [];
        var rows = await store.QueryAsync(Table, SystemTables.InvalidColumns, new KeySelector("invalid", null), SystemTables.OldestFirst(null, null, limit, offset));
        return Array.ConvertAll(rows, r => new InvalidRecordInfo((long)r.Values[0]!, (string)r.Values[1]!, r.Values[2] as string, (string)r.Values[3]!));
    }

    /// <summary>The rows read since the last report, for <see cref="ApperateMetrics.JobRows"/> (reports are cumulative).</summary>
    private static void CountRows(JobInfo before, JobInfo after)
    {
        var loaded = after.Ingested - before.Ingested;
        var invalid = after.Invalid - before.Invalid;
        if (loaded > 0) ApperateMetrics.JobRows.Add(loaded, new("workspace", after.Workspace), new("dataset", after.DatasetId), new("outcome", "loaded"));
        if (invalid <= 0) return;
        ApperateMetrics.JobRows.Add(invalid, new("workspace", after.Workspace), new("dataset", after.DatasetId), new("outcome", "invalid"));
        ApperateMetrics.RecordsFailed.Add(invalid, new("workspace", after.Workspace), new("dataset", after.DatasetId), new("source", "job"));
    }

    private JobInfo Require() => state.State.Info ?? throw ApperateException.NotFound($"Job '{JobId}' does not exist");

    private static JobInfo Apply(JobInfo info, JobProgress p) => info with
    {
        Status = p.Status,
        Received = p.Received,
        Ingested = p.Ingested,
        Invalid = p.Invalid,
        Duplicates = p.Duplicates,
        Progress = p.Progress,
        Bytes = p.Bytes,
    };

    private Task LogAsync(string level, string message)
    {
        var info = state.State.Info!;
        return GrainFactory.GetGrain<IWorkspaceLogGrain>(Names.Normalize(info.Workspace)).AppendAsync(new LogEntry(Now, level, "job", JobId, message));
    }
}
