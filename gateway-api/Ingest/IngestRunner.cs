using System.Diagnostics;
using Apperate.Actors.Datasets;
using Apperate.Actors.Ingest;
using Apperate.Actors.Jobs;
using Apperate.Actors.Schema;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Gateway.Ingest;

/// <summary>Options of one <c>POST /v1/data</c> load.</summary>
/// <param name="Event">True raises an event per stored record (rules see them); batch loads raise none by default.</param>
public sealed record IngestOptions(DuplicateKeyHandling Duplicates, long? MaximumValidationErrors, bool Event = false);

/// <summary>
/// Runs a batch load in two passes over the body, so a job that must fail fails before anything is committed:
/// <list type="number">
/// <item><b>validating</b>: the body is read once, every record validated and counted (no rows are built:
/// <see cref="IngestReader.CheckBatchAsync"/>), rejected records logged, and the body spooled to a temporary file;
/// past 20,000,000 records or <c>maximumValidationErrors</c> the job fails.</item>
/// <item><b>processing</b>: the spooled file is read again and its valid records are written to the dataset grain in
/// file order, in batches of <see cref="BatchRecords"/> (one store transaction each), each committed before the next is sent
/// (the next is parsed meanwhile).</item>
/// </list>
/// </summary>
public sealed partial class IngestRunner(IClusterClient client, ILogger<IngestRunner> logger)
{
    public const int BatchRecords = 50_000;
    public const long MaxRecordsPerJob = 20_000_000;
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs the job to its end and returns its final state. <paramref name="spoolPath"/> is deleted afterwards.</summary>
    /// <param name="source">The body, or null when it is already spooled at <paramref name="spoolPath"/>.</param>
    public async Task<JobInfo> RunAsync(IIngestJobGrain job, DatasetDefinition dataset, Stream? source, string spoolPath,
        IngestFormat? format, IngestOptions options, CancellationToken cancellationToken)
    {
        var counts = new Counts();
        try
        {
            var validator = RecordValidator.For(dataset.Schema, dataset.ColumnMapping);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            // Pass 1: validate (and spool when reading the request body).
            await using (var spool = source is null ? null : new FileStream(spoolPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            await using (Stream input = source is null ? File.OpenRead(spoolPath) : new TeeStream(source, spool!))
            {
                var failure = await ValidateAsync(job, input, format, validator, now, options, counts, cancellationToken);
                if (failure is { } f) return await job.FinishAsync(counts.Progress(f.Status, 0), f.Status == JobStatus.Canceled ? null : f.Error);
            }

            // Pass 2: commit the valid records in file order.
            var total = new FileInfo(spoolPath).Length;
            await using var file = new FileStream(spoolPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using var reader = IngestReader.Create(file, format, validator, now, RecordLimits.Default);
            var grain = client.GetGrain<IDatasetGrain>(Names.DatasetKey(dataset.Workspace, dataset.DatasetId));
            var valid = new List<RecordRow>(BatchRecords);
            var invalid = new List<InvalidRecord>();
            var clock = Stopwatch.StartNew();
            counts.Bytes = 0;
            if (await job.ReportAsync(counts.Progress(JobStatus.Processing, 0)))
                return await job.FinishAsync(counts.Progress(JobStatus.Canceled, 0), null);
            // One batch is committed while the next is parsed, so parsing and the store overlap; it is sent only after
            // the previous one is committed, which keeps file order.
            Task<WriteResult>? committing = null;
            try
            {
                while (await reader.ReadBatchAsync(valid, invalid, BatchRecords, cancellationToken))
                {
                    if (valid.Count > 0)
                    {
                        var batch = new RecordBatch(reader.Columns, valid.ToArray(), options.Duplicates, NoEvents: !options.Event);
                        if (committing is not null) counts.Add(await committing);
                        committing = grain.WriteAsync(batch);
                    }
                    valid.Clear();
                    invalid.Clear();
                    counts.Bytes = reader.BytesRead;
                    if (clock.Elapsed >= ReportEvery)
                    {
                        clock.Restart();
                        if (await job.ReportAsync(counts.Progress(JobStatus.Processing, Percent(reader.BytesRead, total))))
                        {
                            if (committing is not null) counts.Add(await committing);
                            committing = null;
                            return await job.FinishAsync(counts.Progress(JobStatus.Canceled, Percent(reader.BytesRead, total)), null);
                        }
                    }
                }
                if (committing is not null) counts.Add(await committing);
                committing = null;
            }
            finally
            {
                // A failure while parsing must not leave a commit running unobserved: the job reports only after it ends.
                if (committing is not null)
                {
                    try { counts.Add(await committing); }
                    catch (Exception ex) { LogFailed(ex, dataset.DatasetId); }
                }
            }
            return await job.FinishAsync(counts.Progress(JobStatus.Ingested, 100), null);
        }
        catch (ApperateException ex)
        {
            return await job.FinishAsync(counts.Progress(JobStatus.Failed, 0), ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(ex, dataset.DatasetId);
            return await job.FinishAsync(counts.Progress(JobStatus.Failed, 0), ex is IOException or OperationCanceledException
                ? $"the upload was interrupted: {ex.Message}"
                : $"unexpected failure: {ex.Message}");
        }
        finally
        {
            try { File.Delete(spoolPath); } catch (IOException) { }
        }
    }

    private async Task<(JobStatus Status, string Error)?> ValidateAsync(IIngestJobGrain job, Stream input, IngestFormat? format, RecordValidator validator,
        long now, IngestOptions options, Counts counts, CancellationToken cancellationToken)
    {
        await using var reader = IngestReader.Create(input, format, validator, now, RecordLimits.Default);
        var invalid = new List<InvalidRecord>();
        var clock = Stopwatch.StartNew();
        await job.ReportAsync(counts.Progress(JobStatus.Validating, 0));
        // Only the verdict is needed here: the rows are built in the processing pass, from the same rules.
        while (await reader.CheckBatchAsync(invalid, BatchRecords, cancellationToken))
        {
            counts.Received = reader.RecordsRead;
            counts.Invalid += invalid.Count;
            counts.Bytes = reader.BytesRead;
            if (invalid.Count > 0)
                await job.AppendInvalidAsync(invalid.ConvertAll(i => new InvalidRecordInfo(i.Line, i.Raw, i.Field, i.Reason)).ToArray());
            invalid.Clear();
            if (counts.Received > MaxRecordsPerJob)
                return (JobStatus.Failed, $"the body holds more than {MaxRecordsPerJob:N0} records, the limit of one job; nothing was committed");
            if (options.MaximumValidationErrors is { } max && counts.Invalid > max)
                return (JobStatus.Failed, $"more than maximumValidationErrors={max} invalid records; nothing was committed");
            if (clock.Elapsed >= ReportEvery)
            {
                clock.Restart();
                if (await job.ReportAsync(counts.Progress(JobStatus.Validating, 0))) return (JobStatus.Canceled, "");
            }
        }
        return null;
    }

    private static int Percent(long done, long total) => total <= 0 ? 0 : (int)Math.Min(99, done * 100 / total);

    private sealed class Counts
    {
        public long Received, Ingested, Invalid, Duplicates, Bytes;

        public JobProgress Progress(JobStatus status, int percent) => new(status, Received, Ingested, Invalid, Duplicates, percent, Bytes);

        public void Add(WriteResult committed)
        {
            Ingested += committed.Written;
            Duplicates += committed.Duplicates;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch load into {Dataset} failed")]
    private partial void LogFailed(Exception ex, string dataset);
}
