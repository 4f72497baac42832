namespace Apperate.Actors.Connectors;

/// <summary>Where a connector is in its life.</summary>
[GenerateSerializer, Alias("apperate.ConnectorStatus")]
public enum ConnectorStatus
{
    /// <summary>Created; the source's streams are being discovered.</summary>
    Pending = 0,
    /// <summary>The streams are known; one must be selected.</summary>
    Received = 1,
    /// <summary>A stream is selected; the connector can run.</summary>
    Ready = 2,
    /// <summary>Reading the source and writing to the dataset.</summary>
    Running = 3,
    /// <summary>Stopped by the user; running again resumes from the checkpoint.</summary>
    Stopped = 4,
    /// <summary>Discovery or the run failed; <see cref="ConnectorInfo.Error"/> says why.</summary>
    Errored = 5,
}

/// <summary>Run statistics of a connector.</summary>
/// <param name="RecordsWritten">Records handed to the dataset since the connector was created.</param>
/// <param name="LastRecordTime">When the last batch was written, epoch ms, or null.</param>
/// <param name="Restarts">How often the reading loop started again after a failure or a reactivation.</param>
/// <param name="Reconnects">How often the source reconnected on its own (e.g. a dropped WebSocket).</param>
/// <param name="ConsecutiveFailures">Failures since the last successful batch; the run errors out past a bound.</param>
/// <param name="LastError">The last failure, or null.</param>
[GenerateSerializer, Alias("apperate.ConnectorStats")]
public sealed record ConnectorStats(
    [property: Id(0)] long RecordsWritten,
    [property: Id(1)] long? LastRecordTime,
    [property: Id(2)] int Restarts,
    [property: Id(3)] int Reconnects,
    [property: Id(4)] int ConsecutiveFailures,
    [property: Id(5)] string? LastError)
{
    /// <summary>Nothing yet.</summary>
    public static readonly ConnectorStats Empty = new(0, null, 0, 0, 0, null);
}

/// <summary>A connector as shown to callers; secrets in <see cref="ConfigJson"/> are masked.</summary>
/// <param name="Id">The name as created.</param>
/// <param name="Workspace">The workspace name.</param>
/// <param name="ConnectorType">COINBASE, ETHEREUM or MYSQL.</param>
/// <param name="DatasetId">The dataset the records go to.</param>
/// <param name="Description">Free text, empty when none.</param>
/// <param name="Wait">True: each batch is committed before the next is read; false: batches go through the async record stream.</param>
/// <param name="Status">The state.</param>
/// <param name="JobId">The name in lower case.</param>
/// <param name="ExecId">The id of the current or last run, or null before the first run.</param>
/// <param name="Error">Why the connector is errored, or null.</param>
/// <param name="Streams">The streams the source offers (known once <c>received</c>).</param>
/// <param name="SelectedStream">The stream being read, or null.</param>
/// <param name="Created">Creation time, epoch ms.</param>
/// <param name="Updated">Last change of definition or state, epoch ms.</param>
/// <param name="ConfigJson">The type-specific configuration as JSON, secrets masked.</param>
/// <param name="Stats">Run statistics.</param>
[GenerateSerializer, Alias("apperate.ConnectorInfo")]
public sealed record ConnectorInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Workspace,
    [property: Id(2)] string ConnectorType,
    [property: Id(3)] string DatasetId,
    [property: Id(4)] string Description,
    [property: Id(5)] bool Wait,
    [property: Id(6)] ConnectorStatus Status,
    [property: Id(7)] string JobId,
    [property: Id(8)] string? ExecId,
    [property: Id(9)] string? Error,
    [property: Id(10)] string[] Streams,
    [property: Id(11)] string? SelectedStream,
    [property: Id(12)] long Created,
    [property: Id(13)] long Updated,
    [property: Id(14)] string ConfigJson,
    [property: Id(15)] ConnectorStats Stats);
