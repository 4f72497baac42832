using System.Diagnostics;
using Apperate.Actors.Rules.Runtime;
using Apperate.Actors.Storage;
using Apperate.Actors.Telemetry;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Datasets;

/// <summary>Group commit: every write joins the next transaction; one commit runs at a time.</summary>
public sealed partial class DatasetGrain
{
    /// <summary>Rows per transaction, so one commit never holds the store for long.</summary>
    private const int MaxRowsPerCommit = 50_000;

    private readonly List<PendingWrite> _pending = [];
    private readonly List<Func<Task>> _maintenance = [];
    private Task? _flushLoop;

    /// <param name="Position">For an item of a durable record stream: its stream sequence, recorded with its commit; else 0.</param>
    private sealed record PendingWrite(RecordBatch Batch, TaskCompletionSource<WriteResult> Completion, long Position = 0);

    private Task<WriteResult> Enqueue(DatasetDefinition definition, RecordBatch batch, long position = 0)
    {
        var pending = new PendingWrite(batch, new TaskCompletionSource<WriteResult>(TaskCreationOptions.RunContinuationsAsynchronously), position);
        _pending.Add(pending);
        StartFlushLoop(definition);
        return pending.Completion.Task;
    }

    /// <summary>Runs <paramref name="work"/> in the flush loop, between commits, so it never overlaps one.</summary>
    private void Maintain(Func<Task> work)
    {
        _maintenance.Add(work);
        StartFlushLoop(Definition);
    }

    private void StartFlushLoop(DatasetDefinition? definition)
    {
        if (_flushLoop is not null) return;
        _flushLoop = FlushLoopAsync(definition);
    }

    /// <summary>Waits until everything enqueued so far is committed.</summary>
    private async Task FlushPendingAsync()
    {
        while (_flushLoop is { } loop) await loop;
    }

    // Runs on the activation's scheduler; the store runs its calls on the thread pool, so reads and new writes keep
    // flowing into the grain while a commit is in progress.
    private async Task FlushLoopAsync(DatasetDefinition? definition)
    {
        // Never inside the caller's turn segment: a store call that completes (or fails) at once must not commit or
        // fail stream items before the caller has recorded what it took in, nor finish before _flushLoop holds it.
        await Task.Yield();
        try
        {
            while (_pending.Count > 0 || _maintenance.Count > 0)
            {
                await RunMaintenanceAsync();
                if (_pending.Count == 0) continue;
                var group = TakeGroup();
                var batches = new RecordBatch[group.Count];
                for (var i = 0; i < group.Count; i++) batches[i] = group[i].Batch;
                var current = Definition ?? definition!;
                var table = current.TableName;
                var updated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var rules = _rules;
                AdditionalRecords? additional;
                try
                {
                    additional = rules.IsEmpty ? null : await ReadAdditionalAsync(rules, batches);
                }
                catch (Exception ex)
                {
                    // Nothing of the group can be evaluated, so nothing of it is committed.
                    LogCommitFailed(ex, table, batches.Length);
                    foreach (var pending in group) pending.Completion.TrySetException(ex);
                    if (group.Exists(p => p.Position > 0)) FailPendingStreamItems(ex);
                    continue;
                }
                WriteResult[] results;
                try
                {
                    var evaluator = rules.IsEmpty ? null : new RuleEvaluator(rules, current, additional);
                    var participant = WithAppliedPosition(WithLiveCapture(evaluator, current), group.Max(p => p.Position));
                    results = await CommitAsync(current, batches, updated, participant);
                    if (evaluator is not null) WakeDeliveries(evaluator.Complete());
                    PublishCommit(participant);
                }
                catch (Exception ex) when (group.Count > 1)
                {
                    // One batch must not fail the others it was grouped with: commit each on its own.
                    LogCommitFailed(ex, table, batches.Length);
                    results = new WriteResult[group.Count];
                    Exception? streamFailed = null;
                    for (var i = 0; i < group.Count; i++)
                    {
                        // A stream item's position covers the items before it: none may commit after an earlier one failed.
                        if (streamFailed is not null && group[i].Position > 0)
                        {
                            group[i].Completion.TrySetException(streamFailed);
                            results[i] = WriteResult.Empty;
                            continue;
                        }
                        try
                        {
                            var single = batches[i];
                            var evaluator = rules.IsEmpty ? null : new RuleEvaluator(rules, current, additional);
                            var participant = WithAppliedPosition(WithLiveCapture(evaluator, current), group[i].Position);
                            results[i] = (await CommitAsync(current, [single], updated, participant))[0];
                            if (evaluator is not null) WakeDeliveries(evaluator.Complete());
                            PublishCommit(participant);
                        }
                        catch (Exception one)
                        {
                            if (group[i].Position > 0) streamFailed = one;
                            group[i].Completion.TrySetException(one);
                            results[i] = WriteResult.Empty;
                        }
                    }
                    if (streamFailed is not null) FailPendingStreamItems(streamFailed);
                }
                catch (Exception ex)
                {
                    LogCommitFailed(ex, table, batches.Length);
                    group[0].Completion.TrySetException(ex);
                    if (group[0].Position > 0) FailPendingStreamItems(ex);
                    continue;
                }
                for (var i = 0; i < group.Count; i++) group[i].Completion.TrySetResult(results[i]);
                if (!rules.IsEmpty && Array.Exists(rules.All, r => r.Runtime.Current.CountersDirty)) ScheduleCountersFlush();
            }
        }
        finally
        {
            _flushLoop = null;
        }
    }

    /// <summary>One commit to the store, measured (<see cref="ApperateMetrics"/>: records stored, batch size, commit duration).</summary>
    private async Task<WriteResult[]> CommitAsync(DatasetDefinition definition, RecordBatch[] batches, long updated, ICommitParticipant? participant)
    {
        var started = Stopwatch.GetTimestamp();
        var results = await store.WriteAsync(definition.TableName, batches, updated, participant);
        var rows = 0L;
        var written = 0L;
        foreach (var batch in batches) rows += batch.Rows.Length;
        foreach (var result in results) written += result.Written;
        var dataset = new TagList { { "workspace", definition.Workspace }, { "dataset", definition.DatasetId } };
        ApperateMetrics.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, dataset);
        ApperateMetrics.WriteBatchSize.Record(rows, dataset);
        if (written > 0) ApperateMetrics.RecordsStored.Add(written, dataset);
        return results;
    }

    private async Task RunMaintenanceAsync()
    {
        while (_maintenance.Count > 0)
        {
            var work = _maintenance[0];
            _maintenance.RemoveAt(0);
            try
            {
                await work();
            }
            catch (Exception ex)
            {
                LogMaintenanceFailed(ex, this.GetPrimaryKeyString());
            }
        }
    }

    /// <summary>
    /// After a record-stream item failed to commit, none after it may: its position would cover the failed one. They
    /// stay in the record queue (nothing is acknowledged before it is applied) and are applied again from there.
    /// </summary>
    private void FailPendingStreamItems(Exception failure)
    {
        for (var i = _pending.Count - 1; i >= 0; i--)
        {
            if (_pending[i].Position <= 0) continue;
            _pending[i].Completion.TrySetException(failure);
            _pending.RemoveAt(i);
        }
    }

    private List<PendingWrite> TakeGroup()
    {
        var take = 0;
        var rows = 0;
        while (take < _pending.Count && (take == 0 || rows + _pending[take].Batch.Rows.Length <= MaxRowsPerCommit))
        {
            rows += _pending[take].Batch.Rows.Length;
            take++;
        }
        var group = _pending.GetRange(0, take);
        _pending.RemoveRange(0, take);
        return group;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Commit of {Batches} batches to {Table} failed")]
    private partial void LogCommitFailed(Exception ex, string table, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule upkeep of {Dataset} failed (counters or rule state); it is tried again with the next commit")]
    private partial void LogMaintenanceFailed(Exception ex, string dataset);
}
