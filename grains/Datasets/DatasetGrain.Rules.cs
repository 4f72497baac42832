using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Engine;
using Apperate.Actors.Rules.Runtime;
using Apperate.Actors.Storage;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Datasets;

/// <summary>
/// The rules that watch this dataset: kept in its state (their grains put them here), compiled into a
/// <see cref="RuleSet"/> that every commit evaluates, with their runtime state loaded from the store.
/// </summary>
public sealed partial class DatasetGrain
{
    private static readonly TimeSpan CountersFlushDelay = TimeSpan.FromMilliseconds(RuleEvaluator.CountersDelayMs);

    private RuleSet _rules = RuleSet.Empty;
    private readonly Dictionary<string, RuleRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActiveRule> _compiled = new(StringComparer.Ordinal);
    private int _compiledForVersion = -1;
    private IGrainTimer? _countersTimer;

    /// <inheritdoc />
    public async Task PutRuleAsync(RuleDefinition rule)
    {
        var definition = RequireDefinition();
        if (!string.Equals(rule.DatasetId, definition.DatasetId, StringComparison.OrdinalIgnoreCase))
            throw ApperateException.Invalid("datasetId", $"rule '{rule.Id}' watches '{rule.DatasetId}', not '{definition.DatasetId}'");
        // A rule that does not compile against this schema is refused before anything is stored.
        RuleCompiler.Compile(rule, definition);
        rule = rule.WithoutSecrets();

        var existing = _runtimes.GetValueOrDefault(rule.Id);
        var stored = existing is not null && existing.Generation == rule.StateGeneration
            ? null
            : await alerts.ReadRuleStateAsync(rule.Id);
        state.State.Rules[rule.Id] = rule;
        await state.WriteStateAsync();

        if (stored is not null)
        {
            // Counters carry over from the runtime in use now; commits still running with the old one add theirs to the new one.
            var runtime = RuleRuntime.Load(rule.Id, rule.StateGeneration, stored, existing);
            if (existing is not null)
            {
                existing.Successor = runtime;
                runtime.ResetPending = true;
            }
            _runtimes[rule.Id] = runtime;
        }
        RebuildRules();
        LogRulePut(rule.Id, definition.Workspace, definition.DatasetId, rule.Version, rule.Paused);
    }

    /// <inheritdoc />
    public async Task RemoveRuleAsync(string ruleId, bool forgetState)
    {
        if (state.State.Rules.Remove(ruleId))
        {
            if (Definition is null) await state.ClearStateAsync();
            else await state.WriteStateAsync();
        }
        _runtimes.Remove(ruleId, out var removed);
        RebuildRules();
        // After any commit still running, which may write the rule's state once more.
        if (forgetState) Maintain(() => alerts.DeleteRuleStateAsync(ruleId));
        else if (removed is not null) Maintain(() => FlushCountersAsync([removed]));
    }

    /// <inheritdoc />
    public Task<RuleCounters[]> GetRuleCountersAsync(string[] ruleIds) =>
        Task.FromResult(Array.ConvertAll(ruleIds, id => _runtimes.TryGetValue(id, out var runtime) ? runtime.Counters : RuleCounters.Zero));

    private async Task LoadRulesAsync()
    {
        foreach (var rule in state.State.Rules.Values)
        {
            var stored = await alerts.ReadRuleStateAsync(rule.Id);
            _runtimes[rule.Id] = RuleRuntime.Load(rule.Id, rule.StateGeneration, stored);
        }
        RebuildRules();
        // A previous activation may have died between a commit and handing its alerts over (a silo lost): the outputs
        // look in the outbox now rather than at the sweeper's next tick.
        foreach (var rule in _rules.All)
            for (var i = 0; i < rule.Outputs.Length; i++)
                if (rule.Outputs[i].Method != RuleOutputs.Logs) GrainFactory.GetGrain<IAlertDeliveryGrain>(rule.OutputKeys[i]).WakeAsync([]).Ignore();
    }

    private void RebuildRules()
    {
        if (Definition is not { } definition)
        {
            _compiled.Clear();
            _rules = RuleSet.Empty;
            return;
        }
        // Rules are compiled again only when they or the schema changed: a dataset may have a thousand of them.
        if (definition.Version != _compiledForVersion)
        {
            _compiled.Clear();
            _compiledForVersion = definition.Version;
        }
        var active = new List<ActiveRule>();
        foreach (var rule in state.State.Rules.Values)
        {
            if (rule.Paused || !_runtimes.TryGetValue(rule.Id, out var runtime)) continue;
            if (!_compiled.TryGetValue(rule.Id, out var compiled) || !ReferenceEquals(compiled.Definition, rule) || !ReferenceEquals(compiled.Runtime, runtime))
            {
                try
                {
                    compiled = new ActiveRule(RuleCompiler.Compile(rule, definition), runtime);
                }
                catch (ApperateException ex)
                {
                    // Schema changes are additive, so a rule that compiled keeps compiling; this is logged, never silent.
                    LogRuleNotCompiled(ex, rule.Id, definition.DatasetId);
                    continue;
                }
                _compiled[rule.Id] = compiled;
            }
            active.Add(compiled);
        }
        var kept = active.Select(a => a.Definition.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _compiled.Keys.Where(id => !kept.Contains(id)).ToArray()) _compiled.Remove(id);
        _rules = active.Count == 0 ? RuleSet.Empty : new RuleSet(active);
    }

    private void ForgetRules()
    {
        _runtimes.Clear();
        _compiled.Clear();
        _rules = RuleSet.Empty;
    }

    /// <summary>Hands the alerts of a commit to their outputs' delivery grains (one-way: a commit never waits for a receiver).</summary>
    private void WakeDeliveries(IReadOnlyDictionary<string, List<AlertEnvelope>> wakes)
    {
        foreach (var (output, raised) in wakes)
            GrainFactory.GetGrain<IAlertDeliveryGrain>(output).WakeAsync([.. raised]).Ignore();
    }

    /// <summary>Stores, a second later, the counters that commits left in memory.</summary>
    private void ScheduleCountersFlush()
    {
        if (_countersTimer is not null) return;
        _countersTimer = this.RegisterGrainTimer(static (self, _) =>
        {
            self._countersTimer?.Dispose();
            self._countersTimer = null;
            self.Maintain(() => self.FlushCountersAsync(self._runtimes.Values));
            return Task.CompletedTask;
        }, this, new GrainTimerCreationOptions { DueTime = CountersFlushDelay, Period = Timeout.InfiniteTimeSpan, Interleave = true });
    }

    private async Task FlushCountersAsync(IEnumerable<RuleRuntime> runtimes)
    {
        var dirty = runtimes.Where(r => r.CountersDirty).ToArray();
        if (dirty.Length == 0) return;
        var values = Array.ConvertAll(dirty, r => new RuleStateValue(r.RuleId, SqlText.CountersName, r.CountersText));
        await alerts.WriteRuleStateAsync(values);
        var now = Environment.TickCount64;
        foreach (var runtime in dirty)
        {
            runtime.CountersDirty = false;
            runtime.CountersStoredAt = now;
        }
    }

    /// <summary>Prefetches the latest record of each key of the batches in the datasets rules report additional facts from.</summary>
    private async Task<AdditionalRecords?> ReadAdditionalAsync(RuleSet rules, IReadOnlyList<RecordBatch> batches)
    {
        if (rules.AdditionalDatasets.Length == 0) return null;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in batches)
            if (!batch.NoEvents)
                foreach (var row in batch.Rows) keys.Add(row.Key);
        if (keys.Count == 0) return null;
        var selectors = keys.Select(k => new KeySelector(k, null)).ToArray();
        var records = new AdditionalRecords();
        var workspace = (Definition ?? RequireDefinition()).Workspace;
        foreach (var other in rules.AdditionalDatasets)
        {
            try
            {
                records.Add(other, await GrainFactory.GetGrain<IDatasetGrain>(Names.DatasetKey(workspace, other)).QueryAsync(selectors, DataQuery.Latest));
            }
            catch (ApperateException)
            {
                // A dataset deleted since the rule was made: its facts are reported as null.
            }
        }
        return records;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule} (version {Version}, paused {Paused}) watches {Workspace}/{Dataset}")]
    private partial void LogRulePut(string rule, string workspace, string dataset, int version, bool paused);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rule {Rule} does not compile against dataset {Dataset}; it is not evaluated")]
    private partial void LogRuleNotCompiled(Exception ex, string rule, string dataset);
}
