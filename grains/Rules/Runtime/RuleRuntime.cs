using System.Globalization;
using Apperate.Actors.Storage;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>
/// What a rule remembers between events, as committed: its counters, when each output last sent per key (the
/// throttle) and the previous value of each stateful condition per key. Changed only on the dataset grain's scheduler,
/// after a commit, from a <see cref="RuleEvaluator"/>'s changes; read by evaluations running meanwhile.
/// </summary>
/// <remarks>
/// Stored as rule-state values: <c>counters</c> = <c>ran,passed,failed,sent,throttled,evaluated</c>;
/// <c>g{generation}:t:{output}:{key}</c> = epoch ms of the output's last alert for the key;
/// <c>g{generation}:v:{condition}:{key}</c> = the condition's previous value for the key. A new generation
/// (an edit that changes the conditions) starts with no throttle or condition state.
/// </remarks>
public sealed class RuleRuntime(string ruleId, int generation)
{
    public string RuleId { get; } = ruleId;

    public int Generation { get; } = generation;

    /// <summary>The prefix of this generation's state names.</summary>
    public string Prefix { get; } = "g" + generation.ToString(CultureInfo.InvariantCulture) + ":";

    public long Ran, Passed, Failed, Sent, Throttled, Evaluated;

    /// <summary>Last alert time by <c>{output}:{key}</c>.</summary>
    public Dictionary<string, long> LastSent { get; } = new(StringComparer.Ordinal);

    /// <summary>Previous values by <c>{condition}:{key}</c>.</summary>
    public Dictionary<string, double> Previous { get; } = new(StringComparer.Ordinal);

    /// <summary>Counters changed since they were last stored.</summary>
    public bool CountersDirty { get; set; }

    /// <summary><see cref="Environment.TickCount64"/> when the counters were last stored.</summary>
    public long CountersStoredAt { get; set; } = Environment.TickCount64;

    /// <summary>The store still holds state of another generation, to forget with the next write.</summary>
    public bool ResetPending { get; set; }

    /// <summary>The runtime that replaced this one when an edit began a new state generation; it carries the counters on.</summary>
    public RuleRuntime? Successor { get; set; }

    /// <summary>This runtime, or the one that replaced it.</summary>
    public RuleRuntime Current => Successor?.Current ?? this;

    public RuleCounters Counters => new(Ran, Passed, Failed, Sent, Throttled, Evaluated);

    /// <summary>The counters' stored form.</summary>
    public string CountersText => string.Create(CultureInfo.InvariantCulture, $"{Ran},{Passed},{Failed},{Sent},{Throttled},{Evaluated}");

    /// <summary>A runtime of <paramref name="generation"/> from the stored values; counters carry over from <paramref name="previous"/> when given.</summary>
    public static RuleRuntime Load(string ruleId, int generation, IReadOnlyDictionary<string, string> stored, RuleRuntime? previous = null)
    {
        var runtime = new RuleRuntime(ruleId, generation);
        if (previous is not null) runtime.CopyCounters(previous);
        else if (stored.TryGetValue(SqlText.CountersName, out var counters)) runtime.ParseCounters(counters);
        foreach (var (name, value) in stored)
        {
            if (name == SqlText.CountersName) continue;
            if (!name.StartsWith(runtime.Prefix, StringComparison.Ordinal))
            {
                runtime.ResetPending = true;
                continue;
            }
            var rest = name[runtime.Prefix.Length..];
            if (rest.StartsWith("t:", StringComparison.Ordinal) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sent))
                runtime.LastSent[rest[2..]] = sent;
            else if (rest.StartsWith("v:", StringComparison.Ordinal) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                runtime.Previous[rest[2..]] = v;
        }
        return runtime;
    }

    /// <summary>The stored name of a throttle entry.</summary>
    public string ThrottleName(string outputAndKey) => Prefix + "t:" + outputAndKey;

    /// <summary>The stored name of a condition's previous value.</summary>
    public string PreviousName(string conditionAndKey) => Prefix + "v:" + conditionAndKey;

    private void CopyCounters(RuleRuntime other)
    {
        (Ran, Passed, Failed, Sent, Throttled, Evaluated) = (other.Ran, other.Passed, other.Failed, other.Sent, other.Throttled, other.Evaluated);
        CountersDirty = other.CountersDirty;
        CountersStoredAt = other.CountersStoredAt;
    }

    private void ParseCounters(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 6) return;
        var n = Array.ConvertAll(parts, p => long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0);
        (Ran, Passed, Failed, Sent, Throttled, Evaluated) = (n[0], n[1], n[2], n[3], n[4], n[5]);
    }
}
