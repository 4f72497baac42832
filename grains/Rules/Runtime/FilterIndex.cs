using Apperate.Actors.Rules.Engine;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>
/// The rules of one dataset that fix no key but have a <see cref="RuleFilter"/>, indexed by it: for a record, the rules
/// whose filter admits it are found by a binary search (ranges) or a dictionary lookup (equality), so rules that do not
/// match a record cost nothing for it however many there are. Immutable, like the <see cref="RuleSet"/> it belongs to.
/// </summary>
public sealed class FilterIndex
{
    private readonly FilterGroup[] _groups;

    public FilterIndex(IEnumerable<ActiveRule> rules)
    {
        var groups = new Dictionary<(string, RuleFilterKind), List<ActiveRule>>();
        var all = new List<ActiveRule>();
        foreach (var rule in rules)
        {
            var filter = rule.Compiled.Filter!;
            var key = (filter.Property.ToUpperInvariant(), filter.Kind);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(rule);
            all.Add(rule);
        }
        _groups = [.. groups.Values.Select(g => FilterGroup.Create(g))];
        Rules = [.. all];
    }

    /// <summary>Every indexed rule.</summary>
    public ActiveRule[] Rules { get; }

    /// <summary>The number of groups: one per property and kind of filter.</summary>
    public int Groups => _groups.Length;

    /// <summary>The property group <paramref name="group"/> reads.</summary>
    public string Property(int group) => _groups[group].Property;

    /// <summary>The rules of group <paramref name="group"/> whose filter admits <paramref name="value"/> (the record's value of the group's property, null when absent).</summary>
    public ReadOnlySpan<ActiveRule> Admitted(int group, object? value) => _groups[group].Admitted(value);

    private abstract class FilterGroup(string property)
    {
        public string Property { get; } = property;

        public abstract ReadOnlySpan<ActiveRule> Admitted(object? value);

        public static FilterGroup Create(List<ActiveRule> rules)
        {
            var first = rules[0].Compiled.Filter!;
            return first.Kind switch
            {
                RuleFilterKind.AtLeast or RuleFilterKind.AtMost => new RangeGroup(first.Property, first.Kind == RuleFilterKind.AtLeast, rules),
                RuleFilterKind.EqualTo => new NumberGroup(first.Property, rules),
                _ => new StringGroup(first.Property, rules),
            };
        }

        protected static bool TryNumber(object? value, out double number)
        {
            switch (value)
            {
                case double d:
                    number = d;
                    return true;
                case long l:
                    number = l;
                    return true;
                default:
                    number = 0;
                    return false;
            }
        }
    }

    /// <summary>Rules sorted by bound: those at or below the value (at least), or at or above it (at most), are a prefix or a suffix.</summary>
    private sealed class RangeGroup : FilterGroup
    {
        private readonly bool _atLeast;
        private readonly double[] _bounds;
        private readonly ActiveRule[] _rules;

        public RangeGroup(string property, bool atLeast, List<ActiveRule> rules) : base(property)
        {
            _atLeast = atLeast;
            var sorted = rules.OrderBy(r => r.Compiled.Filter!.Bound).ToArray();
            _bounds = Array.ConvertAll(sorted, r => r.Compiled.Filter!.Bound);
            _rules = sorted;
        }

        public override ReadOnlySpan<ActiveRule> Admitted(object? value)
        {
            if (!TryNumber(value, out var v)) return [];
            if (double.IsNaN(v)) return _rules;
            if (_atLeast)
            {
                // Bounds at or below v: the first bound above v ends them.
                int lo = 0, hi = _bounds.Length;
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (_bounds[mid] <= v) lo = mid + 1;
                    else hi = mid;
                }
                return _rules.AsSpan(0, lo);
            }
            else
            {
                // Bounds at or above v: from the first one not below v.
                int lo = 0, hi = _bounds.Length;
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (_bounds[mid] < v) lo = mid + 1;
                    else hi = mid;
                }
                return _rules.AsSpan(lo);
            }
        }
    }

    private sealed class NumberGroup : FilterGroup
    {
        private readonly Dictionary<double, ActiveRule[]> _byValue;
        private readonly ActiveRule[] _all;

        public NumberGroup(string property, List<ActiveRule> rules) : base(property)
        {
            _byValue = rules.GroupBy(r => Normal(r.Compiled.Filter!.Bound)).ToDictionary(g => g.Key, g => g.ToArray());
            _all = [.. rules];
        }

        public override ReadOnlySpan<ActiveRule> Admitted(object? value)
        {
            if (!TryNumber(value, out var v)) return [];
            if (double.IsNaN(v)) return _all;
            return _byValue.TryGetValue(Normal(v), out var rules) ? rules : [];
        }

        /// <summary>-0 and 0 are equal numbers: one dictionary key.</summary>
        private static double Normal(double v) => v == 0 ? 0d : v;
    }

    private sealed class StringGroup : FilterGroup
    {
        private readonly Dictionary<string, ActiveRule[]> _byValue;

        public StringGroup(string property, List<ActiveRule> rules) : base(property) =>
            _byValue = rules
                .SelectMany(r => r.Compiled.Filter!.Strings.Distinct(StringComparer.Ordinal).Select(s => (s, r)))
                .GroupBy(p => p.s, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(p => p.r).ToArray(), StringComparer.Ordinal);

        public override ReadOnlySpan<ActiveRule> Admitted(object? value) =>
            value is string s && _byValue.TryGetValue(s, out var rules) ? rules : [];
    }
}
