using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Delivery;
using Apperate.Actors.Storage;
using Apperate.Actors.Workspaces;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Rules;

/// <summary>
/// One rule: validates and stores it, and keeps its dataset grain (which evaluates it) up to date. Every change is
/// stored here first, then registered with the workspace, then put on the dataset grain; a change cut short between
/// those steps leaves <see cref="RuleState.Unsynced"/> set and is completed at the next activation.
/// </summary>
public sealed partial class RuleGrain(
    [PersistentState("rule", StorageNames.GrainState)] IPersistentState<RuleState> state,
    IAlertStore alerts,
    WebhookAddressGuard guard,
    ILogger<RuleGrain> logger)
    : Grain, IRuleGrain
{
    private RuleState State => state.State;
    private string Workspace => this.GetPrimaryKeyString().Split('/', 2)[0];
    private string RuleId => this.GetPrimaryKeyString().Split('/', 2)[1];
    private RuleDefinition? Live => State.Deleted ? null : State.Definition;
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Unsynced && Live is not null)
        {
            try
            {
                await SyncAsync();
            }
            catch (Exception ex)
            {
                LogSyncFailed(ex, RuleId);
            }
        }
    }

    /// <inheritdoc />
    public async Task<RuleSaved> SaveAsync(RuleRequest request)
    {
        if (request.Id is { } id && !string.Equals(id, RuleId, StringComparison.OrdinalIgnoreCase))
            throw ApperateException.Invalid("id", $"'{id}' is not this rule's id");
        var existing = Live;
        if (request.Id is not null && existing is null) throw ApperateException.NotFound($"Rule '{request.Id}' does not exist");
        if (request.Id is null && State.Definition is not null) throw ApperateException.Conflict($"Rule '{RuleId}' already exists");

        var (definition, _) = await RuleValidation.ValidateAsync(GrainFactory, guard, Workspace, RuleId, request, existing);

        var movedFrom = existing is not null && !string.Equals(existing.DatasetId, definition.DatasetId, StringComparison.OrdinalIgnoreCase)
            ? existing.DatasetId
            : null;
        State.Definition = definition;
        State.Deleted = false;
        State.Unsynced = true;
        await state.WriteStateAsync();
        if (movedFrom is not null) await Dataset(movedFrom).RemoveRuleAsync(RuleId, forgetState: false);
        await SyncAsync();
        LogSaved(RuleId, definition.Workspace, definition.DatasetId, definition.Version, existing is null);
        return new RuleSaved(NewSecretsOnly(definition, existing), existing is null);
    }

    /// <inheritdoc />
    public async Task<RuleInfo?> GetInfoAsync()
    {
        if (Live is not { } definition) return null;
        RuleCounters counters;
        try
        {
            counters = (await Dataset(definition.DatasetId).GetRuleCountersAsync([RuleId]))[0];
        }
        catch (ApperateException)
        {
            counters = RuleCounters.Zero;
        }
        return new RuleInfo(definition.WithoutSecrets(), counters, State.DeliveryFailed, State.LastError);
    }

    /// <inheritdoc />
    public async Task SetPausedAsync(bool paused)
    {
        var definition = Live ?? throw ApperateException.NotFound($"Rule '{RuleId}' does not exist");
        if (definition.Paused == paused && !State.Unsynced) return;
        State.Definition = definition with { Paused = paused, Updated = Now };
        State.Unsynced = true;
        await state.WriteStateAsync();
        await SyncAsync();
    }

    /// <inheritdoc />
    public async Task DeleteAsync()
    {
        var definition = Live ?? throw ApperateException.NotFound($"Rule '{RuleId}' does not exist");
        await Dataset(definition.DatasetId).RemoveRuleAsync(RuleId, forgetState: true);
        State.Deleted = true;
        State.Unsynced = false;
        await state.WriteStateAsync();
        // Not awaited: the workspace may be the caller (deleting the rule's dataset). A registry entry left behind by a
        // failure is harmless: a deleted rule's info is null, so lists skip it.
        GrainFactory.GetGrain<IWorkspaceGrain>(Workspace).RemoveRuleAsync(RuleId).Ignore();
        LogDeleted(RuleId, definition.DatasetId);
    }

    /// <inheritdoc />
    public Task<RuleOutput?> GetOutputAsync(string outputId) =>
        Task.FromResult(State.Definition?.Outputs.FirstOrDefault(o => o.Id == outputId));

    /// <inheritdoc />
    public async Task ReportDeliveryAsync(string outputId, DeliveryReport report)
    {
        State.DeliveryFailed += report.DeadLetters;
        State.LastError = report.Error;
        if (report.Disabled && State.Definition is { } definition
            && Array.FindIndex(definition.Outputs, o => o.Id == outputId) is var at and >= 0
            && definition.Outputs[at].DisabledReason is null)
        {
            var outputs = (RuleOutput[])definition.Outputs.Clone();
            outputs[at] = outputs[at] with { DisabledReason = report.Error };
            State.Definition = definition with { Outputs = outputs };
            if (!State.Deleted) State.Unsynced = true;
            await state.WriteStateAsync();
            if (!State.Deleted) await SyncAsync();
            LogOutputDisabled(RuleId, outputId, report.Error);
            return;
        }
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task<DeliveryAttempt[]> GetDeliveriesAsync(int limit)
    {
        if (Live is not { } definition) throw ApperateException.NotFound($"Rule '{RuleId}' does not exist");
        var outputs = OutputKeys(definition, o => o.Method != RuleOutputs.Logs);
        var raised = await alerts.ReadAlertsAsync(outputs, null, null, limit);
        var attempts = (await alerts.ReadAttemptsAsync([.. raised.Select(a => a.AlertId)]))
            .ToLookup(a => a.AlertId, StringComparer.Ordinal);
        var list = new List<DeliveryAttempt>();
        foreach (var alert in raised)
        {
            var outputId = alert.Output[(alert.Output.LastIndexOf('/') + 1)..];
            var made = attempts[alert.AlertId].OrderByDescending(a => a.Attempt).ToArray();
            if (made.Length == 0)
            {
                list.Add(new DeliveryAttempt(alert.AlertId, outputId, 0, Status(alert.State, alert.Attempts, true), null, alert.Error, alert.Created,
                    alert.State == AlertState.Pending ? alert.NextAttempt : null));
                continue;
            }
            for (var i = 0; i < made.Length; i++)
            {
                var a = made[i];
                // The newest attempt carries the alert's current schedule; older ones were retried.
                var next = i == 0 && alert.State == AlertState.Pending ? alert.NextAttempt : (long?)null;
                list.Add(new DeliveryAttempt(alert.AlertId, outputId, a.Attempt, Status(a.State, a.Attempt, false), a.HttpStatus, a.Error, a.At, next ?? (a.State == AlertState.Pending ? a.NextAttempt : null)));
            }
        }
        return [.. list];
    }

    /// <inheritdoc />
    public async Task<string[]> GetLogOutputAsync(long? from, long? to, int last)
    {
        if (Live is not { } definition) throw ApperateException.NotFound($"Rule '{RuleId}' does not exist");
        var outputs = OutputKeys(definition, o => o.Method == RuleOutputs.Logs);
        var logged = await alerts.ReadAlertsAsync(outputs, from, to, last);
        var entries = new string[logged.Length];
        for (var i = 0; i < logged.Length; i++)
        {
            using var body = JsonDocument.Parse(logged[logged.Length - 1 - i].Body);
            entries[i] = body.RootElement.GetProperty("data").GetRawText();
        }
        return entries;
    }

    /// <summary>The definition showing only the secrets this change made or set: a secret is shown once.</summary>
    private static RuleDefinition NewSecretsOnly(RuleDefinition definition, RuleDefinition? before)
    {
        if (before is null) return definition;
        var known = before.Outputs.Where(o => o.Secret is not null).Select(o => (o.Id, o.Secret)).ToHashSet();
        return definition with { Outputs = Array.ConvertAll(definition.Outputs, o => known.Contains((o.Id, o.Secret)) ? o with { Secret = null } : o) };
    }

    private async Task SyncAsync()
    {
        var definition = State.Definition!;
        await GrainFactory.GetGrain<IWorkspaceGrain>(Workspace).AddRuleAsync(RuleId, definition.DatasetId);
        await Dataset(definition.DatasetId).PutRuleAsync(definition);
        State.Unsynced = false;
        await state.WriteStateAsync();
    }

    private string[] OutputKeys(RuleDefinition definition, Predicate<RuleOutput> which) =>
        [.. definition.Outputs.Where(o => which(o)).Select(o => RuleKeys.Output(definition.Workspace, RuleId, o.Id!))];

    private static string Status(AlertState state, int attempt, bool current) => state switch
    {
        AlertState.Delivered => "delivered",
        AlertState.Dead => "dead",
        AlertState.Disabled => "disabled",
        AlertState.Pending when current && attempt == 0 => "pending",
        _ => "failed",
    };

    private IDatasetGrain Dataset(string datasetId) => GrainFactory.GetGrain<IDatasetGrain>(Names.DatasetKey(Workspace, datasetId));

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule} of {Workspace} on {Dataset} saved (version {Version}, created {Created})")]
    private partial void LogSaved(string rule, string workspace, string dataset, int version, bool created);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Rule} on {Dataset} deleted")]
    private partial void LogDeleted(string rule, string dataset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule}: output {Output} disabled: {Reason}")]
    private partial void LogOutputDisabled(string rule, string output, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} could not be put on its dataset again; the next change or activation tries again")]
    private partial void LogSyncFailed(Exception ex, string rule);
}
