using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Engine;
using Apperate.Actors.Rules.Runtime;
using static Apperate.Actors.Tests.Rules.RuleTestKit;

namespace Apperate.Actors.Tests.Rules;

/// <summary>The filters rules that fix no key are indexed by, and the index: it must admit every record a rule passes for.</summary>
[Trait("Category", "Unit")]
public sealed class RuleFilterTests
{
    private static readonly string[] Index = ["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:size", "DEMO:DATASET:TRADES:note", "DEMO:DATASET:TRADES:extra", "DEMO:DATASET:TRADES:bid"];

    private static CompiledRule Rule(RuleMatch type, params string[] conditions) =>
        Compile(type, Index, conditions.Select(c => c.Split('|')).Select(p => C(p[0], p[1], p[2])).ToArray());

    [Theory]
    [InlineData(RuleMatch.All, new[] { "$index[0]|>|150" }, "price AtLeast 150")]
    [InlineData(RuleMatch.All, new[] { "$index[0]|>=|150.5" }, "price AtLeast 150.5")]
    [InlineData(RuleMatch.Any, new[] { "$index[1]|<|-3" }, "size AtMost -3")]
    [InlineData(RuleMatch.All, new[] { "$index[1]|<=|7" }, "size AtMost 7")]
    [InlineData(RuleMatch.All, new[] { "$index[0]|between|[10,20]" }, "price AtLeast 10")]
    [InlineData(RuleMatch.All, new[] { "$index[0]|=|5" }, "price EqualTo 5")]
    [InlineData(RuleMatch.All, new[] { "$index[0]|>|1", "$index[2]|in|[\"b\",\"a\"]" }, "note OneOf b,a")]
    [InlineData(RuleMatch.All, new[] { "$index[2]|=|\"x\"", "$index[0]|<|1" }, "note OneOf x")]
    [InlineData(RuleMatch.All, new[] { "$index[0]|!=|1", "$index[1]|>|3" }, "size AtLeast 3")]
    [InlineData(RuleMatch.Any, new[] { "$index[0]|>|1", "$index[1]|>|3" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[0]|!=|1" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[2]|contains|\"x\"" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[2]|notIn|[\"x\"]" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[0]|exists|null" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[3]|>|1" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[0]|>|$index[4]" }, null)]
    [InlineData(RuleMatch.All, new[] { "$index[0]|>|1", "$index[4]|crossesAbove|5" }, null)]
    public void A_rule_is_filtered_by_a_condition_every_record_it_passes_for_meets(RuleMatch type, string[] conditions, string? expected)
    {
        var filter = Rule(type, [.. conditions.Select(c => c.Replace("|$index[4]", "|\"$index[4]\"", StringComparison.Ordinal))]).Filter;
        Assert.Equal(expected, filter is null ? null : $"{filter.Property} {filter.Kind} {(filter.Kind == RuleFilterKind.OneOf ? string.Join(',', filter.Strings) : filter.Bound)}");
    }

    [Fact]
    public void The_index_admits_every_record_a_rule_passes_for_and_the_set_keeps_each_rule_in_one_place()
    {
        var random = new Random(20261206);
        var bounds = new object[] { 0L, 1L, -1L, 150L, 150.5, 9007199254740993L, 9007199254740992L, -0.0, 1e12 };
        string Number() => bounds[random.Next(bounds.Length)] switch { double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture), var v => v.ToString()! };
        string Condition()
        {
            var fact = random.Next(3);
            if (fact == 2)
            {
                return random.Next(4) switch
                {
                    0 => "$index[2]|=|\"a\"",
                    1 => "$index[2]|in|[\"a\",\"b\",\"a\"]",
                    2 => "$index[2]|!=|\"b\"",
                    _ => "$index[2]|startsWith|\"a\"",
                };
            }
            var ops = new[] { ">", ">=", "<", "<=", "=", "!=", "between", "exists", "notExists" };
            var op = ops[random.Next(ops.Length)];
            var right = op switch { "between" => $"[{Number()},{Number()}]", "exists" or "notExists" => "null", _ => Number() };
            if (op == "between" && Compare(right) > 0) right = $"[{right[1..^1].Split(',')[1]},{right[1..^1].Split(',')[0]}]";
            return $"$index[{fact}]|{op}|{right}";
        }

        var rules = new List<ActiveRule>();
        for (var i = 0; i < 400; i++)
        {
            var type = random.Next(2) == 0 ? RuleMatch.All : RuleMatch.Any;
            rules.Add(new ActiveRule(Rule(type, [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Condition())]), new RuleRuntime(Guid.NewGuid().ToString(), 0)));
        }
        var set = new RuleSet(rules);
        Assert.True(set.Filtered.Rules.Length > 100, $"only {set.Filtered.Rules.Length} of 400 random rules were filtered");
        Assert.Equal(rules.Count, set.Unkeyed.Length + set.Filtered.Rules.Length);

        var values = new object?[] { null, 0L, 1L, -1L, 150L, 150.0, 150.5, 151.0, -0.0, 0.0, double.NaN, 9007199254740993L, 9007199254740992L, 9007199254740992.0, 1e12, 2e12 };
        var notes = new object?[] { null, "a", "b", "ab", "" };
        var columns = TradeColumns;
        var admittedPasses = 0;
        for (var n = 0; n < 3_000; n++)
        {
            var row = Row(("symbol", "S"), ("price", values[random.Next(values.Length)] is var p && p is long l ? (double)l : p),
                ("size", values[random.Next(values.Length)] is var s && s is double d ? (double.IsNaN(d) ? null : (long?)(long)Math.Clamp(d, long.MinValue, long.MaxValue)) : s),
                ("note", notes[random.Next(notes.Length)]));
            var admitted = new HashSet<ActiveRule>(set.Unkeyed);
            for (var g = 0; g < set.Filtered.Groups; g++)
                foreach (var rule in set.Filtered.Admitted(g, row[Array.FindIndex(columns, c => string.Equals(c, set.Filtered.Property(g), StringComparison.OrdinalIgnoreCase))]))
                    Assert.True(admitted.Add(rule), "a rule was admitted twice for one record");
            foreach (var rule in rules)
            {
                var passed = rule.Compiled.Evaluate(row, rule.Compiled.Bind(columns), new DictionaryState(), new bool[rule.Compiled.ConditionCount]);
                if (!passed) continue;
                Assert.True(admitted.Contains(rule), $"rule {string.Join(" ", rule.Definition.Conditions.Select(c => $"[{c.Left} {c.Operator} {c.RightJson}]"))} ({rule.Definition.Type}) passes for price={row[1]} size={row[4]} note={row[^1]} but its filter turned the record away");
                admittedPasses++;
            }
        }
        Assert.True(admittedPasses > 1_000, $"only {admittedPasses} passes: the random rules barely pass");
    }

    private static int Compare(string between)
    {
        var parts = between[1..^1].Split(',').Select(x => decimal.Parse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return parts[0].CompareTo(parts[1]);
    }
}
