namespace Apperate.Actors.Storage;

/// <summary>
/// The tables of the commit sequences, the alert outbox and the rules' state, which live beside the dataset tables so a
/// write's rows, sequence, alerts and rule state commit together. Plain SQL both engines accept is written here;
/// DDL and upserts come from the dialect.
/// </summary>
public abstract partial class SqlText
{
    public const string SequencesTable = "apperate_sequences";
    public const string AlertsTable = "apperate_alerts";
    public const string AttemptsTable = "apperate_alert_attempts";
    public const string RuleStateTable = "apperate_rule_state";
    public const string AppliedTable = "apperate_applied";

    /// <summary>The rule-state name of a rule's counters, which outlive state generations.</summary>
    public const string CountersName = "counters";

    /// <summary>The columns of an alert row in the order <see cref="ReadAlert"/> reads them.</summary>
    public const string AlertColumns = "alert_id, output, rule, seq, created, state, attempts, next_attempt, http_status, error, body";

    /// <summary>Creates the event tables when missing.</summary>
    public abstract IReadOnlyList<string> CreateEventTables();

    /// <summary>Reads a table's last commit sequence (<c>@t</c>), locking it for the transaction where the engine needs that.</summary>
    public abstract string ReadSequence { get; }

    /// <summary>Stores a table's last commit sequence (<c>@t</c>, <c>@s</c>).</summary>
    public abstract string WriteSequence { get; }

    /// <summary>Inserts or overwrites one rule-state value (<c>@r</c>, <c>@n</c>, <c>@v</c>).</summary>
    public abstract string UpsertRuleState { get; }

    /// <summary>Inserts or overwrites one attempt row.</summary>
    public abstract string UpsertAttempt { get; }

    /// <summary>Records how far a dataset's record stream is applied (<c>@k</c> the dataset key, <c>@s</c> its stream sequence).</summary>
    public abstract string UpsertApplied { get; }

    public string ReadApplied => $"SELECT seq FROM {AppliedTable} WHERE stream = @k";

    public string DeleteSequence => $"DELETE FROM {SequencesTable} WHERE tbl = @t";

    public string InsertAlert =>
        $"INSERT INTO {AlertsTable} (alert_id, output, rule, seq, created, state, attempts, next_attempt, http_status, error, body) " +
        "VALUES (@id, @o, @r, @q, @c, @s, 0, @c, NULL, NULL, @b)";

    /// <summary>Forgets a rule's state of other generations (<c>@r</c>, <c>@p</c> the prefix kept, <c>@l</c> its length).</summary>
    public string ResetRuleState => $"DELETE FROM {RuleStateTable} WHERE rule = @r AND name <> '{CountersName}' AND SUBSTR(name, 1, @l) <> @p";

    public string ReadRuleState => $"SELECT name, value FROM {RuleStateTable} WHERE rule = @r";

    public string DeleteRuleState => $"DELETE FROM {RuleStateTable} WHERE rule = @r";

    public string ReadPending => $"SELECT {AlertColumns} FROM {AlertsTable} WHERE output = @o AND state = 0 AND seq > @q ORDER BY seq LIMIT @n";

    public string ReadDueOutputs => $"SELECT DISTINCT output FROM {AlertsTable} WHERE state = 0 AND next_attempt <= @now LIMIT @n";

    public string UpdateAlert =>
        $"UPDATE {AlertsTable} SET state = @s, attempts = CASE WHEN @a > attempts THEN @a ELSE attempts END, next_attempt = @n, " +
        "http_status = CASE WHEN @a > 0 THEN @h ELSE http_status END, error = CASE WHEN @a > 0 THEN @e ELSE error END WHERE alert_id = @id";

    public string ReadAlertById => $"SELECT {AlertColumns} FROM {AlertsTable} WHERE alert_id = @id";

    /// <summary>The newest alerts of some outputs created within [<paramref name="from"/>, <paramref name="to"/>] (either optional), at most <paramref name="limit"/>.</summary>
    public SqlStatement ReadAlerts(IReadOnlyList<string> outputs, long? from, long? to, int limit)
    {
        var parameters = new List<KeyValuePair<string, object>> { new("@from", from ?? long.MinValue), new("@to", to ?? long.MaxValue), new("@n", (long)limit) };
        for (var i = 0; i < outputs.Count; i++) parameters.Add(new("@o" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), outputs[i]));
        return new SqlStatement(
            $"SELECT {AlertColumns} FROM {AlertsTable} WHERE output IN ({ParameterList("@o", outputs.Count)}) AND created >= @from AND created <= @to " +
            "ORDER BY created DESC, seq DESC LIMIT @n", parameters);
    }

    /// <summary>The attempts of some alerts (<c>@a0</c>…).</summary>
    public string ReadAttempts(int alerts) =>
        $"SELECT alert_id, attempt, at, state, http_status, error, next_attempt FROM {AttemptsTable} WHERE alert_id IN ({ParameterList("@a", alerts)}) ORDER BY alert_id, attempt";

    /// <summary>The alerts to prune (<c>@b</c> created before, <c>@n</c> at most), as a derived table both engines accept in a DELETE.</summary>
    private static string PruneSelection => $"SELECT alert_id FROM (SELECT alert_id FROM {AlertsTable} WHERE state <> 0 AND created < @b ORDER BY created LIMIT @n) p";

    public string PruneAttempts => $"DELETE FROM {AttemptsTable} WHERE alert_id IN ({PruneSelection})";

    public string PruneAlerts => $"DELETE FROM {AlertsTable} WHERE alert_id IN ({PruneSelection})";

    /// <summary>Distinct keys of a dataset table in key order, at most <c>@n</c>.</summary>
    public string DistinctKeys(string table) => $"SELECT DISTINCT {KeyColumn} FROM {Table(table)} ORDER BY {KeyColumn} LIMIT @n";

    /// <summary>Reads one alert row selected with <see cref="AlertColumns"/>.</summary>
    public StoredAlert ReadAlert(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
        (AlertState)Convert.ToInt32(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture),
        Convert.ToInt32(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(7),
        reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture),
        reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetString(10));

    /// <summary>Reads one attempt row selected by <see cref="ReadAttempts"/>.</summary>
    public static AlertAttempt ReadAttempt(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0), Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(2),
        (AlertState)Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
        reader.IsDBNull(4) ? null : Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6));

    private static string ParameterList(string prefix, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
