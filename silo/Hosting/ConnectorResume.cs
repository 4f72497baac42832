using Apperate.Actors.Connectors;

namespace Apperate.Actors.Silo.Hosting;

/// <summary>
/// At start-up, wakes every connector that holds a run reminder, so a connector that was running before a restart
/// resumes within seconds instead of at its reminder's next tick (up to a minute later).
/// </summary>
public sealed partial class ConnectorResume(IReminderTable reminders, IGrainFactory grains, ILogger<ConnectorResume> logger) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // In the background: readiness does not wait for connectors.
        _ = Task.Run(ResumeAllAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task ResumeAllAsync()
    {
        try
        {
            // (0, 0] wraps around: the whole ring.
            var rows = await reminders.ReadRows(0u, 0u);
            var resumed = 0;
            foreach (var row in rows.Reminders)
            {
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

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {Count} running connectors")]
    private partial void LogResumed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resume connector {Connector}; its reminder will")]
    private partial void LogResumeFailed(Exception ex, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the reminder table to resume connectors; their reminders will")]
    private partial void LogReadFailed(Exception ex);
}
