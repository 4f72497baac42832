using Apperate.Actors.Rules;

namespace Apperate.Actors.Datasets;

/// <summary>
/// The persisted state of a dataset grain: its definition (null when the dataset does not exist) and the rules that
/// watch it (without secrets; each rule grain owns its rule and puts it here).
/// </summary>
[GenerateSerializer, Alias("apperate.DatasetState")]
public sealed class DatasetState
{
    [Id(0)] public DatasetDefinition? Definition { get; set; }

    [Id(1)] public Dictionary<string, RuleDefinition> Rules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The commit sequence at the last delete of records (or of the dataset): live followers below it start over
    /// (<see cref="LiveStatus.Reset"/>). It outlives a dataset delete, and a dataset created again under the same name
    /// continues its sequence above it, so a position from before the delete is never taken for one after it.
    /// </summary>
    [Id(2)] public long ResetSequence { get; set; }
}
