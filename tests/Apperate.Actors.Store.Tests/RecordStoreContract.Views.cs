using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;
using Apperate.Actors.Views;

namespace Apperate.Actors.Tests.Storage;

// Views: the same bound view gives the same rows in every store.
public abstract partial class RecordStoreContract
{
    private const string Workspace = "MY";

    private static readonly DateTimeOffset Day0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static long Day(int n) => Day0.AddDays(n).ToUnixTimeMilliseconds();

    private static string DayText(int n) => Day0.AddDays(n).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private DatasetDefinition Cars => new(Workspace, "CARS", null, null,
        new DatasetSchema([new("vin", PropertyType.String), new("make", PropertyType.String), new("year", PropertyType.Integer)], ["vin"], false),
        new ColumnMapping("vin", null, null), 0, 0, 1, Table + "_cars");

    private DatasetDefinition Accidents => new(Workspace, "CAR_ACCIDENTS", null, null,
        new DatasetSchema([new("vin", PropertyType.String), new("date", PropertyType.Date), new("severity", PropertyType.Integer), new("cost", PropertyType.Number)], ["vin", "date"], false),
        new ColumnMapping("vin", null, "date"), 0, 0, 1, Table + "_acc");

    /// <summary>Three cars (V1, V2 with accidents; V3 without) and four accidents.</summary>
    private async Task<ViewCatalog> SeedCars(params CatalogView[] views)
    {
        await Store.EnsureTableAsync(Cars.TableName, Cars.Schema.Properties);
        await Store.EnsureTableAsync(Accidents.TableName, Accidents.Schema.Properties);
        await Store.WriteAsync(Cars.TableName, [new RecordBatch(["vin", "make", "year"],
        [
            Row("V1", 1, "V1", "Volvo", 2019L),
            Row("V2", 2, "V2", "Saab", 2001L),
            Row("V3", 3, "V3", "volvo", 2022L),
        ], DuplicateKeyHandling.Ignore)], 1000);
        await Store.WriteAsync(Accidents.TableName, [new RecordBatch(["vin", "date", "severity", "cost"],
        [
            Row("V1", Day(1), "V1", DayText(1), 2L, 1200.5),
            Row("V1", Day(5), "V1", DayText(5), 3L, 800.0),
            Row("V2", Day(3), "V2", DayText(3), 1L, 150.25),
            Row("V2", Day(9), "V2", DayText(9), 5L, 9000.0),
        ], DuplicateKeyHandling.Ignore)], 2000);
        return new ViewCatalog(Workspace, [Cars, Accidents], views);
    }

    private static BoundView BindView(ViewCatalog catalog, string sql, ColumnMapping? mapping = null, string id = "V") => ViewBinder.Bind(id, sql, mapping, catalog);

    private Task<StoredRow[]> QueryView(BoundView view, KeySelector? selector = null, DataQuery? query = null) =>
        Store.QueryViewAsync(view, selector ?? KeySelector.All, query ?? Everything);

    private static object?[][] Values(IEnumerable<StoredRow> rows) => rows.Select(r => r.Values).ToArray();

    [Fact]
    public async Task A_view_joins_two_datasets_and_reads_like_a_dataset_by_key_and_date()
    {
        var catalog = await SeedCars();
        var view = BindView(catalog, "SELECT a.vin, a.make, c.date, c.cost FROM MY.`CARS` a JOIN MY.`CAR_ACCIDENTS` c ON c.`vin` = a.`vin`;");
        Assert.Equal(new ColumnMapping("vin", null, "date"), view.ColumnMapping);
        Assert.Equal(["vin", "make", "date", "cost"], view.Properties.Select(p => p.Name));
        Assert.Equal([PropertyType.String, PropertyType.String, PropertyType.Date, PropertyType.Number], view.Properties.Select(p => p.Type));

        var all = await QueryView(view);
        Assert.Equal(4, all.Length);
        Assert.Equal([Day(9), Day(5), Day(3), Day(1)], all.Select(r => r.Date));

        var latest = Assert.Single(await QueryView(view, new KeySelector("V1", null), DataQuery.Latest));
        Assert.Equal("V1", latest.Key);
        Assert.Equal(Day(5), latest.Date);
        Assert.Equal(["V1", "Volvo", DayText(5), 800.0], latest.Values);

        var range = await QueryView(view, KeySelector.All, Everything with { From = Day(2), To = Day(8), Sort = SortOrder.Ascending });
        Assert.Equal([Day(3), Day(5)], range.Select(r => r.Date));

        var filtered = await QueryView(view, KeySelector.All, Everything with { Properties = ["cost", "vin"], Conditions = [new AttributeCondition("make", true, "Saab")] });
        Assert.Equal([[9000.0, "V2"], [150.25, "V2"]], Values(filtered));
    }

    [Fact]
    public async Task A_left_join_keeps_rows_without_a_match_and_where_reads_index_columns()
    {
        var catalog = await SeedCars();
        var view = BindView(catalog, "SELECT a.vin, a.year, c.severity FROM CARS AS a LEFT OUTER JOIN CAR_ACCIDENTS AS c ON a.vin = c.vin AND c.date >= '2024-01-04' WHERE a.vin IN ('V1', 'V3')");
        var rows = await QueryView(view, KeySelector.All, Everything with { Sort = SortOrder.Ascending });
        Assert.Equal([["V1", 2019L, 3L], ["V3", 2022L, null]], Values(rows.OrderBy(r => r.Key)));
        Assert.Empty(await QueryView(view, new KeySelector("V2", null), Everything));
    }

    [Fact]
    public async Task Group_by_with_rollup_distinct_and_functions_give_the_same_values_in_every_store()
    {
        var catalog = await SeedCars();
        var totals = BindView(catalog,
            "SELECT c.vin, COUNT(*) AS accidents, SUM(c.severity) AS severity, AVG(c.cost) AS average, MAX(c.date) AS last " +
            "FROM CAR_ACCIDENTS c GROUP BY c.vin WITH ROLLUP ORDER BY accidents");
        Assert.Equal([PropertyType.String, PropertyType.Integer, PropertyType.Integer, PropertyType.Number, PropertyType.Date], totals.Properties.Select(p => p.Type));
        var rows = await QueryView(totals);
        var byKey = rows.ToDictionary(r => r.Key, r => r.Values);
        Assert.Equal(3, rows.Length);
        Assert.Equal(["V1", 2L, 5L, 1000.25, DayText(5)], byKey["V1"]);
        Assert.Equal(["V2", 2L, 6L, 4575.125, DayText(9)], byKey["V2"]);
        Assert.Equal([null, 4L, 11L, (1200.5 + 800.0 + 150.25 + 9000.0) / 4, DayText(9)], byKey[""]);
        Assert.Equal(["V1", 2L, 5L, 1000.25, DayText(5)], Assert.Single(await QueryView(totals, new KeySelector("V1", null))).Values);

        var makes = BindView(catalog, "SELECT DISTINCT LOWER(make) AS make, vin FROM CARS", new ColumnMapping("make", null, null));
        Assert.Equal(["saab", "volvo"], (await QueryView(makes)).Select(r => r.Key).Distinct().Order());

        var computed = BindView(catalog, "SELECT vin, year / 2 AS half, year % 7 AS rest, CONCAT(make, '-', vin) AS label, LENGTH(make) AS letters FROM CARS");
        var v2 = Assert.Single(await QueryView(computed, new KeySelector("V2", null)));
        Assert.Equal(["V2", 1000.5, 2001L % 7, "Saab-V2", 4L], v2.Values);
    }

    [Fact]
    public async Task A_view_over_a_view_carries_its_key_and_date_through()
    {
        var catalog = await SeedCars();
        var inner = BindView(catalog, "SELECT a.vin, a.make, c.date, c.severity FROM CARS a JOIN CAR_ACCIDENTS c ON c.vin = a.vin", id: "JOINED");
        var outer = BindView(new ViewCatalog(Workspace, [Cars, Accidents], [new CatalogView("JOINED", inner, null)]),
            "SELECT j.vin, j.date, j.severity * 10 AS score FROM JOINED j WHERE j.date > '2024-01-02T00:00:00Z' LIMIT 10");
        Assert.Equal(new ColumnMapping("vin", null, "date"), outer.ColumnMapping);
        Assert.Equal(["JOINED"], outer.Views);
        Assert.Equal(["CARS", "CAR_ACCIDENTS"], outer.Datasets.Select(d => d.DatasetId));
        var rows = await QueryView(outer, new KeySelector("V2", null));
        Assert.Equal([["V2", DayText(9), 50L], ["V2", DayText(3), 10L]], Values(rows));
        Assert.Equal([Day(9), Day(3)], rows.Select(r => r.Date));
    }

    /// <summary>A store on this test's database whose view queries may run only <paramref name="viewTimeLimit"/>.</summary>
    protected abstract IRecordStore CreateStore(TimeSpan viewTimeLimit);

    [Fact]
    public async Task A_view_query_past_the_time_limit_is_a_400_and_the_store_keeps_answering()
    {
        var catalog = await SeedCars();
        var rows = Enumerable.Range(0, 2_000).Select(i => Row("K" + i, i, "K" + i, "make", (long)i)).ToArray();
        await Store.WriteAsync(Cars.TableName, [new RecordBatch(["vin", "make", "year"], rows, DuplicateKeyHandling.Ignore)], 1);
        // ON 1 = 1 binds (a literal condition): an 8-billion-row cross join that only the time limit stops.
        var cross = BindView(catalog, "SELECT a.vin, COUNT(*) AS n FROM CARS a JOIN CARS b ON 1 = 1 JOIN CARS c ON 1 = 1 GROUP BY a.vin");
        var limited = CreateStore(TimeSpan.FromMilliseconds(300));
        var error = await Assert.ThrowsAsync<ApperateException>(() => limited.QueryViewAsync(cross, KeySelector.All, Everything));
        Assert.Equal(ErrorKind.Invalid, error.Kind);
        Assert.Contains("ran longer than 0.3 s", error.Message, StringComparison.Ordinal);
        var join = BindView(catalog, "SELECT a.vin, c.date FROM CARS a JOIN CAR_ACCIDENTS c ON c.vin = a.vin");
        Assert.Equal(2, (await limited.QueryViewAsync(join, new KeySelector("V1", null), Everything)).Length);
    }

    [Fact]
    public async Task A_view_limit_and_an_empty_result_are_answered()
    {
        var catalog = await SeedCars();
        var limited = BindView(catalog, "SELECT vin, date FROM CAR_ACCIDENTS ORDER BY date DESC LIMIT 1, 2");
        Assert.Equal([Day(5), Day(3)], (await QueryView(limited)).Select(r => r.Date));
        var none = BindView(catalog, "SELECT vin, COUNT(*) AS n FROM CAR_ACCIDENTS WHERE vin = 'NOPE' GROUP BY vin WITH ROLLUP");
        Assert.Empty(await QueryView(none));
    }
}
