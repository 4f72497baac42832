namespace Apperate.Actors.Datasets;

/// <summary>The persisted state of a dataset grain: its definition, or null when the dataset does not exist.</summary>
[GenerateSerializer, Alias("apperate.DatasetState")]
public sealed class DatasetState
{
    [Id(0)] public DatasetDefinition? Definition { get; set; }
}
