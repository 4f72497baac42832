namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>One compiled condition: its operator and literals decided at compile time, only the row's value read per record.</summary>
/// <remarks>
/// Every evaluator answers false for an absent or null fact value, except <c>notExists</c>. Evaluators are immutable and
/// may be shared across threads; per-evaluation data lives in the <see cref="FactReader"/>, per-key data in the
/// <see cref="IConditionState"/>.
/// </remarks>
/// <param name="fact">The fact on the condition's left side.</param>
internal abstract class ConditionEvaluator(int fact)
{
    /// <summary>The fact on the left side (an index into the rule's facts).</summary>
    public int Fact { get; } = fact;

    /// <summary>True when the evaluator keeps per-key state in <see cref="IConditionState"/>.</summary>
    public virtual bool IsStateful => false;

    /// <summary>Evaluates the condition for the record <paramref name="facts"/> reads.</summary>
    /// <param name="facts">The record's facts.</param>
    /// <param name="state">The per-key state of the record's key (used by stateful conditions only).</param>
    /// <param name="condition">This condition's position in the rule: its slot in <paramref name="state"/>.</param>
    public abstract bool Evaluate(ref FactReader facts, IConditionState state, int condition);

    /// <summary>Whether <paramref name="comparison"/> (a <c>CompareTo</c> result) satisfies an ordering or equality operator.</summary>
    protected static bool Holds(OperatorKind op, int comparison) => op switch
    {
        OperatorKind.GreaterThan => comparison > 0,
        OperatorKind.AtLeast => comparison >= 0,
        OperatorKind.LessThan => comparison < 0,
        OperatorKind.AtMost => comparison <= 0,
        OperatorKind.Equal => comparison == 0,
        OperatorKind.NotEqual => comparison != 0,
        _ => false,
    };

    /// <summary>The string operators, ordinal (case-sensitive), as JSON strings compare.</summary>
    protected static bool Holds(OperatorKind op, string value, string operand) => op switch
    {
        OperatorKind.Equal => string.Equals(value, operand, StringComparison.Ordinal),
        OperatorKind.NotEqual => !string.Equals(value, operand, StringComparison.Ordinal),
        OperatorKind.Contains => value.Contains(operand, StringComparison.Ordinal),
        OperatorKind.StartsWith => value.StartsWith(operand, StringComparison.Ordinal),
        OperatorKind.EndsWith => value.EndsWith(operand, StringComparison.Ordinal),
        _ => false,
    };
}
