using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Sqlite;
using Apperate.Actors.Views;
using Microsoft.Data.Sqlite;

namespace Apperate.Actors.Tests.Storage;

/// <summary>
/// The SQLite store's guard under views: statements that did not come from the view compiler are refused by the
/// authorizer of the read-only connection, and the compiled join of two datasets is read through their unique indexes.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SqliteViewGuardTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "apperate-guard-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteRecordStore store;

    private static readonly DatasetDefinition Cars = new("MY", "CARS", null, null,
        new DatasetSchema([new("vin", PropertyType.String), new("make", PropertyType.String)], ["vin"], false),
        new ColumnMapping("vin", null, null), 0, 0, 1, "t_cars");

    private static readonly DatasetDefinition Accidents = new("MY", "CAR_ACCIDENTS", null, null,
        new DatasetSchema([new("vin", PropertyType.String), new("date", PropertyType.Date), new("cost", PropertyType.Number)], ["vin", "date"], false),
        new ColumnMapping("vin", null, "date"), 0, 0, 1, "t_accidents");

    public SqliteViewGuardTests()
    {
        store = new SqliteRecordStore(Path.Combine(directory, "records.db"));
        store.EnsureTableAsync(Cars.TableName, Cars.Schema.Properties).GetAwaiter().GetResult();
        store.EnsureTableAsync(Accidents.TableName, Accidents.Schema.Properties).GetAwaiter().GetResult();
        store.EnsureTableAsync("t_secret", [new("password", PropertyType.String)]).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        store.Dispose();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private static readonly HashSet<string> ViewTables = new(StringComparer.OrdinalIgnoreCase) { "t_cars", "t_accidents" };

    private int Read(string sql) => store.ReadGuarded(sql, [], ViewTables, reader =>
    {
        var rows = 0;
        while (reader.Read()) rows++;
        return rows;
    }, CancellationToken.None);

    [Fact]
    public void Reads_of_the_view_tables_pass_the_guard() =>
        Assert.Equal(0, Read("SELECT c.\"vin\", a.\"cost\" FROM \"t_cars\" c JOIN \"t_accidents\" a ON a._system_key = c._system_key"));

    [Theory]
    [InlineData("SELECT name FROM sqlite_master")]
    [InlineData("SELECT sql FROM sqlite_schema WHERE type = 'table'")]
    [InlineData("SELECT password FROM t_secret")]
    [InlineData("SELECT c.vin FROM t_cars c JOIN t_secret s ON 1 = 1")]
    [InlineData("SELECT load_extension('/tmp/x.so')")]
    [InlineData("SELECT random()")]
    [InlineData("SELECT sqlite_version()")]
    [InlineData("PRAGMA table_info(t_cars)")]
    [InlineData("SELECT * FROM pragma_table_info('t_cars')")]
    [InlineData("ATTACH DATABASE ':memory:' AS other")]
    [InlineData("DELETE FROM t_cars")]
    [InlineData("INSERT INTO t_cars (_system_key, _system_date, _system_updated) VALUES ('x', 1, 1)")]
    [InlineData("DROP TABLE t_cars")]
    [InlineData("CREATE TABLE x (a)")]
    [InlineData("SELECT vin FROM t_cars; DROP TABLE t_cars")]
    [InlineData("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n")]
    public void Statements_the_compiler_never_emits_are_refused(string sql)
    {
        Assert.ThrowsAny<Exception>(() => Read(sql));
        Assert.Throws<ViewGuardException>(() => Read(sql));
    }

    [Fact]
    public async Task A_statement_past_the_time_limit_is_interrupted_with_a_400()
    {
        var rows = Enumerable.Range(0, 1_000).Select(i => new RecordRow("K" + i, "", i, ["K" + i, "make"], null)).ToArray();
        await store.WriteAsync(Cars.TableName, [new RecordBatch(["vin", "make"], rows, DuplicateKeyHandling.Ignore)], 1);
        // A billion-row cross join: only the clock stops it.
        const string sql = "SELECT COUNT(*) FROM t_cars a JOIN t_cars b ON 1 = 1 JOIN t_cars c ON 1 = 1";
        var error = Assert.Throws<ApperateException>(() => store.ReadGuarded(sql, [], ViewTables, r => r.Read(), CancellationToken.None, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(ErrorKind.Invalid, error.Kind);
        Assert.Contains("ran longer than 0.2 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_join_read_by_key_uses_the_unique_indexes_of_both_datasets()
    {
        var catalog = new ViewCatalog("MY", [Cars, Accidents], []);
        var view = ViewBinder.Bind("V", "SELECT a.vin, a.make, c.date, c.cost FROM MY.`CARS` a JOIN MY.`CAR_ACCIDENTS` c ON c.`vin` = a.`vin`", null, catalog);
        var plan = new SqliteText().Select(view, new KeySelector("V1", null), DataQuery.Latest);

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "records.db")};Pooling=False");
        connection.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + plan.Sql;
        foreach (var (name, value) in plan.Parameters) command.Parameters.AddWithValue(name, value);
        var steps = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) steps.Add(reader.GetString(3));

        Assert.Contains(steps, s => s.Contains("t_cars", StringComparison.Ordinal) && s.StartsWith("SEARCH", StringComparison.Ordinal) && s.Contains("INDEX", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.Contains("t_accidents", StringComparison.Ordinal) && s.StartsWith("SEARCH", StringComparison.Ordinal) && s.Contains("INDEX", StringComparison.Ordinal));
        Assert.DoesNotContain(steps, s => s.StartsWith("SCAN", StringComparison.Ordinal));

        Assert.Empty(await store.QueryViewAsync(view, new KeySelector("V1", null), DataQuery.Latest));
    }
}
