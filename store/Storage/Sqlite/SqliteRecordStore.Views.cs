using Apperate.Actors.Datasets;
using Apperate.Actors.Views;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Apperate.Actors.Storage.Sqlite;

// Views read through a guard, whatever SQL reaches it: a read-only connection whose authorizer allows reading only
// the tables the view was bound to and calling only the view functions, and whose progress handler stops a statement
// after the time limit. The compiler never emits anything else; the guard is there in case it one day does.
public sealed partial class SqliteRecordStore
{
    /// <summary>The functions a view's SQL may call: the view functions and what the store's own query plan adds.</summary>
    private static readonly HashSet<string> GuardFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "count", "sum", "avg", "min", "max", "abs", "round", "lower", "upper", "length", "trim", "coalesce", "ifnull", "nullif",
        "like", "row_number",
    };

    /// <summary>How long a view's query may run (5 s unless set).</summary>
    public TimeSpan ViewTimeLimit { get; init; } = TimeSpan.FromSeconds(5);

    private string? readOnlyConnectionString;

    /// <inheritdoc />
    public async Task<StoredRow[]> QueryViewAsync(BoundView view, KeySelector selector, DataQuery query, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        var plan = Sql.Select(view, selector, query);
        var tables = view.Datasets.Select(d => d.Table).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return ReadGuarded(plan.Sql, plan.Parameters, tables, reader => Sql.ReadRows(reader, plan).ToArray(), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> under the view guard: only reads of <paramref name="tables"/> and calls of the view
    /// functions are authorized, and the statement is interrupted after <see cref="ViewTimeLimit"/>.
    /// </summary>
    /// <exception cref="ViewGuardException">The statement does something else than that.</exception>
    /// <exception cref="ApperateException">The statement ran past <paramref name="timeLimit"/> (<see cref="ViewTimeLimit"/> by default): a 400.</exception>
    internal T ReadGuarded<T>(string sql, IReadOnlyList<KeyValuePair<string, object>> parameters, IReadOnlySet<string> tables, Func<SqliteDataReader, T> read,
        CancellationToken cancellationToken, TimeSpan? timeLimit = null)
    {
        var limit = timeLimit ?? ViewTimeLimit;
        readOnlyConnectionString ??= new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString();
        using var connection = new SqliteConnection(readOnlyConnectionString);
        connection.Open();
        var db = connection.Handle!;
        var guard = new Guard(tables, DateTime.UtcNow + limit, cancellationToken);
        raw.sqlite3_set_authorizer(db, Guard.Authorize, guard);
        raw.sqlite3_progress_handler(db, 1000, Guard.Progress, guard);
        try
        {
            using var command = Command(connection, null, sql, parameters);
            using var reader = command.ExecuteReader();
            var result = read(reader);
            // Microsoft.Data.Sqlite prepares a following statement only when asked for its result: ask, under the guard.
            if (reader.NextResult()) throw new ViewGuardException("The record store refused a view's statement: more than one statement.");
            return result;
        }
        catch (SqliteException e) when (guard.Refused is { } refused)
        {
            throw new ViewGuardException($"The record store refused a view's statement: {refused}.", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw ApperateException.Invalid("view", $"the query ran longer than {limit.TotalSeconds:0.###} s; select keys or a date range");
        }
        finally
        {
            raw.sqlite3_set_authorizer(db, (strdelegate_authorizer?)null, null);
            raw.sqlite3_progress_handler(db, 0, null, null);
        }
    }

    private sealed class Guard(IReadOnlySet<string> tables, DateTime deadline, CancellationToken cancellationToken)
    {
        private readonly IReadOnlySet<string> tables = tables;
        private readonly DateTime deadline = deadline;
        private readonly CancellationToken cancellationToken = cancellationToken;

        public string? Refused { get; private set; }

        public static int Authorize(object state, int action, string? first, string? second, string? database, string? view)
        {
            var guard = (Guard)state;
            var allowed = action switch
            {
                raw.SQLITE_SELECT => true,
                raw.SQLITE_READ => first is not null && guard.tables.Contains(first) && database is null or "" or "main",
                raw.SQLITE_FUNCTION => second is not null && GuardFunctions.Contains(second),
                _ => false,
            };
            if (allowed) return raw.SQLITE_OK;
            guard.Refused ??= $"action {action} ({first}, {second}, {database})";
            return raw.SQLITE_DENY;
        }

        public static int Progress(object state)
        {
            var guard = (Guard)state;
            return DateTime.UtcNow > guard.deadline || guard.cancellationToken.IsCancellationRequested ? 1 : 0;
        }
    }
}
