using Apperate.Actors.Datasets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Hosting;

/// <summary>
/// Graceful shutdown: before any service stops, refuse new writes (503) and wait until every accepted async write
/// has been committed. Runs in the stopping phase, while Kestrel and the Orleans silo or client are still up; used by
/// the silo and by the standalone gateway alike.
/// </summary>
public sealed partial class WriteDrain(WriteTracker tracker, IOptions<ApperateOptions> options, ILogger<WriteDrain> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        LogDraining(tracker.Outstanding);
        var left = await tracker.DrainAsync(options.Value.DrainTimeout, cancellationToken);
        if (left == 0) LogDrained();
        else LogNotDrained(left);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: writes refused, draining {Outstanding} accepted write batches")]
    private partial void LogDraining(long outstanding);

    [LoggerMessage(Level = LogLevel.Information, Message = "All accepted writes are stored")]
    private partial void LogDrained();

    [LoggerMessage(Level = LogLevel.Error, Message = "Shutdown drain timed out with {Outstanding} write batches not stored")]
    private partial void LogNotDrained(long outstanding);
}
