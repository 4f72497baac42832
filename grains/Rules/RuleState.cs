namespace Apperate.Actors.Rules;

/// <summary>The persisted state of a rule grain.</summary>
[GenerateSerializer, Alias("apperate.RuleState")]
public sealed class RuleState
{
    /// <summary>The rule with its secrets; kept after a delete so alerts already raised can still be delivered.</summary>
    [Id(0)] public RuleDefinition? Definition { get; set; }

    /// <summary>True once the rule is deleted.</summary>
    [Id(1)] public bool Deleted { get; set; }

    /// <summary>True while the dataset grain may not have the latest definition (a change was interrupted); repaired at the next activation.</summary>
    [Id(2)] public bool Unsynced { get; set; }

    /// <summary>Dead letters and alerts dropped because their output was disabled.</summary>
    [Id(3)] public long DeliveryFailed { get; set; }

    /// <summary>The last delivery error.</summary>
    [Id(4)] public string? LastError { get; set; }
}
