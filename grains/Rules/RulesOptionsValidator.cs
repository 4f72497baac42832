using Apperate.Actors.Rules.Delivery;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Rules;

/// <summary>Checks <see cref="RulesOptions"/> at start, naming each bad setting by its configuration key.</summary>
/// <remarks>
/// A wrong schedule or allowlist entry found only when the first alert fires would be found late and far from its
/// cause; the service refuses to start instead.
/// </remarks>
public sealed class RulesOptionsValidator : IValidateOptions<RulesOptions>
{
    public ValidateOptionsResult Validate(string? name, RulesOptions options)
    {
        var failures = new List<string>();
        try
        {
            RetrySchedule.Parse(options.RetrySchedule);
        }
        catch (FormatException ex)
        {
            failures.Add($"{RulesOptions.Section}:{nameof(RulesOptions.RetrySchedule)}: {ex.Message}");
        }
        foreach (var entry in options.AllowedWebhookHosts ?? [])
        {
            if (!WebhookAddressGuard.IsValidEntry(entry))
                failures.Add($"{RulesOptions.Section}:{nameof(RulesOptions.AllowedWebhookHosts)}: '{entry}' is not a host name, an IP address or a CIDR block (like 10.0.0.0/8).");
        }
        Positive(failures, nameof(RulesOptions.Timeout), options.Timeout);
        Positive(failures, nameof(RulesOptions.BreakerProbeInterval), options.BreakerProbeInterval);
        Positive(failures, nameof(RulesOptions.AlertRetention), options.AlertRetention);
        if (options.MaxConcurrencyPerHost <= 0)
            failures.Add($"{RulesOptions.Section}:{nameof(RulesOptions.MaxConcurrencyPerHost)} must be positive, not {options.MaxConcurrencyPerHost}.");
        if (options.BreakerThreshold <= 0)
            failures.Add($"{RulesOptions.Section}:{nameof(RulesOptions.BreakerThreshold)} must be positive, not {options.BreakerThreshold}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) failures.Add($"{RulesOptions.Section}:{name} must be positive, not {value}.");
    }
}
