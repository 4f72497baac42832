namespace Apperate.Actors.Rules;

/// <summary>How a rule combines its conditions.</summary>
[GenerateSerializer, Alias("apperate.RuleMatch")]
public enum RuleMatch
{
    /// <summary>The rule passes when any condition is true (Apperate's default).</summary>
    Any = 0,
    /// <summary>The rule passes when every condition is true.</summary>
    All = 1,
}

/// <summary>One condition, <c>[left, operator, right]</c> as Apperate writes it.</summary>
/// <param name="Left">A fact reference, <c>$index[i]</c>, or a bare property name of the rule's dataset.</param>
/// <param name="Operator">The operator as given (<c>&gt;</c>, <c>contains</c>, <c>crossesAbove</c>, …).</param>
/// <param name="RightJson">The right side as JSON text (a number, a string, an array, <c>"$index[j]"</c>); null for <c>exists</c>/<c>notExists</c>.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleCondition")]
public sealed record RuleCondition(
    [property: Id(0)] string Left,
    [property: Id(1)] string Operator,
    [property: Id(2)] string? RightJson);

/// <summary>Where a rule's alerts go.</summary>
/// <param name="Id">
/// A stable id within the rule (<c>o1</c>, <c>o2</c>, …), assigned at create and kept by an edit that keeps the output's
/// method and target, so throttle state and pending deliveries follow it; null in a request.
/// </param>
/// <param name="Method"><c>webhook</c>, <c>logs</c> or <c>dataset</c>.</param>
/// <param name="Frequency">The throttle in seconds: at most one alert per key within this time (0 = every pass).</param>
/// <param name="Url">The webhook's URL.</param>
/// <param name="Secret">The webhook's Standard Webhooks signing secret (<c>whsec_…</c>); generated when omitted.</param>
/// <param name="Headers">Extra request headers for the webhook.</param>
/// <param name="DatasetId">The dataset a <c>dataset</c> output writes to (created when missing).</param>
/// <param name="DisabledReason">Set when the receiver answered 410 Gone: no more alerts are raised for the output until the rule is edited.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleOutput")]
public sealed record RuleOutput(
    [property: Id(0)] string? Id,
    [property: Id(1)] string Method,
    [property: Id(2)] long Frequency,
    [property: Id(3)] string? Url = null,
    [property: Id(4)] string? Secret = null,
    [property: Id(5)] IReadOnlyDictionary<string, string>? Headers = null,
    [property: Id(6)] string? DatasetId = null,
    [property: Id(7)] string? DisabledReason = null);

/// <summary>A rule as a client sends it to create or edit one (<c>POST /v1/rules/create</c>).</summary>
/// <param name="Id">The rule to edit, or null to create one.</param>
/// <param name="Name">The rule's name (<c>ruleName</c>).</param>
/// <param name="Type">How the conditions combine.</param>
/// <param name="Index">The facts the conditions refer to as <c>$index[i]</c>: <c>WORKSPACE:DATASET:DATASET_ID:property</c>.</param>
/// <param name="Conditions">The conditions.</param>
/// <param name="Outputs">Where alerts go (at least one).</param>
/// <param name="AdditionalIndex">Facts reported with each alert but not evaluated.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleRequest")]
public sealed record RuleRequest(
    [property: Id(0)] string? Id,
    [property: Id(1)] string Name,
    [property: Id(2)] RuleMatch Type,
    [property: Id(3)] string[] Index,
    [property: Id(4)] RuleCondition[] Conditions,
    [property: Id(5)] RuleOutput[] Outputs,
    [property: Id(6)] string[] AdditionalIndex);

/// <summary>A validated rule: what the rule grain stores and the dataset grain evaluates.</summary>
/// <param name="Id">The rule id (a UUID).</param>
/// <param name="Workspace">The workspace, as created.</param>
/// <param name="DatasetId">The one dataset the rule watches.</param>
/// <param name="Name">The rule's name.</param>
/// <param name="Type">How the conditions combine.</param>
/// <param name="Index">The facts, normalized to <c>WORKSPACE:DATASET:DATASET_ID:property</c> with the names as created.</param>
/// <param name="Conditions">The conditions, each referring to a fact as <c>$index[i]</c>.</param>
/// <param name="Outputs">The outputs, each with its stable id.</param>
/// <param name="AdditionalIndex">Facts reported with each alert.</param>
/// <param name="Version">1 at create, incremented by every edit.</param>
/// <param name="Created">Epoch ms.</param>
/// <param name="Updated">Epoch ms of the last edit, pause or resume.</param>
/// <param name="Paused">A paused rule is not evaluated.</param>
/// <param name="StateGeneration">
/// Incremented when an edit changes what the rule evaluates (type, index or conditions): throttle and per-key state of
/// an older generation are forgotten. Edits that keep the conditions keep the state.
/// </param>
/// <param name="OutputsNumbered">How many output ids the rule has ever given (<c>o1</c> … <c>oN</c>): an id is never given twice, so
/// alerts still pending for a removed output can never go to a new one.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleDefinition")]
public sealed record RuleDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] string Workspace,
    [property: Id(2)] string DatasetId,
    [property: Id(3)] string Name,
    [property: Id(4)] RuleMatch Type,
    [property: Id(5)] string[] Index,
    [property: Id(6)] RuleCondition[] Conditions,
    [property: Id(7)] RuleOutput[] Outputs,
    [property: Id(8)] string[] AdditionalIndex,
    [property: Id(9)] int Version,
    [property: Id(10)] long Created,
    [property: Id(11)] long Updated,
    [property: Id(12)] bool Paused,
    [property: Id(13)] int StateGeneration,
    [property: Id(14)] int OutputsNumbered = 0)
{
    /// <summary>This definition with every webhook secret removed, for anything that is shown or sent elsewhere.</summary>
    public RuleDefinition WithoutSecrets() =>
        Array.TrueForAll(Outputs, o => o.Secret is null) ? this : this with { Outputs = Array.ConvertAll(Outputs, o => o with { Secret = null }) };
}

/// <summary>What a rule has done. They persist across restarts.</summary>
/// <param name="Ran">Evaluations: one per event of the rule's dataset that the rule could match (= <see cref="Passed"/> + <see cref="Failed"/>).</param>
/// <param name="Passed">Evaluations whose conditions held.</param>
/// <param name="Failed">Evaluations whose conditions did not hold.</param>
/// <param name="Sent">Passes that raised at least one alert (the others were throttled): <see cref="Sent"/> ≤ <see cref="Passed"/>.</param>
/// <param name="Throttled">Passes that raised no alert because every output was within its frequency (= <see cref="Passed"/> − <see cref="Sent"/>).</param>
/// <param name="Evaluated">Epoch ms of the last evaluation, 0 if never.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleCounters")]
public sealed record RuleCounters(
    [property: Id(0)] long Ran,
    [property: Id(1)] long Passed,
    [property: Id(2)] long Failed,
    [property: Id(3)] long Sent,
    [property: Id(4)] long Throttled,
    [property: Id(5)] long Evaluated)
{
    /// <summary>No evaluations yet.</summary>
    public static readonly RuleCounters Zero = new(0, 0, 0, 0, 0, 0);
}

/// <summary>A rule with its counters and delivery health, without secrets.</summary>
/// <param name="Definition">The rule (secrets removed).</param>
/// <param name="Counters">What it has done.</param>
/// <param name="DeliveryFailed">Alerts given up after the last attempt (dead letters) or dropped because the output was disabled.</param>
/// <param name="LastError">The last delivery error, or null.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleInfo")]
public sealed record RuleInfo(
    [property: Id(0)] RuleDefinition Definition,
    [property: Id(1)] RuleCounters Counters,
    [property: Id(2)] long DeliveryFailed,
    [property: Id(3)] string? LastError);

/// <summary>The answer to a create or edit.</summary>
/// <param name="Definition">The rule as stored, with the secrets of the webhook outputs: shown this once.</param>
/// <param name="Created">True for a new rule, false for an edit.</param>
[GenerateSerializer, Immutable, Alias("apperate.RuleSaved")]
public sealed record RuleSaved([property: Id(0)] RuleDefinition Definition, [property: Id(1)] bool Created);
