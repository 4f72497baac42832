namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Wakes the delivery of every output with alerts due, once a minute by a reminder (and at start-up): this is what
/// resumes deliveries after a restart, a silo loss or a lost hand-over. Also prunes old delivered and dead alerts.
/// There is one, keyed by <see cref="AlertSweeperGrain.Key"/>.
/// </summary>
public interface IAlertSweeperGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the reminder exists and sweeps now.</summary>
    Task StartAsync();
}
