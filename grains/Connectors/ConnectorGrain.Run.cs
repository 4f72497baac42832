using System.Threading.Channels;
using Apperate.Actors.Datasets;
using Apperate.Actors.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Connectors;

/// <summary>The reading loop: source → dataset, a checkpoint after every batch, retries with backoff.</summary>
public sealed partial class ConnectorGrain
{
    /// <summary>Failures in a row (without a stored batch between them) after which the connector is errored.</summary>
    public const int MaxConsecutiveFailures = 8;

    /// <summary>Batches read ahead of the writes: the source waits when the dataset is slower.</summary>
    private const int ReadAhead = 4;

    private CancellationTokenSource? _runCancel;
    private Task? _run;

    /// <summary>The wait before retry number <paramref name="failures"/>: 1 s, 2 s, 4 s … at most 30 s.</summary>
    public static TimeSpan Backoff(int failures) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Max(0, failures - 1))));

    /// <summary>Starts the loop unless this activation already runs one.</summary>
    private void StartRun(bool resumed)
    {
        if (_run is not null || _deactivating) return;
        var cancel = new CancellationTokenSource();
        _runCancel = cancel;
        _run = RunAsync(resumed, cancel);
    }

    /// <summary>Cancels the loop and waits until it has stored its last batch's checkpoint.</summary>
    private async Task StopRunAsync()
    {
        if (_run is not { } run) return;
        _runCancel!.Cancel();
        await run;
    }

    private async Task RunAsync(bool resumed, CancellationTokenSource cancel)
    {
        // Yield first so the caller has recorded this loop before any of it runs.
        await Task.Yield();
        var ct = cancel.Token;
        try
        {
            if (resumed)
            {
                State.Stats = State.Stats with { Restarts = State.Stats.Restarts + 1 };
                await SaveAsync();
                await LogAsync("info", $"Connector {Name} resumed (execution {State.ExecId}) from its checkpoint");
            }
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var stream = SelectedStream();
                    await EnsureDatasetAsync(stream);
                    await ReadAndWriteAsync(stream, ct);
                    if (ct.IsCancellationRequested) return;
                    throw new ConnectorSourceException("the source ended its stream", fatal: false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (IsFatal(ex))
                {
                    await FailAsync(ex.Message);
                    return;
                }
                catch (Exception ex)
                {
                    var failures = State.Stats.ConsecutiveFailures + 1;
                    State.Stats = State.Stats with { ConsecutiveFailures = failures, Restarts = State.Stats.Restarts + 1, LastError = ex.Message };
                    if (failures >= MaxConsecutiveFailures)
                    {
                        await FailAsync($"gave up after {failures} failures in a row: {ex.Message}");
                        return;
                    }
                    var wait = Backoff(failures);
                    await SaveAsync();
                    await LogAsync("warning", $"Connector {Name} failed ({failures} of {MaxConsecutiveFailures} in a row), retrying in {wait.TotalSeconds:0} s: {ex.Message}");
                    try
                    {
                        await Task.Delay(wait, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Only a failing state write gets here; the reminder starts the loop again.
            LogRunFailed(ex, this.GetPrimaryKeyString());
        }
        finally
        {
            if (ReferenceEquals(_runCancel, cancel))
            {
                _run = null;
                _runCancel = null;
            }
            cancel.Dispose();
        }
    }

    private static bool IsFatal(Exception ex) =>
        ex is ConnectorSourceException { Fatal: true }
        || ex is ApperateException { Kind: ErrorKind.Invalid or ErrorKind.NotFound or ErrorKind.Conflict };

    /// <summary>
    /// Runs the source on the thread pool (it may block or start its own threads; none of that may land on this
    /// activation's scheduler) and stores what it yields here, batch by batch.
    /// </summary>
    private async Task ReadAndWriteAsync(SourceStream stream, CancellationToken ct)
    {
        var definition = Definition;
        var source = sources.Find(definition.ConnectorType)
            ?? throw new ConnectorSourceException($"{definition.ConnectorType} connectors are not available in this version", fatal: true);
        var monitor = new RunMonitor();
        var run = new SourceRun(definition.ConfigJson, stream, State.Checkpoint, monitor);
        var batches = Channel.CreateBounded<SourceBatch>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        using var stopSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in source.ReadAsync(run, stopSource.Token).WithCancellation(stopSource.Token))
                    await batches.Writer.WriteAsync(batch, stopSource.Token);
                batches.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                batches.Writer.TryComplete(ex);
            }
        }, CancellationToken.None);

        var reconnectsBefore = State.Stats.Reconnects;
        try
        {
            await foreach (var batch in batches.Reader.ReadAllAsync(ct))
            {
                // Written even when canceled meanwhile: a batch taken from the source is stored (or durably on the
                // dataset's record stream), then checkpointed; a crash in between reads it again, onto the same keys.
                if (batch.ReplacedKeys is { Length: > 0 } replaced) await DeleteKeysAsync(definition, replaced);
                if (batch.ReplacedFrom is { } from) await DeleteFromAsync(definition, from);
                await WriteBatchAsync(definition, batch.Records);
                if (batch.Records.Rows.Length > 0) _lagSeconds = Math.Max(0, (Now - batch.Records.Rows.Max(r => r.Date)) / 1000.0);
                State.Checkpoint = batch.Checkpoint ?? State.Checkpoint;
                State.Stats = State.Stats with
                {
                    RecordsWritten = State.Stats.RecordsWritten + batch.Records.Rows.Length,
                    LastRecordTime = Now,
                    ConsecutiveFailures = 0,
                    Reconnects = reconnectsBefore + monitor.Reconnects,
                };
                await SaveAsync();
                if (monitor.TakeReconnectReason() is { } reason)
                    await LogAsync("warning", $"Connector {Name} reconnected to its source ({reason})");
            }
        }
        finally
        {
            stopSource.Cancel();
            await pump;
            if (State.Stats.Reconnects != reconnectsBefore + monitor.Reconnects)
                State.Stats = State.Stats with { Reconnects = reconnectsBefore + monitor.Reconnects };
        }
    }

    /// <summary>
    /// <c>wait:true</c>: the dataset grain commits the batch before the next is read. <c>wait:false</c>: the batch goes
    /// onto the dataset's record stream in items of at most <see cref="RecordStreams.MaxItemRows"/> records, durable
    /// once published (the dataset grain stores each exactly once); a full record queue falls back to the committed write.
    /// </summary>
    private async Task WriteBatchAsync(ConnectorDefinition definition, RecordBatch batch)
    {
        if (batch.Rows.Length == 0) return;
        var key = Names.DatasetKey(State.Workspace!, definition.DatasetId);
        var dataset = GrainFactory.GetGrain<IDatasetGrain>(key);
        if (definition.Wait)
        {
            await dataset.WriteAsync(batch);
            return;
        }
        var stream = this.GetStreamProvider(RecordStreams.Provider).GetStream<RecordBatch>(StreamId.Create(RecordStreams.Namespace, key));
        for (var offset = 0; offset < batch.Rows.Length; offset += RecordStreams.MaxItemRows)
        {
            var item = batch.Rows.Length <= RecordStreams.MaxItemRows
                ? batch
                : batch with { Rows = batch.Rows[offset..Math.Min(batch.Rows.Length, offset + RecordStreams.MaxItemRows)] };
            try
            {
                await stream.OnNextAsync(item);
            }
            catch (QueueFullException)
            {
                await dataset.WriteAsync(item);
            }
        }
    }

    /// <summary>
    /// Deletes every record of <paramref name="keys"/> before their replacements are written. The dataset grain stores
    /// records of earlier batches still on the record stream first, so none of them lands after the delete.
    /// </summary>
    private async Task DeleteKeysAsync(ConnectorDefinition definition, string[] keys)
    {
        var dataset = GrainFactory.GetGrain<IDatasetGrain>(Names.DatasetKey(State.Workspace!, definition.DatasetId));
        foreach (var key in keys) await dataset.DeleteRecordsAsync(new KeySelector(key, null), null, null);
    }

    /// <summary>Deletes every record dated at or after <paramref name="from"/> (epoch ms), of every key, before the replacements are written.</summary>
    private Task DeleteFromAsync(ConnectorDefinition definition, long from) =>
        GrainFactory.GetGrain<IDatasetGrain>(Names.DatasetKey(State.Workspace!, definition.DatasetId)).DeleteRecordsAsync(KeySelector.All, from, null);

    private async Task FailAsync(string reason)
    {
        await UnregisterReminderAsync();
        State.Status = ConnectorStatus.Errored;
        State.Error = reason;
        State.Stats = State.Stats with { LastError = reason };
        Touch();
        await SaveAsync();
        await LogAsync("error", $"Connector {Name} errored: {reason}");
    }

    /// <summary>Counts a source's reconnects from its own threads.</summary>
    private sealed class RunMonitor : ISourceMonitor
    {
        private int _reconnects;
        private string? _reason;

        public int Reconnects => Volatile.Read(ref _reconnects);

        public void Reconnected(string reason)
        {
            Volatile.Write(ref _reason, reason);
            Interlocked.Increment(ref _reconnects);
        }

        public string? TakeReconnectReason() => Interlocked.Exchange(ref _reason, null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Connector {Connector}: the reading loop stopped unexpectedly")]
    private partial void LogRunFailed(Exception ex, string connector);
}
