using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors;

/// <summary>
/// A kind of data source (COINBASE, ETHEREUM, MYSQL): discovers the streams a configuration offers, describes the
/// dataset each stream fills, and reads a stream as batches of records from a checkpoint. One class per type,
/// registered in <see cref="ConnectorSources"/>; the connector grain owns everything else (state machine, retries,
/// writes, checkpoint storage).
/// </summary>
/// <remarks>
/// Implementations are called on the thread pool, never on a grain's scheduler, and must be safe to call from several
/// connectors at once. Records must carry a deterministic unique index (key + subkey + date), so re-reading after a
/// reconnect or a resume stores nothing twice.
/// </remarks>
public interface IConnectorSource
{
    /// <summary>The connector type this source implements, upper case (e.g. <c>COINBASE</c>).</summary>
    string ConnectorType { get; }

    /// <summary>
    /// The streams <paramref name="configJson"/> (already valid against the type's schema) offers, each with the
    /// schema and index of the dataset it fills. Throws <see cref="ConnectorSourceException"/> with the source's own
    /// reason when the source refuses the configuration.
    /// </summary>
    Task<SourceStream[]> DiscoverAsync(string configJson, CancellationToken cancellationToken);

    /// <summary>
    /// Reads <see cref="SourceRun.Stream"/> from <see cref="SourceRun.Checkpoint"/> until canceled. Each batch's rows
    /// are aligned with the stream's schema properties, and its checkpoint is where a later run resumes once the batch
    /// is stored. A failure throws: <see cref="ConnectorSourceException.Fatal"/> ones stop the connector at once, any
    /// other is retried with backoff.
    /// </summary>
    IAsyncEnumerable<SourceBatch> ReadAsync(SourceRun run, CancellationToken cancellationToken);
}

/// <summary>A stream of a source and the dataset shape it fills.</summary>
/// <param name="Id">The stream id (e.g. <c>ticker</c>).</param>
/// <param name="Schema">The dataset schema its records have.</param>
/// <param name="ColumnMapping">The dataset's unique index.</param>
[GenerateSerializer, Alias("apperate.SourceStream")]
public sealed record SourceStream(
    [property: Id(0)] string Id,
    [property: Id(1)] DatasetSchema Schema,
    [property: Id(2)] ColumnMapping ColumnMapping)
{
    /// <summary>The schema's property names: the columns of every batch of this stream.</summary>
    public string[] Columns => Array.ConvertAll(Schema.Properties, p => p.Name);
}

/// <summary>One batch read from a source.</summary>
/// <param name="Records">The records, their columns being the stream's schema properties.</param>
/// <param name="Checkpoint">Where to resume once these records are stored (opaque to everything but the source).</param>
/// <param name="ReplacedKeys">
/// Keys whose stored records are deleted before <paramref name="Records"/> are written: records the source replaces
/// wholesale (the blocks of an orphaned chain), whose new versions may have other subkeys or dates.
/// </param>
/// <param name="ReplacedFrom">
/// A date (epoch ms): the stored records of every key dated at or after it are deleted before <paramref name="Records"/>
/// are written — for records keyed otherwise than by what a source replaces (contract logs of an orphaned chain).
/// </param>
public sealed record SourceBatch(RecordBatch Records, string? Checkpoint, string[]? ReplacedKeys = null, long? ReplacedFrom = null);

/// <summary>What a run reads.</summary>
/// <param name="ConfigJson">The connector's configuration.</param>
/// <param name="Stream">The selected stream.</param>
/// <param name="Checkpoint">The checkpoint of the last stored batch, or null to start from the source's present.</param>
/// <param name="Monitor">Receives events that do not end the run (reconnects).</param>
public sealed record SourceRun(string ConfigJson, SourceStream Stream, string? Checkpoint, ISourceMonitor Monitor);

/// <summary>Events a source reports while it keeps running.</summary>
public interface ISourceMonitor
{
    /// <summary>The source lost its connection and connected again on its own.</summary>
    void Reconnected(string reason);
}

/// <summary>A failure reported by a source, in the source's own words.</summary>
/// <param name="message">The reason, shown as the connector's error.</param>
/// <param name="fatal">True when retrying cannot help (the source refused the configuration).</param>
public sealed class ConnectorSourceException(string message, bool fatal, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when retrying cannot help.</summary>
    public bool Fatal { get; } = fatal;
}

/// <summary>The registered sources by connector type.</summary>
public sealed class ConnectorSources(IEnumerable<IConnectorSource> sources)
{
    private readonly Dictionary<string, IConnectorSource> _byType = sources.ToDictionary(s => s.ConnectorType, StringComparer.Ordinal);

    /// <summary>The source of <paramref name="type"/>, or null when this version has none.</summary>
    public IConnectorSource? Find(string type) => _byType.GetValueOrDefault(type);

    /// <summary>The types that can be created, in <see cref="ConnectorSchemas.Types"/> order.</summary>
    public string[] Available => ConnectorSchemas.Types.Where(_byType.ContainsKey).ToArray();
}
