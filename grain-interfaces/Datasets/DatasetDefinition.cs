namespace Apperate.Actors.Datasets;

/// <summary>Everything that defines a dataset except its rows.</summary>
/// <param name="Workspace">The workspace name, as created.</param>
/// <param name="DatasetId">The dataset id, as created (lookups ignore case).</param>
/// <param name="Title">Optional title.</param>
/// <param name="Description">Optional description.</param>
/// <param name="Schema">The schema.</param>
/// <param name="ColumnMapping">The unique index mapping.</param>
/// <param name="Created">Creation time, epoch ms.</param>
/// <param name="Updated">Last definition change, epoch ms.</param>
/// <param name="Version">Incremented on every schema change; writers validated against an older version stay valid because changes are additive.</param>
/// <param name="TableName">The record-store table holding the rows; it does not change on rename.</param>
[GenerateSerializer, Alias("apperate.DatasetDefinition")]
public sealed record DatasetDefinition(
    [property: Id(0)] string Workspace,
    [property: Id(1)] string DatasetId,
    [property: Id(2)] string? Title,
    [property: Id(3)] string? Description,
    [property: Id(4)] DatasetSchema Schema,
    [property: Id(5)] ColumnMapping ColumnMapping,
    [property: Id(6)] long Created,
    [property: Id(7)] long Updated,
    [property: Id(8)] int Version,
    [property: Id(9)] string TableName);

/// <summary>A dataset definition with its stored row count.</summary>
[GenerateSerializer, Alias("apperate.DatasetInfo")]
public sealed record DatasetInfo([property: Id(0)] DatasetDefinition Definition, [property: Id(1)] long Records);
