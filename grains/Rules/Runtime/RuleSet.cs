using Apperate.Actors.Rules.Engine;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>A rule being evaluated by its dataset grain: compiled, with its runtime state and the outbox names of its outputs.</summary>
public sealed class ActiveRule
{
    public ActiveRule(CompiledRule compiled, RuleRuntime runtime)
    {
        Compiled = compiled;
        Runtime = runtime;
        var definition = compiled.Definition;
        Outputs = Array.FindAll(definition.Outputs, o => o.DisabledReason is null);
        OutputKeys = Array.ConvertAll(Outputs, o => RuleKeys.Output(definition.Workspace, definition.Id, o.Id!));
        DatasetKey = Names.DatasetKey(definition.Workspace, definition.DatasetId);
    }

    public CompiledRule Compiled { get; }

    public RuleRuntime Runtime { get; }

    public RuleDefinition Definition => Compiled.Definition;

    /// <summary>The outputs alerts are raised for (those not disabled).</summary>
    public RuleOutput[] Outputs { get; }

    /// <summary>The outbox name of each of <see cref="Outputs"/>.</summary>
    public string[] OutputKeys { get; }

    /// <summary>The dataset's grain key, part of every alert id.</summary>
    public string DatasetKey { get; }
}

/// <summary>
/// The active rules of one dataset, indexed: a record is evaluated only by the rules that can pass for it — those whose
/// conditions fix its key (a dictionary lookup), those whose <see cref="RuleFilter"/> admits it (see
/// <see cref="FilterIndex"/>), and those that can be narrowed neither way. Immutable: a rule change builds a new set,
/// and a commit evaluates against the set it started with.
/// </summary>
public sealed class RuleSet
{
    private static readonly ActiveRule[] None = [];
    private readonly Dictionary<string, ActiveRule[]> _byKey;

    /// <summary>No rules.</summary>
    public static readonly RuleSet Empty = new([]);

    public RuleSet(IReadOnlyList<ActiveRule> rules)
    {
        All = [.. rules];
        var byKey = new Dictionary<string, List<ActiveRule>>(StringComparer.Ordinal);
        var unkeyed = new List<ActiveRule>();
        var filtered = new List<ActiveRule>();
        var others = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in rules)
        {
            if (rule.Compiled.Keys is { } keys)
            {
                foreach (var key in keys)
                {
                    if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
                    list.Add(rule);
                }
            }
            else if (rule.Compiled.Filter is not null)
            {
                filtered.Add(rule);
            }
            else
            {
                unkeyed.Add(rule);
            }
            foreach (var fact in rule.Compiled.Additional)
                if (!string.Equals(fact.DatasetId, rule.Definition.DatasetId, StringComparison.OrdinalIgnoreCase)) others.Add(fact.DatasetId);
        }
        _byKey = byKey.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        Unkeyed = [.. unkeyed];
        Filtered = new FilterIndex(filtered);
        AdditionalDatasets = [.. others];
    }

    /// <summary>Every active rule.</summary>
    public ActiveRule[] All { get; }

    /// <summary>True when there is nothing to evaluate.</summary>
    public bool IsEmpty => All.Length == 0;

    /// <summary>Rules evaluated for every record.</summary>
    public ActiveRule[] Unkeyed { get; }

    /// <summary>Rules that fix no key, evaluated for the records their filter admits.</summary>
    public FilterIndex Filtered { get; }

    /// <summary>Datasets (other than the rules' own) whose latest record of a key is reported as an additional fact.</summary>
    public string[] AdditionalDatasets { get; }

    /// <summary>The rules that fix the key to <paramref name="key"/>.</summary>
    public ActiveRule[] Keyed(string key) => _byKey.TryGetValue(key, out var rules) ? rules : None;
}
