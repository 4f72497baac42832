using System.Text;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>Webhook outputs: one signed POST per alert, within the destination host's limits.</summary>
public sealed partial class AlertDeliveryGrain
{
    private async Task SendAsync(Item item, RuleOutput output)
    {
        var url = new Uri(output.Url!);
        using var lease = await hosts.EnterAsync(url.Host);
        if (!lease.Granted)
        {
            // The host's breaker is open: wait for its probe without counting an attempt.
            item.Due = (lease.RetryAt ?? DateTimeOffset.UtcNow.AddSeconds(1)).ToUnixTimeMilliseconds();
            Enqueue(item);
            return;
        }
        var outcome = await sender.SendAsync(new WebhookRequest(url, item.AlertId, output.Secret!, output.Headers, Encoding.UTF8.GetBytes(item.Body)));
        lease.Complete(!outcome.IsHostFailure);
        switch (outcome.Kind)
        {
            case DeliveryOutcomeKind.Delivered:
                Delivered(item, outcome.HttpStatus);
                break;
            case DeliveryOutcomeKind.Gone:
                Gone(item, outcome.HttpStatus);
                break;
            default:
                Failed(item, outcome.HttpStatus, outcome.Error ?? "failed", outcome.RetryAfter);
                break;
        }
    }
}
