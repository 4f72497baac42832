using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Delivery;
using Apperate.Actors.Rules.Engine;
using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Rules;

/// <summary>Validates a rule request against its workspace as it is now: its datasets, and whether its webhook URLs may be called.</summary>
internal static class RuleValidation
{
    /// <summary>The validated rule and the workspace's datasets by id (ignoring case).</summary>
    /// <exception cref="ApperateException">The workspace does not exist (not found), or the request is invalid.</exception>
    public static async Task<(RuleDefinition Rule, Dictionary<string, DatasetDefinition> Datasets)> ValidateAsync(
        IGrainFactory grains, WebhookAddressGuard guard, string workspaceKey, string ruleId, RuleRequest request, RuleDefinition? existing)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceKey);
        var name = await workspace.GetNameAsync() ?? throw ApperateException.NotFound($"Workspace '{workspaceKey}' does not exist");
        var datasets = (await workspace.ListDatasetsAsync()).ToDictionary(d => d.DatasetId, StringComparer.OrdinalIgnoreCase);
        // The guard resolves host names, which is asynchronous; the validator asks for the answers synchronously.
        var refused = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var output in request.Outputs)
            if (output.Url is { } url && !refused.ContainsKey(url)) refused[url] = await guard.CheckUrlAsync(url);
        var rule = RuleValidator.Validate(request, new RuleValidationContext(
            name, ruleId, existing, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            id => datasets.GetValueOrDefault(id),
            url => refused.GetValueOrDefault(url),
            WebhookSignature.NewSecret,
            WebhookSignature.IsValidSecret));
        return (rule, datasets);
    }
}
