namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary><c>exists</c> / <c>notExists</c>: whether the fact has a non-null value.</summary>
internal sealed class ExistsCondition(int fact, bool exists) : ConditionEvaluator(fact)
{
    public bool Exists { get; } = exists;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) => facts.IsPresent(Fact) == Exists;
}

/// <summary>A number fact against a number: <c>&gt; &gt;= &lt; &lt;= = !=</c>.</summary>
internal sealed class NumberCondition(int fact, OperatorKind op, Num literal) : ConditionEvaluator(fact)
{
    public OperatorKind Op { get; } = op;

    public Num Literal { get; } = literal;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryNumber(Fact, out var value) && Holds(Op, Num.Compare(value, Literal));
}

/// <summary><c>between [low, high]</c> on numbers, both bounds included.</summary>
internal sealed class NumberBetweenCondition(int fact, Num low, Num high) : ConditionEvaluator(fact)
{
    public Num Low { get; } = low;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryNumber(Fact, out var value) && Num.Compare(value, Low) >= 0 && Num.Compare(value, high) <= 0;
}

/// <summary>A boolean fact against <c>true</c> or <c>false</c>: <c>=</c> / <c>!=</c>.</summary>
internal sealed class BooleanCondition(int fact, bool literal, bool equal) : ConditionEvaluator(fact)
{
    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryBoolean(Fact, out var value) && (value == literal) == equal;
}

/// <summary>A date fact against an instant: <c>&gt; &gt;= &lt; &lt;= = !=</c>, compared as epoch ms.</summary>
internal sealed class InstantCondition(int fact, OperatorKind op, long epochMs) : ConditionEvaluator(fact)
{
    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryInstant(Fact, out var value) && Holds(op, value.CompareTo(epochMs));
}

/// <summary><c>between [a, b]</c> on dates, both instants included.</summary>
internal sealed class InstantBetweenCondition(int fact, long low, long high) : ConditionEvaluator(fact)
{
    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryInstant(Fact, out var value) && value >= low && value <= high;
}

/// <summary>
/// <c>between</c> / <c>within</c> <c>"HH:MM:SS - HH:MM:SS"</c>: the fact's UTC time of day, to the second, lies in the
/// window, both ends included. A window whose start is after its end wraps past midnight.
/// </summary>
internal sealed class TimeWindowCondition(int fact, int startSecond, int endSecond) : ConditionEvaluator(fact)
{
    private const long DayMs = 86_400_000;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition)
    {
        if (!facts.TryInstant(Fact, out var ms)) return false;
        var second = (int)((ms % DayMs + DayMs) % DayMs / 1000);
        return startSecond <= endSecond
            ? second >= startSecond && second <= endSecond
            : second >= startSecond || second <= endSecond;
    }
}
