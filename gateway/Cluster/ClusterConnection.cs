using Apperate.Actors.Gateway.Endpoints;

namespace Apperate.Actors.Gateway.Standalone.Cluster;

/// <summary>
/// The standalone gateway's connection to its cluster: keeps trying to connect for as long as the gateway runs, and
/// tells <c>/readyz</c> (and the API guard) whether the Orleans client is connected.
/// </summary>
/// <remarks>
/// Connected means the Orleans client finished connecting (the host has started: its hosted service's start is the
/// connect, retried here) and at least one silo gateway connection is open. Silos may start after the
/// gateway, and all of them may go away and come back; the client reconnects by itself, and readiness follows.
/// </remarks>
public sealed partial class ClusterConnection(IHostApplicationLifetime lifetime, IServiceProvider services, ILogger<ClusterConnection> logger)
    : IReadinessCheck, IClusterConnectionStatusObserver, IClientConnectionRetryFilter
{
    /// <summary>
    /// How long the gateway may have no open connection to any silo before it says so: the Orleans client opens
    /// connections to silos as calls need them, so losing the one silo it happened to use leaves it none until the next
    /// call (or the probe below) opens one to another silo.
    /// </summary>
    /// <remarks>
    /// Longer than the silos take to declare a dead silo dead (two missed 2 s probes): until then the call that would
    /// open a new connection may be routed to the dead silo's grains and wait.
    /// </remarks>
    public static readonly TimeSpan ReconnectGrace = TimeSpan.FromSeconds(10);

    /// <summary>How long one probing call may take before the next is sent.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often a gateway without a connection makes a call to the cluster, which opens one to a live silo.</summary>
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>How long to wait between two connection attempts: briefly at first (silos starting alongside), then longer.</summary>
    public static TimeSpan RetryDelay(int attempt) => attempt <= 30 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);

    // Taken now: the host disposes its lifetime when it stops, while the client may still report.
    private readonly CancellationToken _started = lifetime.ApplicationStarted;
    private readonly CancellationToken _stopping = lifetime.ApplicationStopping;
    private int _gateways;
    private int _attempts;
    private int _probing;
    private long _lostAt;
    private volatile string? _lastError;

    /// <summary>Null while connected, else why not.</summary>
    public string? Problem
    {
        get
        {
            if (!_started.IsCancellationRequested)
                return $"not connected to the cluster yet (retrying): {_lastError ?? "connecting"}";
            if (Volatile.Read(ref _gateways) > 0) return null;
            return Environment.TickCount64 - Interlocked.Read(ref _lostAt) > (long)ReconnectGrace.TotalMilliseconds
                ? "lost the connection to every silo of the cluster (reconnecting)"
                : null;
        }
    }

    /// <inheritdoc />
    public Task<string?> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(Problem);

    /// <inheritdoc />
    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        _lastError = exception.Message;
        // The first failure and then one in a while: a gateway waiting for its silos should not flood the log.
        var attempt = Interlocked.Increment(ref _attempts);
        if (attempt == 1 || attempt % 30 == 0) LogNotConnected(attempt, exception.Message);
        try
        {
            await Task.Delay(RetryDelay(attempt), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return !cancellationToken.IsCancellationRequested;
    }

    /// <inheritdoc />
    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        Volatile.Write(ref _gateways, currentNumberOfGateways);
        if (connectionRecovered) LogConnected(currentNumberOfGateways);
    }

    /// <inheritdoc />
    public void NotifyClusterConnectionLost()
    {
        Volatile.Write(ref _gateways, 0);
        Interlocked.Exchange(ref _lostAt, Environment.TickCount64);
        // The client closes its connections itself when the gateway stops.
        if (_stopping.IsCancellationRequested) return;
        LogLost();
        if (Interlocked.Exchange(ref _probing, 1) == 0) _ = ProbeAsync();
    }

    /// <summary>Calls the cluster until a connection is open again (a call opens one to a live silo), or the gateway stops.</summary>
    private async Task ProbeAsync()
    {
        try
        {
            var client = services.GetRequiredService<IClusterClient>();
            while (Volatile.Read(ref _gateways) == 0 && !_stopping.IsCancellationRequested)
            {
                try
                {
                    await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ProbeTimeout, _stopping);
                }
                catch (Exception) when (!_stopping.IsCancellationRequested)
                {
                    // No silo reachable yet: try again shortly.
                }
                await Task.Delay(ProbeEvery, _stopping);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not connected to the cluster after {Attempts} attempts, retrying: {Reason}")]
    private partial void LogNotConnected(int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the cluster through {Gateways} silo gateways")]
    private partial void LogConnected(int gateways);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No open connection to any silo of the cluster; reconnecting")]
    private partial void LogLost();
}
