namespace Apperate.Actors.Connectors;

/// <summary>
/// The connector state machine's rules: which change is legal in which state. Illegal ones raise a conflict (409)
/// naming the connector's current state; an unknown stream is bad input (400).
/// </summary>
/// <remarks>
/// <code>
/// pending  → received (streams discovered) | errored (discovery failed)
/// received → ready (select a stream)
/// ready    → ready (select another) | running
/// running  → stopped | errored (fatal source error, or too many failures in a row)
/// stopped  → ready (select another) | running (resumes from the checkpoint)
/// errored  → ready (select, when streams are known) | running (when a stream is selected) | stopped
/// any but running → pending (new config: streams are discovered again)
/// </code>
/// </remarks>
public static class ConnectorTransitions
{
    /// <summary>The status as the API writes it.</summary>
    public static string Name(ConnectorStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Selecting <paramref name="stream"/> (→ ready).</summary>
    public static void CheckSelect(string connector, ConnectorStatus status, string[] streams, string stream)
    {
        switch (status)
        {
            case ConnectorStatus.Pending:
                throw Conflict(connector, status, "its streams are still being discovered; select one once it is received");
            case ConnectorStatus.Running:
                throw Conflict(connector, status, "stop it before selecting a stream");
            case ConnectorStatus.Errored when streams.Length == 0:
                throw Conflict(connector, status, "it has no streams; change its config to discover them again");
        }
        if (!streams.Contains(stream, StringComparer.Ordinal))
            throw ApperateException.Invalid("selectedStream", $"'{stream}' is not a stream of connector '{connector}'; its streams are: {string.Join(", ", streams)}");
    }

    /// <summary>Setting the status to running. Returns false when it already runs (nothing to do).</summary>
    public static bool CheckStart(string connector, ConnectorStatus status, string? selectedStream)
    {
        if (status == ConnectorStatus.Running) return false;
        if (status is ConnectorStatus.Pending or ConnectorStatus.Received || selectedStream is null)
            throw Conflict(connector, status, "select a stream (PUT {\"selectedStream\": …}) before running it");
        return true;
    }

    /// <summary>Setting the status to stopped. Returns false when it is already stopped (nothing to do).</summary>
    public static bool CheckStop(string connector, ConnectorStatus status) => status switch
    {
        ConnectorStatus.Running or ConnectorStatus.Errored => true,
        ConnectorStatus.Stopped => false,
        _ => throw Conflict(connector, status, "only a running connector can be stopped"),
    };

    /// <summary>Changing config, datasetId, wait or description.</summary>
    public static void CheckChange(string connector, ConnectorStatus status)
    {
        if (status == ConnectorStatus.Running) throw Conflict(connector, status, "stop it before changing its definition");
    }

    private static ApperateException Conflict(string connector, ConnectorStatus status, string what) =>
        ApperateException.Conflict($"Connector '{connector}' is {Name(status)}: {what}");
}
