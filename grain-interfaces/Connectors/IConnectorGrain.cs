namespace Apperate.Actors.Connectors;

/// <summary>
/// One data-source connector of a workspace: its configuration, its state machine
/// (<c>pending → received → ready → running ⇄ stopped</c>, any → <c>errored</c>), the stream it reads, its checkpoint
/// and statistics. Keyed by <see cref="ConnectorNames.GrainKey"/> (<c>WORKSPACE/NAME</c>, upper case).
/// </summary>
/// <remarks>
/// A running connector keeps running across deactivations and silo restarts (a reminder wakes it; it resumes from
/// its last checkpoint). Expected failures raise <see cref="ApperateException"/>: bad input is
/// <see cref="ErrorKind.Invalid"/>, an illegal state change <see cref="ErrorKind.Conflict"/> naming the current state.
/// </remarks>
public interface IConnectorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the connector from <paramref name="definitionJson"/>, a JSON object that fits its type's schema
    /// (<c>connectorType</c>, <c>datasetId</c>, <c>config</c>, <c>wait</c>, optional <c>description</c>), and starts
    /// discovering the source's streams in the background (status <c>pending</c>).
    /// </summary>
    /// <param name="workspace">The workspace name as created.</param>
    /// <param name="name">The connector name as given (<see cref="Names.CheckConnector"/>).</param>
    /// <param name="definitionJson">The definition; every schema violation is listed in the raised exception.</param>
    [ResponseTimeout(CallTimeouts.Scan)]
    Task<ConnectorInfo> CreateAsync(string workspace, string name, string definitionJson);

    /// <summary>The connector with secrets masked, or null when it does not exist.</summary>
    Task<ConnectorInfo?> GetAsync();

    /// <summary>
    /// Applies a change: <c>selectedStream</c> (→ <c>ready</c>), <c>status</c> <c>running</c> or <c>stopped</c>, or new
    /// <c>config</c>/<c>datasetId</c>/<c>wait</c>/<c>description</c> (only while not running; a new config discovers
    /// the streams again). <paramref name="changeJson"/> is a JSON object with any of these members.
    /// </summary>
    [ResponseTimeout(CallTimeouts.Scan)]
    Task<ConnectorInfo> UpdateAsync(string changeJson);

    /// <summary>Stops the connector if it runs and removes it. Records already written stay in the dataset.</summary>
    [ResponseTimeout(CallTimeouts.Scan)]
    Task DeleteAsync();

    /// <summary>Makes sure a connector whose status is <c>running</c> has its reading loop going (used at start-up).</summary>
    [ResponseTimeout(CallTimeouts.Scan)]
    Task ResumeAsync();
}

/// <summary>Connector grain keys.</summary>
public static class ConnectorNames
{
    /// <summary>The key of a connector grain: <c>WORKSPACE/NAME</c>, upper case (lookups ignore case).</summary>
    public static string GrainKey(string workspace, string name) => $"{Names.Normalize(workspace)}/{Names.Normalize(name)}";

    /// <summary>The connector's job id as shown in its state: the name in lower case.</summary>
    public static string JobId(string name) => name.ToLowerInvariant();
}
