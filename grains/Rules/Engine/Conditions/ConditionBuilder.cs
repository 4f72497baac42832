using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>
/// Turns one condition's operator and right side into an evaluator, or into errors naming the part at fault
/// (<c>conditions[n][1]</c> for the operator, <c>conditions[n][2]</c> for the right side).
/// </summary>
/// <remarks>
/// The validator and the compiler both go through here, so a rule that was accepted compiles, and the type rules are
/// written once. Literals are parsed here, once; nothing is interpreted per record.
/// </remarks>
internal static class ConditionBuilder
{
    private const string WindowSyntax = "\"HH:MM:SS - HH:MM:SS\" (UTC time of day, e.g. \"09:30:00 - 16:00:00\")";
    private const string InstantSyntax = "a date (YYYY-MM-DD), an ISO 8601 date-time or epoch milliseconds";

    /// <summary>Builds the evaluator of condition <paramref name="n"/>.</summary>
    /// <param name="n">The condition's position, for error fields.</param>
    /// <param name="facts">The rule's facts; null entries are facts that failed to resolve (conditions on them are skipped).</param>
    /// <param name="left">The left side's fact.</param>
    /// <param name="op">The operator as written.</param>
    /// <param name="rightJson">The right side as JSON text, or null when absent.</param>
    /// <param name="referable">How many facts a right-side <c>$index[j]</c> may name.</param>
    /// <param name="errors">Problems are added here.</param>
    /// <returns>The evaluator, or null when there were problems (or a referenced fact had failed).</returns>
    public static ConditionEvaluator? Build(int n, IReadOnlyList<FactRef?> facts, int left, string op, string? rightJson, int referable, List<FieldError> errors)
    {
        var fact = facts[left];
        if (fact is null) return null;
        var operand = fact.Operand;
        var opField = $"conditions[{n}][1]";
        var rightField = $"conditions[{n}][2]";

        if (RuleOperators.Find(op) is not { } kind)
        {
            var hint = RuleOperators.CaseVariant(op) is { } variant ? $" (did you mean '{variant}'?)" : "";
            errors.Add(new FieldError(null, opField, $"'{op}' is not an operator{hint}; for {fact.Describe()} use one of {RuleOperators.List(operand)}"));
            return null;
        }
        if (!RuleOperators.Allows(operand, kind))
        {
            errors.Add(new FieldError(null, opField, $"'{op}' does not apply to {fact.Describe()}; use one of {RuleOperators.List(operand)}"));
            return null;
        }

        if (kind is OperatorKind.Exists or OperatorKind.NotExists)
        {
            if (rightJson is not null && rightJson != "null")
            {
                errors.Add(new FieldError(null, rightField, $"'{op}' takes no right side: write [left, \"{op}\"]"));
                return null;
            }
            return new ExistsCondition(left, kind == OperatorKind.Exists);
        }

        if (rightJson is null || rightJson == "null")
        {
            errors.Add(new FieldError(null, rightField, $"'{op}' needs a right side: [left, \"{op}\", right]"));
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(rightJson);
        }
        catch (JsonException)
        {
            errors.Add(new FieldError(null, rightField, "is not valid JSON"));
            return null;
        }
        using (document)
        {
            var right = document.RootElement;
            if (right.ValueKind == JsonValueKind.String && FactText.IsIndexReference(right.GetString()!))
                return AgainstFact(fact, left, op, kind, right.GetString()!, facts, referable, rightField, errors);

            var problem = new Problem(errors, rightField, op, fact);
            return operand switch
            {
                OperandType.Number => NumberLiteral(left, kind, right, problem),
                OperandType.String => StringLiteral(left, kind, right, problem),
                OperandType.Boolean => BooleanLiteral(left, kind, right, problem),
                OperandType.Date => DateLiteral(left, kind, right, fact.Type == PropertyType.Date && fact.Path.Length == 0, problem),
                _ => DynamicLiteral(left, kind, right, problem),
            };
        }
    }

    /// <summary>Reads <c>"HH:MM:SS - HH:MM:SS"</c> into seconds of the day.</summary>
    public static bool TryParseWindow(string text, out int start, out int end)
    {
        start = end = 0;
        var dash = text.IndexOf('-');
        return dash > 0 && TryParseTime(text.AsSpan(0, dash).Trim(), out start) && TryParseTime(text.AsSpan(dash + 1).Trim(), out end);

        static bool TryParseTime(ReadOnlySpan<char> s, out int seconds)
        {
            seconds = 0;
            if (s.Length != 8 || s[2] != ':' || s[5] != ':'
                || !int.TryParse(s[..2], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                || !int.TryParse(s.Slice(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                || !int.TryParse(s.Slice(6, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var sec)
                || h > 23 || m > 59 || sec > 59)
                return false;
            seconds = h * 3600 + m * 60 + sec;
            return true;
        }
    }

    private static ConditionEvaluator? AgainstFact(FactRef fact, int left, string op, OperatorKind kind, string reference,
        IReadOnlyList<FactRef?> facts, int referable, string field, List<FieldError> errors)
    {
        if (!FactText.TryParseIndexReference(reference, out var j))
        {
            errors.Add(new FieldError(null, field, $"'{reference}' is not a fact reference; write \"$index[j]\""));
            return null;
        }
        if (j >= referable)
        {
            errors.Add(new FieldError(null, field, $"'{reference}' is out of range: the rule has {referable} fact{(referable == 1 ? "" : "s")} in index"));
            return null;
        }
        if (facts[j] is not { } other) return null;
        if (kind is not (OperatorKind.GreaterThan or OperatorKind.AtLeast or OperatorKind.LessThan or OperatorKind.AtMost or OperatorKind.Equal
            or OperatorKind.NotEqual or OperatorKind.Contains or OperatorKind.StartsWith or OperatorKind.EndsWith or OperatorKind.CrossesAbove
            or OperatorKind.CrossesBelow))
        {
            errors.Add(new FieldError(null, field, $"'{op}' takes literal values, not another fact"));
            return null;
        }

        var (l, r) = (fact.Operand, other.Operand);
        var type = l == OperandType.Dynamic ? r : l;
        var compatible = r != OperandType.Structured && (l == OperandType.Dynamic || r == OperandType.Dynamic || l == r);
        if (compatible && kind is OperatorKind.CrossesAbove or OperatorKind.CrossesBelow) compatible = type is OperandType.Number or OperandType.Dynamic;
        if (compatible && kind is OperatorKind.Contains or OperatorKind.StartsWith or OperatorKind.EndsWith) compatible = type is OperandType.String or OperandType.Dynamic;
        if (!compatible)
        {
            errors.Add(new FieldError(null, field, $"'{reference}' is {other.Describe()}; '{op}' on {fact.Describe()} compares it with a fact of the same type"));
            return null;
        }
        return kind switch
        {
            OperatorKind.CrossesAbove => new CrossesCondition(left, true, j),
            OperatorKind.CrossesBelow => new CrossesCondition(left, false, j),
            _ => new FactComparisonCondition(left, kind, j, type),
        };
    }

    private static ConditionEvaluator? NumberLiteral(int left, OperatorKind kind, JsonElement right, Problem problem)
    {
        switch (kind)
        {
            case OperatorKind.Between:
                return TryPair(right, out var a, out var b) && Num.TryRead(a, out var low) && Num.TryRead(b, out var high)
                    ? Num.Compare(low, high) <= 0 ? new NumberBetweenCondition(left, low, high) : problem.Add("takes [low, high] with low not above high", right)
                    : problem.Add("takes [low, high], two numbers", right);
            case OperatorKind.ChangedBy:
                return Num.TryRead(right, out var percent) && percent.Double > 0
                    ? new ChangedByCondition(left, percent.Double)
                    : problem.Add("takes a positive number: the change in percent of the previous value", right);
            case OperatorKind.CrossesAbove or OperatorKind.CrossesBelow:
                return Num.TryRead(right, out var threshold)
                    ? new CrossesCondition(left, kind == OperatorKind.CrossesAbove, threshold.Double)
                    : problem.Add("takes a number or \"$index[j]\" of a number fact", right);
            default:
                return Num.TryRead(right, out var value)
                    ? new NumberCondition(left, kind, value)
                    : problem.Add("takes a number or \"$index[j]\" of a number fact", right);
        }
    }

    private static ConditionEvaluator? StringLiteral(int left, OperatorKind kind, JsonElement right, Problem problem)
    {
        if (kind is OperatorKind.In or OperatorKind.NotIn)
            return TryStrings(right, out var values) ? new StringSetCondition(left, values, kind == OperatorKind.In) : problem.Add("takes a non-empty array of strings", right);
        return right.ValueKind == JsonValueKind.String
            ? new StringCondition(left, kind, right.GetString()!)
            : problem.Add("takes a string or \"$index[j]\" of a string fact", right);
    }

    private static ConditionEvaluator? BooleanLiteral(int left, OperatorKind kind, JsonElement right, Problem problem) =>
        right.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? new BooleanCondition(left, right.GetBoolean(), kind == OperatorKind.Equal)
            : problem.Add("takes true or false, or \"$index[j]\" of a boolean fact", right);

    private static ConditionEvaluator? DateLiteral(int left, OperatorKind kind, JsonElement right, bool dateOnly, Problem problem)
    {
        switch (kind)
        {
            case OperatorKind.Within:
            case OperatorKind.Between when right.ValueKind == JsonValueKind.String:
                if (dateOnly) return problem.Fail("takes a time window only on a date-time fact: a date has no time of day");
                return Window(left, right, problem);
            case OperatorKind.Between:
                return InstantPair(left, right, problem, $"takes [a, b], two instants ({InstantSyntax}), or a time window {WindowSyntax}");
            default:
                return TryInstant(right, out var ms)
                    ? new InstantCondition(left, kind, ms)
                    : problem.Add($"takes {InstantSyntax}, or \"$index[j]\" of a date fact", right);
        }
    }

    /// <summary>Facts whose type is only known per record: the literal's shape says how to compare.</summary>
    private static ConditionEvaluator? DynamicLiteral(int left, OperatorKind kind, JsonElement right, Problem problem)
    {
        switch (kind)
        {
            case OperatorKind.GreaterThan or OperatorKind.AtLeast or OperatorKind.LessThan or OperatorKind.AtMost:
                if (Num.TryRead(right, out var n)) return new NumberCondition(left, kind, n);
                return right.ValueKind == JsonValueKind.String && TryInstant(right, out var ms)
                    ? new InstantCondition(left, kind, ms)
                    : problem.Add($"takes a number or a date ({InstantSyntax})", right);
            case OperatorKind.Equal or OperatorKind.NotEqual:
                return right.ValueKind switch
                {
                    JsonValueKind.Number when Num.TryRead(right, out var value) => new NumberCondition(left, kind, value),
                    JsonValueKind.String => new StringCondition(left, kind, right.GetString()!),
                    JsonValueKind.True or JsonValueKind.False => new BooleanCondition(left, right.GetBoolean(), kind == OperatorKind.Equal),
                    _ => problem.Add("takes a number, a string or true/false", right),
                };
            case OperatorKind.Between:
                if (right.ValueKind == JsonValueKind.String) return Window(left, right, problem);
                if (TryPair(right, out var a, out var b) && Num.TryRead(a, out var low) && Num.TryRead(b, out var high))
                    return Num.Compare(low, high) <= 0 ? new NumberBetweenCondition(left, low, high) : problem.Add("takes [low, high] with low not above high", right);
                return InstantPair(left, right, problem, $"takes [low, high] (two numbers or two dates), or a time window {WindowSyntax}");
            case OperatorKind.Within:
                return Window(left, right, problem);
            case OperatorKind.In or OperatorKind.NotIn or OperatorKind.Contains or OperatorKind.StartsWith or OperatorKind.EndsWith:
                return StringLiteral(left, kind, right, problem);
            default:
                return NumberLiteral(left, kind, right, problem);
        }
    }

    private static ConditionEvaluator? Window(int left, JsonElement right, Problem problem) =>
        right.ValueKind == JsonValueKind.String && TryParseWindow(right.GetString()!, out var start, out var end)
            ? new TimeWindowCondition(left, start, end)
            : problem.Add($"takes a time window {WindowSyntax}", right);

    private static ConditionEvaluator? InstantPair(int left, JsonElement right, Problem problem, string expected)
    {
        if (!TryPair(right, out var a, out var b) || !TryInstant(a, out var low) || !TryInstant(b, out var high)) return problem.Add(expected, right);
        return low <= high ? new InstantBetweenCondition(left, low, high) : problem.Add("takes [a, b] with a not after b", right);
    }

    private static bool TryInstant(JsonElement e, out long epochMs)
    {
        epochMs = 0;
        return e.ValueKind switch
        {
            JsonValueKind.String => DateValues.TryParseDateOrDateTime(e.GetString(), out epochMs, out _),
            JsonValueKind.Number => e.TryGetInt64(out epochMs),
            _ => false,
        };
    }

    private static bool TryPair(JsonElement e, out JsonElement first, out JsonElement second)
    {
        first = second = default;
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2) return false;
        first = e[0];
        second = e[1];
        return true;
    }

    private static bool TryStrings(JsonElement e, out string[] values)
    {
        values = [];
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) return false;
        var list = new string[e.GetArrayLength()];
        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) return false;
            list[i++] = item.GetString()!;
        }
        values = list;
        return true;
    }

    /// <summary>Reports a right side that does not fit its operator and fact.</summary>
    private readonly record struct Problem(List<FieldError> Errors, string Field, string Op, FactRef Fact)
    {
        public ConditionEvaluator? Add(string expected, JsonElement given) => Fail($"{expected}, not {Describe(given)}");

        public ConditionEvaluator? Fail(string reason)
        {
            Errors.Add(new FieldError(null, Field, $"'{Op}' on {Fact.Describe()} {reason}"));
            return null;
        }

        private static string Describe(JsonElement e)
        {
            var text = e.GetRawText();
            if (text.Length > 60) text = text[..60] + "…";
            return e.ValueKind switch
            {
                JsonValueKind.String => $"the string {text}",
                JsonValueKind.Number => $"the number {text}",
                JsonValueKind.Array => $"the array {text}",
                JsonValueKind.Object => "an object",
                _ => text,
            };
        }
    }
}
