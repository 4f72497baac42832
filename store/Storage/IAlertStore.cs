namespace Apperate.Actors.Storage;

/// <summary>Where an alert is in its life.</summary>
public enum AlertState
{
    /// <summary>To be delivered (not attempted yet, or failed and to be retried at its next attempt time).</summary>
    Pending = 0,
    /// <summary>The receiver answered 2xx (or the dataset output stored it).</summary>
    Delivered = 1,
    /// <summary>Given up after the last attempt: a dead letter.</summary>
    Dead = 2,
    /// <summary>A log output's alert: nothing to deliver.</summary>
    Logged = 3,
    /// <summary>Not delivered because its output was disabled (410 Gone) or removed.</summary>
    Disabled = 4,
}

/// <summary>An alert as the outbox holds it.</summary>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="NextAttempt">Epoch ms of the next attempt while pending.</param>
/// <param name="HttpStatus">The last answer's status code, when there was one.</param>
/// <param name="Error">The last error.</param>
public sealed record StoredAlert(
    string AlertId, string Output, string Rule, long Sequence, long Created, AlertState State,
    int Attempts, long NextAttempt, int? HttpStatus, string? Error, string Body);

/// <summary>An attempt's outcome to record: the alert's new state and, for a real attempt, a row of its history.</summary>
/// <param name="Attempt">The attempt's number (its history row); 0 changes the state only (a redelivery, a disabled output).</param>
/// <param name="At">Epoch ms of the attempt.</param>
public sealed record AlertUpdate(string AlertId, AlertState State, int Attempt, long At, long NextAttempt, int? HttpStatus, string? Error);

/// <summary>One recorded attempt.</summary>
public sealed record AlertAttempt(string AlertId, int Attempt, long At, AlertState State, int? HttpStatus, string? Error, long NextAttempt);

/// <summary>
/// The outbox of alerts and the rules' state, in the same database as the records so that both are written in one
/// transaction (see <see cref="IRecordStore.WriteAsync"/>). Implemented by each record store.
/// </summary>
public interface IAlertStore
{
    /// <summary>Every stored state value of a rule, by name.</summary>
    Task<Dictionary<string, string>> ReadRuleStateAsync(string rule, CancellationToken cancellationToken = default);

    /// <summary>Stores rule state outside a write (counters flushed while no record is written).</summary>
    Task WriteRuleStateAsync(IReadOnlyList<RuleStateValue> values, CancellationToken cancellationToken = default);

    /// <summary>Forgets a deleted rule's state.</summary>
    Task DeleteRuleStateAsync(string rule, CancellationToken cancellationToken = default);

    /// <summary>Pending alerts of one output with a sequence above <paramref name="afterSequence"/>, in sequence order.</summary>
    Task<StoredAlert[]> ReadPendingAsync(string output, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>Outputs with a pending alert whose next attempt is due by <paramref name="now"/>.</summary>
    Task<string[]> ReadDueOutputsAsync(long now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Records attempts and state changes, in one transaction.</summary>
    Task UpdateAlertsAsync(IReadOnlyList<AlertUpdate> updates, CancellationToken cancellationToken = default);

    /// <summary>One alert, or null.</summary>
    Task<StoredAlert?> ReadAlertAsync(string alertId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The alerts of the outputs created within [from, to] (epoch ms, either optional): the newest <paramref name="limit"/>,
    /// returned newest first.
    /// </summary>
    Task<StoredAlert[]> ReadAlertsAsync(IReadOnlyList<string> outputs, long? from, long? to, int limit, CancellationToken cancellationToken = default);

    /// <summary>The recorded attempts of the alerts, by alert and attempt number.</summary>
    Task<AlertAttempt[]> ReadAttemptsAsync(IReadOnlyList<string> alertIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes at most <paramref name="limit"/> alerts that are no longer pending and were created before
    /// <paramref name="before"/>, with their attempts; returns how many (call again while it returns the limit).
    /// </summary>
    Task<int> PruneAsync(long before, int limit, CancellationToken cancellationToken = default);
}
