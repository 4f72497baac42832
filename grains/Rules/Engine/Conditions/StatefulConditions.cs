namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>
/// <c>changedBy% p</c>: the value moved by at least <c>p</c> percent of the key's previous value
/// (|cur − prev| × 100 ≥ p × |prev|; from a previous 0, any change). The key's first value only sets state.
/// </summary>
/// <remarks>The test is written as a product rather than a quotient so that 100 → 101 is exactly 1 %.</remarks>
internal sealed class ChangedByCondition(int fact, double percent) : ConditionEvaluator(fact)
{
    public override bool IsStateful => true;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition)
    {
        if (!facts.TryNumber(Fact, out var value)) return false;
        var current = value.Double;
        var passed = state.TryGetPrevious(condition, out var previous)
            && (previous == 0 ? current != 0 : Math.Abs(current - previous) * 100 >= percent * Math.Abs(previous));
        state.SetPrevious(condition, current);
        return passed;
    }
}

/// <summary>
/// <c>crossesAbove</c> / <c>crossesBelow</c> a threshold: a literal number, or another fact of the record (then the
/// difference left − right is what crosses zero). Above: previous ≤ threshold and current &gt; threshold; below:
/// previous ≥ threshold and current &lt; threshold. The key's first value only sets state.
/// </summary>
internal sealed class CrossesCondition : ConditionEvaluator
{
    private readonly bool _above;
    private readonly double _threshold;
    private readonly int _rightFact;

    /// <summary>Against a literal threshold.</summary>
    public CrossesCondition(int fact, bool above, double threshold) : base(fact)
    {
        _above = above;
        _threshold = threshold;
        _rightFact = -1;
    }

    /// <summary>Against another fact of the record.</summary>
    public CrossesCondition(int fact, bool above, int rightFact) : base(fact)
    {
        _above = above;
        _rightFact = rightFact;
    }

    public override bool IsStateful => true;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition)
    {
        if (!facts.TryNumber(Fact, out var left)) return false;
        double current;
        if (_rightFact < 0)
        {
            current = left.Double - _threshold;
        }
        else
        {
            if (!facts.TryNumber(_rightFact, out var right)) return false;
            current = left.Double - right.Double;
        }
        // Tracked as the distance to the threshold, so a fact threshold that moves is handled like a fixed one.
        var passed = state.TryGetPrevious(condition, out var previous) && (_above ? previous <= 0 && current > 0 : previous >= 0 && current < 0);
        state.SetPrevious(condition, current);
        return passed;
    }
}
