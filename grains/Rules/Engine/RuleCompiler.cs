using System.Globalization;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Engine.Conditions;

namespace Apperate.Actors.Rules.Engine;

/// <summary>Compiles a validated rule against its dataset's current definition.</summary>
public static class RuleCompiler
{
    /// <summary>
    /// Compiles <paramref name="rule"/> (as <see cref="RuleValidator.Validate"/> made it) for records of
    /// <paramref name="dataset"/>, the dataset it watches.
    /// </summary>
    /// <remarks>
    /// The rule's facts are looked up in <paramref name="dataset"/>'s schema whatever name they were written with, so a
    /// renamed dataset keeps its rules. Schema changes are additive, so a rule that was valid stays valid; a dataset
    /// deleted and created again with another schema may not fit any more, and that raises rather than evaluating
    /// something the rule did not say. Additional facts of other datasets get type <see cref="PropertyType.Any"/>: their
    /// schema is not at hand here, and their values come from those datasets anyway.
    /// </remarks>
    /// <exception cref="ApperateException">
    /// <see cref="ErrorKind.Invalid"/>, naming the field, when the rule does not fit the dataset (a property it names is
    /// gone or changed type); the caller should report the rule as broken.
    /// </exception>
    public static CompiledRule Compile(RuleDefinition rule, DatasetDefinition dataset)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(dataset);
        var errors = new List<FieldError>();

        var facts = new FactRef?[rule.Index.Length];
        for (var i = 0; i < facts.Length; i++) facts[i] = Resolve(rule.Index[i], $"index[{i}]", dataset, errors);

        var additional = new FactRef[rule.AdditionalIndex.Length];
        var local = new bool[additional.Length];
        for (var i = 0; i < additional.Length; i++)
        {
            var text = rule.AdditionalIndex[i];
            if (!FactText.TryParse(text, out var parts))
            {
                errors.Add(new FieldError(null, $"additionalIndex[{i}]", $"'{text}' is not a fact"));
                continue;
            }
            local[i] = string.Equals(parts.Dataset, rule.DatasetId, StringComparison.OrdinalIgnoreCase)
                || string.Equals(parts.Dataset, dataset.DatasetId, StringComparison.OrdinalIgnoreCase);
            // Only reported, so a property that is gone reads as absent rather than breaking the rule.
            var property = local[i] ? dataset.Schema.Find(parts.Property) : null;
            additional[i] = property is null
                ? new FactRef(text, local[i] ? dataset.DatasetId : parts.Dataset, parts.Property, parts.Path, PropertyType.Any)
                : new FactRef(text, dataset.DatasetId, property.Name, parts.Path, property.Type);
        }

        var conditions = new ConditionEvaluator?[rule.Conditions.Length];
        for (var n = 0; n < conditions.Length; n++)
        {
            var c = rule.Conditions[n];
            if (!FactText.TryParseIndexReference(c.Left, out var left) || left >= facts.Length)
            {
                errors.Add(new FieldError(null, $"conditions[{n}][0]", $"'{c.Left}' is not a fact of the rule (\"$index[i]\" with i below {facts.Length})"));
                continue;
            }
            conditions[n] = ConditionBuilder.Build(n, facts, left, c.Operator, c.RightJson, facts.Length, errors);
        }

        if (errors.Count > 0) throw new ApperateException(ErrorKind.Invalid, $"rule {rule.Id} does not fit dataset {dataset.DatasetId}: {string.Join("; ", errors)}", errors);
        var resolved = Array.ConvertAll(facts, f => f!);
        var compiled = Array.ConvertAll(conditions, c => c!);
        return new CompiledRule(rule, resolved, additional, local, compiled, KeyFilter(rule.Type, compiled, resolved, dataset), RuleFilter.Choose(rule.Type, compiled, resolved));
    }

    private static FactRef? Resolve(string text, string field, DatasetDefinition dataset, List<FieldError> errors)
    {
        if (!FactText.TryParse(text, out var parts))
        {
            errors.Add(new FieldError(null, field, $"'{text}' is not a fact"));
            return null;
        }
        if (dataset.Schema.Find(parts.Property) is not { } property)
        {
            errors.Add(new FieldError(null, field, $"dataset '{dataset.DatasetId}' has no property '{parts.Property}'"));
            return null;
        }
        if (parts.Path.Length > 0 && property.Type is not (PropertyType.Object or PropertyType.Any))
        {
            errors.Add(new FieldError(null, field, $"'{property.Name}' is not an object or any property: it has no nested fields"));
            return null;
        }
        return new FactRef(text, dataset.DatasetId, property.Name, parts.Path, property.Type);
    }

    /// <summary>The keys a rule can pass for (see <see cref="CompiledRule.Keys"/>), or null when it may pass for any.</summary>
    private static string[]? KeyFilter(RuleMatch type, ConditionEvaluator[] conditions, FactRef[] facts, DatasetDefinition dataset)
    {
        var key = dataset.Schema.Find(dataset.ColumnMapping.Key);
        if (key is null || key.Type is not (PropertyType.String or PropertyType.Integer) || conditions.Length == 0) return null;

        HashSet<string>? keys = null;
        foreach (var c in conditions)
        {
            var values = KeyValues(c, facts, key);
            if (type == RuleMatch.All)
            {
                if (values is null) continue;
                if (keys is null) keys = values;
                else keys.IntersectWith(values);
            }
            else
            {
                if (values is null) return null;
                if (keys is null) keys = values;
                else keys.UnionWith(values);
            }
        }
        return keys?.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The keys one condition restricts the rule to, or null when it does not restrict keys.</summary>
    private static HashSet<string>? KeyValues(ConditionEvaluator c, FactRef[] facts, PropertyDefinition key)
    {
        var fact = facts[c.Fact];
        if (fact.Path.Length > 0 || !string.Equals(fact.Property, key.Name, StringComparison.OrdinalIgnoreCase)) return null;
        return (c, key.Type) switch
        {
            (StringCondition { Op: OperatorKind.Equal } s, PropertyType.String) => new HashSet<string>(StringComparer.Ordinal) { s.Literal },
            (StringSetCondition { Member: true } s, PropertyType.String) => new HashSet<string>(s.Values, StringComparer.Ordinal),
            (NumberCondition { Op: OperatorKind.Equal } n, PropertyType.Integer) => n.Literal.TryGetWhole(out var whole)
                ? new HashSet<string>(StringComparer.Ordinal) { whole.ToString(CultureInfo.InvariantCulture) }
                : new HashSet<string>(StringComparer.Ordinal),
            _ => null,
        };
    }
}
