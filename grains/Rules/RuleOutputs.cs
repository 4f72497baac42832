namespace Apperate.Actors.Rules;

/// <summary>The output methods a rule may use.</summary>
public static class RuleOutputs
{
    public const string Webhook = "webhook";
    public const string Logs = "logs";
    public const string Dataset = "dataset";
}
