using System.Text;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>Webhook outputs: one signed POST per alert, within the destination host's limits.</summary>
public sealed partial class AlertDeliveryGrain
{
    private async Task SendAsync(Item item, RuleOutput output)
    {
        var request = new WebhookRequest(new Uri(output.Url!), item.AlertId, output.Secret!, output.Headers, Encoding.UTF8.GetBytes(item.Body));
        // The host's slot is taken and given back off this activation's scheduler, so that a slot is never lost with
        // an activation that goes away while its request is out.
        var (outcome, retryAt) = await Task.Run(async () =>
        {
            using var lease = await hosts.EnterAsync(request.Url.Host);
            if (!lease.Granted) return ((DeliveryOutcome?)null, lease.RetryAt ?? DateTimeOffset.UtcNow.AddSeconds(1));
            var sent = await sender.SendAsync(request);
            lease.Complete(!sent.IsHostFailure);
            return (sent, default(DateTimeOffset));
        });
        if (outcome is null)
        {
            // The host's breaker is open: wait for its probe without counting an attempt.
            item.Due = retryAt.ToUnixTimeMilliseconds();
            Enqueue(item);
            return;
        }
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
