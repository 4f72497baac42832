using Apperate.Actors.Rules.Engine.Conditions;

namespace Apperate.Actors.Rules.Engine;

/// <summary>How a <see cref="RuleFilter"/> narrows the records a rule can pass for.</summary>
public enum RuleFilterKind
{
    /// <summary>Only records whose number is at or above <see cref="RuleFilter.Bound"/> (from <c>&gt;</c>, <c>&gt;=</c>, <c>between</c>).</summary>
    AtLeast,

    /// <summary>Only records whose number is at or below <see cref="RuleFilter.Bound"/> (from <c>&lt;</c>, <c>&lt;=</c>).</summary>
    AtMost,

    /// <summary>Only records whose number equals <see cref="RuleFilter.Bound"/> (from <c>=</c>).</summary>
    EqualTo,

    /// <summary>Only records whose string is one of <see cref="RuleFilter.Strings"/> (from <c>=</c>, <c>in</c>).</summary>
    OneOf,
}

/// <summary>
/// A condition every record a rule passes for must meet, in a form an index can look up: one property of the record
/// (top level, declared number, integer or string) against constants. Made by <see cref="RuleCompiler"/>.
/// </summary>
/// <remarks>
/// A filter is necessary, not sufficient: a record it admits is still evaluated by the whole rule. Numbers compare as
/// doubles, so the filter admits every record the exact comparison (64-bit integers where both sides are whole) can
/// pass, and a few more at the edges of double precision; a value that is not a number (NaN) is admitted by every
/// numeric filter. A rule has a filter only when it keeps no per-key state (stateful conditions must see every event
/// of their key) and it is an <c>all</c> rule, or an <c>any</c> rule with a single condition.
/// </remarks>
/// <param name="Property">The top-level property, as declared.</param>
/// <param name="Kind">What the property's value must be.</param>
/// <param name="Bound">The number, for the numeric kinds.</param>
/// <param name="Strings">The strings, for <see cref="RuleFilterKind.OneOf"/>; ordinal.</param>
public sealed record RuleFilter(string Property, RuleFilterKind Kind, double Bound, string[] Strings)
{
    /// <summary>The most selective filter among <paramref name="conditions"/>, or null when none can be indexed.</summary>
    internal static RuleFilter? Choose(RuleMatch type, ConditionEvaluator[] conditions, FactRef[] facts)
    {
        if (Array.Exists(conditions, c => c.IsStateful) || (type == RuleMatch.Any && conditions.Length != 1)) return null;
        RuleFilter? best = null;
        foreach (var c in conditions)
        {
            var fact = facts[c.Fact];
            if (fact.IsDynamic) continue;
            var filter = From(c, fact);
            if (filter is not null && (best is null || Rank(filter.Kind) < Rank(best.Kind))) best = filter;
        }
        return best;
    }

    private static RuleFilter? From(ConditionEvaluator c, FactRef fact) => (c, fact.Operand) switch
    {
        (NumberCondition { Op: OperatorKind.GreaterThan or OperatorKind.AtLeast } n, OperandType.Number) => new(fact.Property, RuleFilterKind.AtLeast, n.Literal.Double, []),
        (NumberCondition { Op: OperatorKind.LessThan or OperatorKind.AtMost } n, OperandType.Number) => new(fact.Property, RuleFilterKind.AtMost, n.Literal.Double, []),
        (NumberCondition { Op: OperatorKind.Equal } n, OperandType.Number) => new(fact.Property, RuleFilterKind.EqualTo, n.Literal.Double, []),
        (NumberBetweenCondition b, OperandType.Number) => new(fact.Property, RuleFilterKind.AtLeast, b.Low.Double, []),
        (StringCondition { Op: OperatorKind.Equal } s, OperandType.String) => new(fact.Property, RuleFilterKind.OneOf, 0, [s.Literal]),
        (StringSetCondition { Member: true } s, OperandType.String) => new(fact.Property, RuleFilterKind.OneOf, 0, s.Values),
        _ => null,
    };

    /// <summary>Equality admits fewest records, so it is preferred over a range.</summary>
    private static int Rank(RuleFilterKind kind) => kind is RuleFilterKind.EqualTo or RuleFilterKind.OneOf ? 0 : 1;
}
