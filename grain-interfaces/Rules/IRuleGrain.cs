namespace Apperate.Actors.Rules;

/// <summary>
/// One rule: its definition, status and delivery health. Keyed by <see cref="RuleKeys.Grain"/> (<c>WORKSPACE/ruleId</c>).
/// The rule's dataset grain evaluates it on every committed write; the rule grain is where it is created, edited,
/// paused, resumed and deleted, and every change reaches the dataset grain before the call returns.
/// </summary>
public interface IRuleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the rule (when this grain holds none) or edits it. Validates the request against the workspace's datasets
    /// and raises <see cref="ApperateException"/> (<see cref="ErrorKind.Invalid"/>) naming the field at fault.
    /// </summary>
    /// <returns>The rule as stored, with its webhook secrets (shown this once).</returns>
    Task<RuleSaved> SaveAsync(RuleRequest request);

    /// <summary>The rule without secrets, its counters and delivery health; null when it does not exist.</summary>
    Task<RuleInfo?> GetInfoAsync();

    /// <summary>Pauses (no evaluation) or resumes the rule. Raises not-found when it does not exist.</summary>
    Task SetPausedAsync(bool paused);

    /// <summary>Deletes the rule: it stops being evaluated at once; alerts already raised are still delivered.</summary>
    Task DeleteAsync();

    /// <summary>One output with its secret, for delivery; null when the rule or the output no longer exists.</summary>
    Task<RuleOutput?> GetOutputAsync(string outputId);

    /// <summary>Recorded by an output's delivery: a dead letter, a disabled output (410) or the last error.</summary>
    Task ReportDeliveryAsync(string outputId, DeliveryReport report);

    /// <summary>The newest deliveries of the rule's webhook and dataset outputs, newest first, with their attempts.</summary>
    Task<DeliveryAttempt[]> GetDeliveriesAsync(int limit);

    /// <summary>The alerts of the rule's <c>logs</c> outputs raised within [from, to] (epoch ms, either optional), the newest <paramref name="last"/>, oldest first, as JSON objects.</summary>
    Task<string[]> GetLogOutputAsync(long? from, long? to, int last);
}

/// <summary>Workspace-wide rule operations. Keyed by the upper-case workspace name.</summary>
public interface IWorkspaceRulesGrain : IGrainWithStringKey
{
    /// <summary>Every rule of the workspace with its counters, ordered by creation.</summary>
    Task<RuleInfo[]> ListAsync();

    /// <summary>
    /// Evaluates a rule that is not stored against records given as a JSON array, in order (stateful operators see them
    /// as a sequence of one key's events); nothing is stored, sent or counted. Returns a JSON array, one result per record.
    /// </summary>
    Task<string> TestAsync(RuleRequest request, string recordsJson);

    /// <summary>Operators, output methods and every fact of the workspace's datasets, as <c>GET /v1/rules/schema</c> answers (JSON).</summary>
    Task<string> GetSchemaAsync();

    /// <summary>The distinct values of a lookup fact (a dataset's key property), at most <paramref name="limit"/>.</summary>
    Task<string[]> LookupAsync(string fact, int limit);

    /// <summary>Sends an alert again (same <c>webhook-id</c>), now, whatever its state. Raises not-found for an unknown delivery.</summary>
    Task RedeliverAsync(string deliveryId);
}

/// <summary>What an output's delivery tells its rule.</summary>
/// <param name="Error">What went wrong (for <c>lastError</c>).</param>
/// <param name="DeadLetters">Alerts given up (counted in <c>deliveryFailed</c>).</param>
/// <param name="Disabled">The receiver answered 410 Gone: the output is disabled.</param>
[GenerateSerializer, Immutable, Alias("apperate.DeliveryReport")]
public sealed record DeliveryReport([property: Id(0)] string Error, [property: Id(1)] int DeadLetters, [property: Id(2)] bool Disabled);

/// <summary>One delivery of an alert to one output, as <c>GET /v1/rules/deliveries/:id</c> lists it.</summary>
/// <param name="DeliveryId">The alert id, which is also the webhook's <c>webhook-id</c>.</param>
/// <param name="OutputId">The rule output.</param>
/// <param name="Attempt">1 for the first attempt; 0 for an alert not yet attempted.</param>
/// <param name="Status"><c>pending</c>, <c>delivered</c>, <c>failed</c> (to be retried), <c>dead</c> (given up) or <c>disabled</c> (the output was disabled).</param>
/// <param name="HttpStatus">The receiver's status code, when it answered.</param>
/// <param name="Error">What went wrong.</param>
/// <param name="At">Epoch ms of the attempt (of the alert, for attempt 0).</param>
/// <param name="NextAttemptAt">Epoch ms of the next attempt, while one is scheduled.</param>
[GenerateSerializer, Immutable, Alias("apperate.DeliveryAttempt")]
public sealed record DeliveryAttempt(
    [property: Id(0)] string DeliveryId,
    [property: Id(1)] string OutputId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] string Status,
    [property: Id(4)] int? HttpStatus,
    [property: Id(5)] string? Error,
    [property: Id(6)] long At,
    [property: Id(7)] long? NextAttemptAt);

/// <summary>An alert handed to its output's delivery: stored in the outbox in the same transaction as its record.</summary>
/// <param name="AlertId">Deterministic (UUIDv5 of rule, rule version, output, dataset and record sequence): the <c>webhook-id</c>.</param>
/// <param name="Sequence">The record's commit sequence in its dataset; alerts of one output are sent in this order.</param>
/// <param name="Created">Epoch ms when the alert was raised.</param>
/// <param name="Body">The webhook body (<c>{"type":"rule.triggered","timestamp":…,"data":{…}}</c>), sent as is on every attempt.</param>
[GenerateSerializer, Immutable, Alias("apperate.AlertEnvelope")]
public sealed record AlertEnvelope(
    [property: Id(0)] string AlertId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long Created,
    [property: Id(3)] string Body);

/// <summary>
/// Delivers one rule output's alerts from the outbox: in order, with retries on timers, woken after a restart or a silo
/// loss by the alert sweeper's reminder. Keyed by <see cref="RuleKeys.Output"/>. Used by the service itself.
/// </summary>
public interface IAlertDeliveryGrain : IGrainWithStringKey
{
    /// <summary>New alerts just committed (or, with none, "look in the outbox"): they are delivered in the background.</summary>
    [Orleans.Concurrency.OneWay]
    Task WakeAsync(AlertEnvelope[] alerts);

    /// <summary>Sends one alert again now, whatever its state.</summary>
    Task RedeliverAsync(string alertId);
}

/// <summary>Grain keys of the rules engine.</summary>
public static class RuleKeys
{
    /// <summary>The <see cref="IRuleGrain"/> key: <c>WORKSPACE/ruleid</c> (workspace upper case, id lower case).</summary>
    public static string Grain(string workspace, string ruleId) => $"{Names.Normalize(workspace)}/{ruleId.ToLowerInvariant()}";

    /// <summary>The <see cref="IAlertDeliveryGrain"/> key and the outbox's output name: <c>WORKSPACE/ruleid/outputId</c>.</summary>
    public static string Output(string workspace, string ruleId, string outputId) => $"{Grain(workspace, ruleId)}/{outputId}";
}
