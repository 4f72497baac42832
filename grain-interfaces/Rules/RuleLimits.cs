namespace Apperate.Actors.Rules;

/// <summary>The bounds of one rule, checked when it is created or edited.</summary>
/// <remarks>Generous for any real rule; they exist so one request cannot make a rule that is costly to evaluate on every write.</remarks>
public static class RuleLimits
{
    /// <summary>The longest rule name, in characters (after trimming).</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest throttle: 366 days, in seconds.</summary>
    public const long MaxFrequencySeconds = 366L * 24 * 3600;

    /// <summary>The most conditions in a rule.</summary>
    public const int MaxConditions = 50;

    /// <summary>The most facts in <c>index</c> (after bare property names were added) and in <c>additionalIndex</c>, each.</summary>
    public const int MaxFacts = 50;

    /// <summary>The most outputs in a rule.</summary>
    public const int MaxOutputs = 10;

    /// <summary>The most extra headers on a webhook output.</summary>
    public const int MaxHeaders = 20;
}
