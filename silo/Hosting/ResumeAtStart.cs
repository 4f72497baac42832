using Apperate.Actors.Connectors;
using Apperate.Actors.Rules.Delivery;

namespace Apperate.Actors.Silo.Hosting;

/// <summary>
/// At start-up, wakes the durable work a restart interrupted, so it resumes within seconds instead of at its reminder's
/// next tick (up to a minute later): every connector that holds a run reminder, and the alert sweeper, which wakes the
/// delivery of every rule output with alerts pending (and makes sure its own reminder exists).
/// </summary>
public sealed partial class ResumeAtStart(IReminderTable reminders, IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<ResumeAtStart> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Once the host has started: readiness does not wait for connectors or deliveries.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        await Task.WhenAll(ResumeConnectorsAsync(stoppingToken), StartSweeperAsync());
    }

    private async Task ResumeConnectorsAsync(CancellationToken stoppingToken)
    {
        try
        {
            // (0, 0] wraps around: the whole ring.
            var rows = await reminders.ReadRows(0u, 0u);
            var resumed = 0;
            foreach (var row in rows.Reminders)
            {
                if (stoppingToken.IsCancellationRequested) return;
                if (row.ReminderName != ConnectorGrain.ReminderName) continue;
                var key = row.GrainId.Key.ToString();
                try
                {
                    await grains.GetGrain<IConnectorGrain>(key).ResumeAsync();
                    resumed++;
                }
                catch (Exception ex)
                {
                    LogResumeFailed(ex, key);
                }
            }
            if (resumed > 0) LogResumed(resumed);
        }
        catch (Exception ex)
        {
            LogReadFailed(ex);
        }
    }

    private async Task StartSweeperAsync()
    {
        try
        {
            await grains.GetGrain<IAlertSweeperGrain>(AlertSweeperGrain.Key).StartAsync();
        }
        catch (Exception ex)
        {
            LogSweeperFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {Count} running connectors")]
    private partial void LogResumed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resume connector {Connector}; its reminder will")]
    private partial void LogResumeFailed(Exception ex, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the reminder table to resume connectors; their reminders will")]
    private partial void LogReadFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start the alert sweeper now; its reminder, once registered, still sweeps every minute")]
    private partial void LogSweeperFailed(Exception ex);
}
