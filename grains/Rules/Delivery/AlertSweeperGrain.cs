using Apperate.Actors.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Rules.Delivery;

/// <inheritdoc cref="IAlertSweeperGrain" />
public sealed partial class AlertSweeperGrain(IAlertStore alerts, IOptions<RulesOptions> options, ILogger<AlertSweeperGrain> logger)
    : Grain, IAlertSweeperGrain, IRemindable
{
    /// <summary>The one sweeper's key.</summary>
    public const string Key = "all";

    /// <summary>The reminder that keeps sweeping.</summary>
    public const string ReminderName = "apperate-alert-sweep";

    /// <summary>How often it sweeps (Orleans' minimum reminder period).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private const int MaxOutputs = 10_000;
    private const int PrunePage = 1_000;
    private const int MaxPrunePages = 20;

    /// <inheritdoc />
    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder(ReminderName, Period, Period);
        await SweepAsync();
    }

    /// <inheritdoc />
    public Task ReceiveReminder(string reminderName, TickStatus status) => SweepAsync();

    private async Task SweepAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Alerts due before the next sweep too: a woken delivery sets its own timers, so none waits a whole period extra.
        var due = await alerts.ReadDueOutputsAsync(now + (long)Period.TotalMilliseconds, MaxOutputs);
        foreach (var output in due) GrainFactory.GetGrain<IAlertDeliveryGrain>(output).WakeAsync([]).Ignore();
        if (due.Length > 0) LogWoken(due.Length);

        var before = now - (long)options.Value.AlertRetention.TotalMilliseconds;
        var pruned = 0;
        for (var page = 0; page < MaxPrunePages; page++)
        {
            var deleted = await alerts.PruneAsync(before, PrunePage);
            pruned += deleted;
            if (deleted < PrunePage) break;
        }
        if (pruned > 0) LogPruned(pruned);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Woke the delivery of {Count} rule outputs with alerts due")]
    private partial void LogWoken(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} delivered, dead or logged alerts past their retention")]
    private partial void LogPruned(int count);
}
