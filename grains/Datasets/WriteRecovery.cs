using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Datasets;

/// <summary>Settings of <see cref="WriteRecovery"/>.</summary>
public sealed class WriteRecoveryOptions
{
    /// <summary>
    /// How long an async write item may stay unacknowledged before it is stored again with a direct grain call; null
    /// never does (embedded mode: publisher and dataset grains share one process, so nothing is lost in between).
    /// </summary>
    public TimeSpan? RecoverAfter { get; set; }

    /// <summary>How often to look for such items.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Lets dataset grains in other processes acknowledge this process's async writes (creates the
/// <see cref="IWriteAcknowledgements"/> observer for the <see cref="WriteTracker"/>), and, when
/// <see cref="WriteRecoveryOptions.RecoverAfter"/> is set, stores items left unacknowledged that long with a direct
/// <see cref="IDatasetGrain.WriteAsync"/>: in a cluster the memory stream loses the items a dying silo held.
/// </summary>
/// <remarks>
/// Register it after <c>UseOrleans</c>/<c>UseOrleansClient</c>, so it starts once the Orleans runtime is up. An item
/// that was only slow, not lost, is then stored twice: the second write meets its own key, subkey and date (ignored,
/// or replaced with the same values), so the dataset ends the same.
/// </remarks>
public sealed partial class WriteRecovery(WriteTracker tracker, IGrainFactory grains, IOptions<WriteRecoveryOptions> options, ILogger<WriteRecovery> logger)
    : BackgroundService
{
    // The observer must stay referenced: Orleans holds local objects weakly.
    private Inbox? _inbox;

    /// <summary>Stores every outstanding item accepted at least <paramref name="age"/> ago with a direct grain call.</summary>
    /// <returns>The number of items stored (or given up because their dataset is gone or refuses them).</returns>
    public async Task<int> RecoverAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        var recovered = 0;
        foreach (var (sequence, datasetKey, batch) in tracker.AcceptedBefore(age))
        {
            if (cancellationToken.IsCancellationRequested) break;
            try
            {
                await grains.GetGrain<IDatasetGrain>(datasetKey).WriteAsync(batch);
                if (tracker.Acknowledge(sequence))
                {
                    recovered++;
                    LogRecovered(datasetKey, batch.Rows.Length, age);
                }
            }
            catch (ApperateException ex)
            {
                // The dataset was deleted, or its schema no longer takes these records: as on the stream, log and let go.
                if (tracker.Acknowledge(sequence))
                {
                    recovered++;
                    LogRefused(ex, datasetKey, batch.Rows.Length);
                }
            }
            catch (Exception ex)
            {
                // The cluster is changing; the next round tries again.
                LogRetry(ex, datasetKey, batch.Rows.Length);
            }
        }
        return recovered;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await AttachAsync(stoppingToken);
        if (options.Value.RecoverAfter is not { } age) return;
        using var timer = new PeriodicTimer(options.Value.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await RecoverAsync(age, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task AttachAsync(CancellationToken stoppingToken)
    {
        _inbox = new Inbox(tracker);
        // A client that has not connected yet cannot create observers; try again until it has.
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                tracker.Attach(grains.CreateObjectReference<IWriteAcknowledgements>(_inbox));
                return;
            }
            catch (Exception ex) when (ex is InvalidOperationException or OrleansException)
            {
                LogAttachRetry(ex);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1_000));
            }
        }
    }

    private sealed class Inbox(WriteTracker tracker) : IWriteAcknowledgements
    {
        public Task StoredAsync(string datasetKey, long[] sequences)
        {
            foreach (var sequence in sequences) tracker.Acknowledge(sequence);
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored {Records} async records for {Dataset} again: not acknowledged within {Age} (a silo holding them may have died)")]
    private partial void LogRecovered(string dataset, int records, TimeSpan age);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Records} unacknowledged async records for {Dataset} were refused when stored again; dropped")]
    private partial void LogRefused(Exception ex, string dataset, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Records} unacknowledged async records for {Dataset} could not be stored again yet; retrying")]
    private partial void LogRetry(Exception ex, string dataset, int records);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Write acknowledgements not attached yet; retrying")]
    private partial void LogAttachRetry(Exception ex);
}
