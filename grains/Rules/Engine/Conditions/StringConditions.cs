namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>A string fact against a string: <c>= != contains startsWith endsWith</c>, ordinal (case-sensitive).</summary>
internal sealed class StringCondition(int fact, OperatorKind op, string literal) : ConditionEvaluator(fact)
{
    public OperatorKind Op { get; } = op;

    public string Literal { get; } = literal;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryString(Fact, out var value) && Holds(Op, value, Literal);
}

/// <summary><c>in</c> / <c>notIn</c> a list of strings, ordinal.</summary>
internal sealed class StringSetCondition(int fact, string[] values, bool member) : ConditionEvaluator(fact)
{
    private readonly HashSet<string> _set = new(values, StringComparer.Ordinal);

    /// <summary>The listed strings, in order.</summary>
    public string[] Values { get; } = values;

    /// <summary>True for <c>in</c>, false for <c>notIn</c>.</summary>
    public bool Member { get; } = member;

    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition) =>
        facts.TryString(Fact, out var value) && _set.Contains(value) == Member;
}
