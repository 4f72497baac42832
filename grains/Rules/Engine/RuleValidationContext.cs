using Apperate.Actors.Datasets;

namespace Apperate.Actors.Rules.Engine;

/// <summary>What <see cref="RuleValidator.Validate"/> needs to know beyond the request: the workspace and its datasets, the rule as it was, and the services that judge outputs.</summary>
/// <param name="Workspace">The rule's workspace, as created (facts are normalized to this spelling).</param>
/// <param name="RuleId">The id the rule gets (a new UUID on create, the edited rule's on edit).</param>
/// <param name="Existing">The rule being edited, or null on create.</param>
/// <param name="Now">The time of the change, epoch ms.</param>
/// <param name="FindDataset">A dataset of the workspace by id, ignoring case; null when there is none.</param>
/// <param name="CheckUrl">Null when a webhook URL may be called, else the reason it is refused (e.g. a private address).</param>
/// <param name="NewSecret">A new webhook signing secret (<c>whsec_…</c>).</param>
/// <param name="IsValidSecret">Whether a secret a client supplied can sign webhooks.</param>
public sealed record RuleValidationContext(
    string Workspace,
    string RuleId,
    RuleDefinition? Existing,
    long Now,
    Func<string, DatasetDefinition?> FindDataset,
    Func<string, string?> CheckUrl,
    Func<string> NewSecret,
    Func<string, bool> IsValidSecret);
