using System.Globalization;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Engine;
using Apperate.Actors.Storage;
using Apperate.Actors.Telemetry;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>
/// Evaluates a dataset's rules on the events of one store write, inside its transaction: counts, throttles and raises
/// alerts, and hands the store the alerts and the state they change, so they commit with the records.
/// </summary>
/// <remarks>
/// <para>
/// Runs on the store's thread while the grain goes on; it reads the rules' committed state and keeps its own changes
/// apart, because the transaction may still fail (or run again, as a deadlock victim). Only <see cref="Complete"/>,
/// called on the grain's scheduler once the write returned, applies them. One evaluator serves one store call.
/// </para>
/// <para>
/// Counters are written with the transaction whenever it writes anything else for the rules (an alert, a throttle or
/// condition state), and otherwise at most once a second; the dataset grain stores counters left waiting a second later.
/// A kill -9 can therefore lose up to a second of counts of evaluations that raised nothing; the identities
/// ran = passed + failed and passed = sent + throttled hold in what is stored.
/// </para>
/// </remarks>
public sealed class RuleEvaluator(RuleSet rules, DatasetDefinition dataset, AdditionalRecords? additional) : ICommitParticipant
{
    /// <summary>How long counters may wait in memory when a write stores nothing else for their rule.</summary>
    public const long CountersDelayMs = 1_000;

    private Changes? _changes;

    /// <inheritdoc />
    public void Prepare(CommitContext commit)
    {
        var changes = new Changes();
        _changes = changes;
        var now = commit.Updated;
        var state = new KeyState();
        var results = new bool[Math.Max(1, rules.All.Length == 0 ? 1 : rules.All.Max(r => r.Compiled.ConditionCount))];
        var columns = new PropertyDefinition[commit.Batches.Count][];
        var filtered = rules.Filtered;
        var filterColumns = new int[filtered.Groups][];
        var events = 0L;
        // The rules evaluated for every record keep their change and bound columns at hand: no lookups per record.
        var unkeyed = rules.Unkeyed;
        var slots = new Slot[unkeyed.Length];
        foreach (var e in commit.Events)
        {
            var batch = commit.Batches[e.Batch];
            if (batch.NoEvents) continue;
            events++;
            var row = batch.Rows[e.Row];
            var props = columns[e.Batch] ??= Columns(batch);
            for (var i = 0; i < unkeyed.Length; i++)
            {
                ref var slot = ref slots[i];
                var rule = unkeyed[i];
                slot.Change ??= changes.For(rule.Runtime);
                if (slot.Positions is null || slot.Batch != e.Batch) (slot.Positions, slot.Batch) = (changes.Positions(rule, e.Batch, batch.Columns), e.Batch);
                Evaluate(rule, slot.Change, slot.Positions, commit, changes, state, results, e, batch, props, row, now);
            }
            for (var g = 0; g < filtered.Groups; g++)
            {
                var positions = filterColumns[g] ??= FilterColumns(commit, filtered.Property(g));
                var p = positions[e.Batch];
                foreach (var rule in filtered.Admitted(g, (uint)p < (uint)row.Values.Length ? row.Values[p] : null)) Evaluate(rule, commit, changes, state, results, e, batch, props, row, now);
            }
            foreach (var rule in rules.Keyed(row.Key)) Evaluate(rule, commit, changes, state, results, e, batch, props, row, now);
        }
        // A filtered rule ran on every event as the others that fix no key do: those its filter turned away failed.
        if (events > 0)
        {
            foreach (var rule in filtered.Rules)
            {
                var change = changes.For(rule.Runtime);
                var turnedAway = events - change.Ran;
                change.Ran += turnedAway;
                change.Failed += turnedAway;
                change.Evaluated = now;
            }
        }
        changes.WriteTo(commit, Environment.TickCount64);
    }

    /// <summary>
    /// Applies what the committed write changed to the rules' runtime state, and returns the alerts raised for outputs
    /// that deliver (webhook, dataset), by outbox name.
    /// </summary>
    public IReadOnlyDictionary<string, List<AlertEnvelope>> Complete()
    {
        var changes = _changes;
        _changes = null;
        if (changes is null) return Changes.NoWakes;
        changes.Apply(Environment.TickCount64);
        changes.Measure(dataset.Workspace);
        return changes.Wakes;
    }

    private void Evaluate(ActiveRule rule, CommitContext commit, Changes changes, KeyState state, bool[] results,
        RecordEvent e, RecordBatch batch, PropertyDefinition[] columns, RecordRow row, long now) =>
        Evaluate(rule, changes.For(rule.Runtime), changes.Positions(rule, e.Batch, batch.Columns), commit, changes, state, results, e, batch, columns, row, now);

    private void Evaluate(ActiveRule rule, RuleChange change, int[] positions, CommitContext commit, Changes changes, KeyState state, bool[] results,
        RecordEvent e, RecordBatch batch, PropertyDefinition[] columns, RecordRow row, long now)
    {
        state.Bind(rule.Runtime, change, row.Key, batch.FreezeState);
        var passed = rule.Compiled.Evaluate(row.Values, positions, state, results);
        change.Ran++;
        change.Evaluated = now;
        if (!passed)
        {
            change.Failed++;
            return;
        }
        change.Passed++;
        var sent = false;
        var subject = new AlertSubject(rule, dataset, columns, row, e.Sequence, positions, results, additional);
        for (var i = 0; i < rule.Outputs.Length; i++)
        {
            var output = rule.Outputs[i];
            if (output.Frequency > 0)
            {
                var throttle = output.Id + ":" + row.Key;
                if (change.LastSent(rule.Runtime, throttle) is { } last && now - last < output.Frequency * 1000) continue;
                change.SetLastSent(throttle, now);
            }
            var definition = rule.Definition;
            var alertId = AlertIds.For(definition.Id, definition.Version, output.Id!, rule.DatasetKey, e.Sequence);
            var body = AlertBody.Build(subject, alertId, output, now);
            var logs = output.Method == RuleOutputs.Logs;
            commit.Alerts.Add(new OutboxAlert(alertId, rule.OutputKeys[i], definition.Id, e.Sequence, now, logs ? AlertState.Logged : AlertState.Pending, body));
            changes.CountAlert(output.Method);
            if (!logs) changes.Wake(rule.OutputKeys[i], new AlertEnvelope(alertId, e.Sequence, now, body));
            sent = true;
        }
        if (sent) change.Sent++;
        else change.Throttled++;
    }

    /// <summary>Where <paramref name="property"/> is in the rows of each batch of the write; -1 where a batch does not carry it.</summary>
    private static int[] FilterColumns(CommitContext commit, string property)
    {
        var positions = new int[commit.Batches.Count];
        for (var b = 0; b < positions.Length; b++)
            positions[b] = Array.FindIndex(commit.Batches[b].Columns, c => string.Equals(c, property, StringComparison.OrdinalIgnoreCase));
        return positions;
    }

    private PropertyDefinition[] Columns(RecordBatch batch) =>
        Array.ConvertAll(batch.Columns, c => dataset.Schema.Find(c) ?? new PropertyDefinition(c, PropertyType.Any));

    /// <summary>A rule evaluated for every record: its change in this write, and its columns in the batch last seen.</summary>
    private struct Slot
    {
        public RuleChange? Change;
        public int[]? Positions;
        public int Batch;
    }

    /// <summary>The per-key state view a compiled rule sees while one record is evaluated.</summary>
    private sealed class KeyState : IConditionState
    {
        private RuleRuntime _runtime = null!;
        private RuleChange _change = null!;
        private string _key = "";
        private bool _frozen;

        public void Bind(RuleRuntime runtime, RuleChange change, string key, bool frozen) =>
            (_runtime, _change, _key, _frozen) = (runtime, change, key, frozen);

        public bool TryGetPrevious(int condition, out double value)
        {
            var name = Name(condition);
            if (_change.Previous is { } changed && changed.TryGetValue(name, out value)) return true;
            return _runtime.Previous.TryGetValue(name, out value);
        }

        public void SetPrevious(int condition, double value)
        {
            if (!_frozen) (_change.Previous ??= new(StringComparer.Ordinal))[Name(condition)] = value;
        }

        private string Name(int condition) => condition.ToString(CultureInfo.InvariantCulture) + ":" + _key;
    }

    /// <summary>What one write changes for one rule.</summary>
    private sealed class RuleChange
    {
        public long Ran, Passed, Failed, Sent, Throttled, Evaluated;
        public Dictionary<string, double>? Previous;
        public Dictionary<string, long>? LastSentChanges;
        public bool CountersWritten, ResetWritten;

        public long? LastSent(RuleRuntime runtime, string throttle)
        {
            if (LastSentChanges is { } changed && changed.TryGetValue(throttle, out var at)) return at;
            return runtime.LastSent.TryGetValue(throttle, out at) ? at : null;
        }

        public void SetLastSent(string throttle, long at) => (LastSentChanges ??= new(StringComparer.Ordinal))[throttle] = at;
    }

    /// <summary>Everything one write changes, kept apart until it commits.</summary>
    private sealed class Changes
    {
        public static readonly IReadOnlyDictionary<string, List<AlertEnvelope>> NoWakes = new Dictionary<string, List<AlertEnvelope>>();

        private readonly Dictionary<RuleRuntime, RuleChange> _rules = [];
        private readonly Dictionary<(ActiveRule, int), int[]> _positions = [];

        public Dictionary<string, List<AlertEnvelope>> Wakes { get; } = new(StringComparer.Ordinal);

        private Dictionary<string, long>? _alertsByMethod;

        public void CountAlert(string method)
        {
            var counts = _alertsByMethod ??= new(StringComparer.Ordinal);
            counts[method] = counts.GetValueOrDefault(method) + 1;
        }

        /// <summary>The committed write's evaluations and alerts, for <see cref="ApperateMetrics"/>.</summary>
        public void Measure(string workspace)
        {
            var ran = 0L;
            foreach (var change in _rules.Values) ran += change.Ran;
            if (ran > 0) ApperateMetrics.RuleEvaluations.Add(ran, new KeyValuePair<string, object?>("workspace", workspace));
            if (_alertsByMethod is null) return;
            foreach (var (method, count) in _alertsByMethod)
                ApperateMetrics.Alerts.Add(count, new("workspace", workspace), new("method", method));
        }

        public RuleChange For(RuleRuntime runtime)
        {
            if (!_rules.TryGetValue(runtime, out var change)) _rules[runtime] = change = new RuleChange();
            return change;
        }

        public int[] Positions(ActiveRule rule, int batch, string[] columns)
        {
            if (!_positions.TryGetValue((rule, batch), out var positions)) _positions[(rule, batch)] = positions = rule.Compiled.Bind(columns);
            return positions;
        }

        public void Wake(string output, AlertEnvelope alert)
        {
            if (!Wakes.TryGetValue(output, out var list)) Wakes[output] = list = [];
            list.Add(alert);
        }

        public void WriteTo(CommitContext commit, long ticks)
        {
            foreach (var (runtime, change) in _rules)
            {
                if (change.LastSentChanges is { } sent)
                    foreach (var (name, at) in sent) commit.State.Add(new RuleStateValue(runtime.RuleId, runtime.ThrottleName(name), at.ToString(CultureInfo.InvariantCulture)));
                if (change.Previous is { } previous)
                    foreach (var (name, value) in previous) commit.State.Add(new RuleStateValue(runtime.RuleId, runtime.PreviousName(name), value.ToString("R", CultureInfo.InvariantCulture)));
                if (runtime.ResetPending)
                {
                    commit.StateResets.Add((runtime.RuleId, runtime.Prefix));
                    change.ResetWritten = true;
                }
            }
            var writing = !commit.IsEmpty;
            foreach (var (runtime, change) in _rules)
            {
                if (!writing && ticks - runtime.CountersStoredAt < CountersDelayMs) continue;
                var counters = string.Create(CultureInfo.InvariantCulture,
                    $"{runtime.Ran + change.Ran},{runtime.Passed + change.Passed},{runtime.Failed + change.Failed},{runtime.Sent + change.Sent},{runtime.Throttled + change.Throttled},{Math.Max(runtime.Evaluated, change.Evaluated)}");
                commit.State.Add(new RuleStateValue(runtime.RuleId, SqlText.CountersName, counters));
                change.CountersWritten = true;
            }
        }

        public void Apply(long ticks)
        {
            foreach (var (runtime, change) in _rules)
            {
                // An edit that began a new state generation meanwhile took over the counters.
                var counted = runtime.Current;
                counted.Ran += change.Ran;
                counted.Passed += change.Passed;
                counted.Failed += change.Failed;
                counted.Sent += change.Sent;
                counted.Throttled += change.Throttled;
                counted.Evaluated = Math.Max(counted.Evaluated, change.Evaluated);
                if (change.CountersWritten && ReferenceEquals(counted, runtime))
                {
                    runtime.CountersStoredAt = ticks;
                    runtime.CountersDirty = false;
                }
                else
                {
                    counted.CountersDirty = true;
                }
                if (change.ResetWritten) runtime.ResetPending = false;
                if (change.LastSentChanges is { } sent) foreach (var (name, at) in sent) runtime.LastSent[name] = at;
                if (change.Previous is { } previous) foreach (var (name, value) in previous) runtime.Previous[name] = value;
            }
        }
    }
}
