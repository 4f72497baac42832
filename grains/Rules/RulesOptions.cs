using Apperate.Actors.Rules.Delivery;

namespace Apperate.Actors.Rules;

/// <summary>
/// The <c>Apperate:Rules</c> configuration section (environment: <c>Apperate__Rules__Name</c>): how alerts are delivered
/// and kept. Checked at start by <see cref="RulesOptionsValidator"/>.
/// </summary>
public sealed class RulesOptions
{
    public const string Section = "Apperate:Rules";

    /// <summary>The name of the <see cref="System.Net.Http.IHttpClientFactory"/> client that sends webhooks.</summary>
    public const string HttpClientName = "apperate-webhooks";

    /// <summary>
    /// The delay before each attempt, comma separated (units <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>; a bare
    /// <c>0</c>); see <see cref="Delivery.RetrySchedule"/>.
    /// </summary>
    /// <remarks>
    /// The default is Standard Webhooks' schedule: ten attempts over about three days, so a receiver that is down for a
    /// weekend still gets its alerts. Tests shorten it.
    /// </remarks>
    public string RetrySchedule { get; set; } = Delivery.RetrySchedule.Default;

    /// <summary>
    /// Webhook destinations allowed although they are not public: host names (compared ignoring case), IP addresses and
    /// CIDR blocks (<c>10.0.0.0/8</c>).
    /// </summary>
    /// <remarks>
    /// Empty by default, so a rule cannot make the service call into its own network (cloud metadata endpoints, admin
    /// ports on localhost); see <see cref="WebhookAddressGuard"/>.
    /// </remarks>
    public string[] AllowedWebhookHosts { get; set; } = [];

    /// <summary>How long one attempt may take, from connecting to the response's status line.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>At most this many requests to one destination host at once.</summary>
    /// <remarks>
    /// Many rules may point at one receiver; a burst of alerts must not overload it (or the connection pool). It also
    /// bounds what one host can take: about this many alerts per round trip, so 32 sends ~640 alerts/s to a receiver
    /// 50 ms away.
    /// </remarks>
    public int MaxConcurrencyPerHost { get; set; } = 32;

    /// <summary>After this many consecutive failures of a host, only one probe per <see cref="BreakerProbeInterval"/> is sent to it.</summary>
    public int BreakerThreshold { get; set; } = 20;

    /// <summary>How often a host whose breaker is open is probed.</summary>
    public TimeSpan BreakerProbeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long delivered and dead alerts, and the alerts of <c>logs</c> outputs, are kept.</summary>
    public TimeSpan AlertRetention { get; set; } = TimeSpan.FromDays(7);
}
