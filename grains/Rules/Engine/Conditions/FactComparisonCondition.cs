namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>
/// Two facts of the same record compared (<c>["$index[0]", "&gt;", "$index[1]"]</c>) as <paramref name="type"/>: the
/// declared type of either side, or, when both sides are nested or <c>any</c> facts, whatever both values turn out to be.
/// </summary>
internal sealed class FactComparisonCondition(int left, OperatorKind op, int right, OperandType type) : ConditionEvaluator(left)
{
    public override bool Evaluate(ref FactReader facts, IConditionState state, int condition)
    {
        switch (type)
        {
            case OperandType.Number:
                return CompareNumbers(ref facts, out var n) && Holds(op, n);
            case OperandType.Date:
                return CompareInstants(ref facts, out var d) && Holds(op, d);
            case OperandType.String:
                return facts.TryString(Fact, out var l) && facts.TryString(right, out var r) && Holds(op, l, r);
            case OperandType.Boolean:
                return facts.TryBoolean(Fact, out var lb) && facts.TryBoolean(right, out var rb) && Holds(op, lb.CompareTo(rb));
            default:
                // Both sides dynamic: numbers compare as numbers; ordering of strings means dates; equality of strings is text.
                if (CompareNumbers(ref facts, out var c)) return Holds(op, c);
                if (op is OperatorKind.GreaterThan or OperatorKind.AtLeast or OperatorKind.LessThan or OperatorKind.AtMost)
                    return CompareInstants(ref facts, out c) && Holds(op, c);
                if (facts.TryString(Fact, out var ls) && facts.TryString(right, out var rs)) return Holds(op, ls, rs);
                return op is OperatorKind.Equal or OperatorKind.NotEqual
                    && facts.TryBoolean(Fact, out var lv) && facts.TryBoolean(right, out var rv) && Holds(op, lv.CompareTo(rv));
        }
    }

    private bool CompareNumbers(ref FactReader facts, out int comparison)
    {
        comparison = 0;
        if (!facts.TryNumber(Fact, out var l) || !facts.TryNumber(right, out var r)) return false;
        comparison = Num.Compare(l, r);
        return true;
    }

    private bool CompareInstants(ref FactReader facts, out int comparison)
    {
        comparison = 0;
        if (!facts.TryInstant(Fact, out var l) || !facts.TryInstant(right, out var r)) return false;
        comparison = l.CompareTo(r);
        return true;
    }
}
