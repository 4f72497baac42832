using System.Threading.Channels;
using Apperate.Actors.Gateway.Errors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Gateway.Ingest;

/// <summary>
/// Runs the batch loads answered 202 (<c>wait=false</c>): each starts as soon as it is handed over, several may run at
/// once, and a stopping host cancels them (the job records why) and waits for them before the cluster client goes.
/// </summary>
public sealed partial class BackgroundLoads(ILogger<BackgroundLoads> logger) : BackgroundService
{
    private readonly Channel<Func<CancellationToken, Task>> _loads = Channel.CreateUnbounded<Func<CancellationToken, Task>>(
        new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Hands a load over; it runs with the host's stopping token.</summary>
    /// <exception cref="ProblemException">503 when the host is stopping.</exception>
    public void Start(Func<CancellationToken, Task> load)
    {
        if (!_loads.Writer.TryWrite(load))
            throw new ProblemException(503, "The service is shutting down and starts no batch load.", retryAfter: TimeSpan.FromSeconds(5));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        try
        {
            await foreach (var load in _loads.Reader.ReadAllAsync(stoppingToken))
            {
                running.RemoveAll(t => t.IsCompleted);
                running.Add(RunAsync(load, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: take no more, and wait for the loads under way to notice.
        }
        _loads.Writer.TryComplete();
        await Task.WhenAll(running);
    }

    private async Task RunAsync(Func<CancellationToken, Task> load, CancellationToken stoppingToken)
    {
        // Off the reader's loop at once: a load parses and validates on the thread pool for as long as it needs.
        await Task.Yield();
        try
        {
            await load(stoppingToken);
        }
        catch (Exception ex)
        {
            // The runner records a job's failure on the job; this is only what escaped it.
            LogLoadFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A background batch load failed outside its job")]
    private partial void LogLoadFailed(Exception ex);
}
