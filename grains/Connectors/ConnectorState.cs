namespace Apperate.Actors.Connectors;

/// <summary>The persisted state of a connector grain; <see cref="Definition"/> is null while it does not exist.</summary>
[GenerateSerializer, Alias("apperate.ConnectorState")]
public sealed class ConnectorState
{
    [Id(0)] public string? Workspace { get; set; }

    /// <summary>The name as created.</summary>
    [Id(1)] public string? Name { get; set; }

    [Id(2)] public ConnectorDefinition? Definition { get; set; }

    [Id(3)] public ConnectorStatus Status { get; set; }

    /// <summary>Why the connector is errored.</summary>
    [Id(4)] public string? Error { get; set; }

    /// <summary>The current or last run.</summary>
    [Id(5)] public string? ExecId { get; set; }

    /// <summary>The discovered streams with their dataset shapes.</summary>
    [Id(6)] public SourceStream[] Streams { get; set; } = [];

    [Id(7)] public string? SelectedStream { get; set; }

    /// <summary>The source's checkpoint after the last stored batch of the selected stream.</summary>
    [Id(8)] public string? Checkpoint { get; set; }

    [Id(9)] public ConnectorStats Stats { get; set; } = ConnectorStats.Empty;

    [Id(10)] public long Created { get; set; }

    [Id(11)] public long Updated { get; set; }

    /// <summary>Identifies the discovery in flight, so a result for an older config is ignored.</summary>
    [Id(12)] public string? DiscoveryId { get; set; }
}
