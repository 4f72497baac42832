namespace Apperate.Actors.Rules.Engine;

/// <summary>
/// The per-key memory of a rule's stateful conditions (<c>changedBy%</c>, <c>crossesAbove</c>, <c>crossesBelow</c>):
/// the value each saw at the previous event of the same key.
/// </summary>
/// <remarks>
/// The caller binds an instance to the record's key (and the rule's state generation) before evaluating it, and decides
/// whether <see cref="SetPrevious"/> persists: with <c>updateState=false</c> it evaluates against the stored state and
/// drops the update. Conditions are numbered by their position in the rule; conditions that keep no state never call it.
/// </remarks>
public interface IConditionState
{
    /// <summary>The value condition <paramref name="condition"/> recorded at this key's previous event, if any.</summary>
    bool TryGetPrevious(int condition, out double value);

    /// <summary>Records the value condition <paramref name="condition"/> saw at this event.</summary>
    void SetPrevious(int condition, double value);
}
