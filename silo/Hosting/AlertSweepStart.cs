using Apperate.Actors.Rules.Delivery;

namespace Apperate.Actors.Silo.Hosting;

/// <summary>
/// At start-up, makes sure the alert sweeper's reminder exists and sweeps once, so deliveries pending before a restart
/// resume within seconds instead of at the reminder's next tick.
/// </summary>
public sealed partial class AlertSweepStart(IGrainFactory grains, ILogger<AlertSweepStart> logger) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // In the background: readiness does not wait for deliveries.
        _ = Task.Run(async () =>
        {
            try
            {
                await grains.GetGrain<IAlertSweeperGrain>(AlertSweeperGrain.Key).StartAsync();
            }
            catch (Exception ex)
            {
                LogStartFailed(ex);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start the alert sweeper now; its reminder, once registered, still sweeps every minute")]
    private partial void LogStartFailed(Exception ex);
}
