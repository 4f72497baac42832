using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Tests.Grains;

/// <summary>Shared helpers of the grain tests: a fresh workspace per test, a small schema, rows and polling.</summary>
public abstract class GrainTestKit(GrainClusterFixture fixture)
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>symbol (key, string), day (date), price (number).</summary>
    protected static readonly DatasetSchema QuoteSchema = new(
        [new("symbol", PropertyType.String), new("day", PropertyType.Date), new("price", PropertyType.Number)],
        ["symbol", "day"],
        false);

    protected static readonly string[] QuoteColumns = ["symbol", "day", "price"];

    protected static readonly DataQuery All = DataQuery.Latest with { Limit = null, Sort = SortOrder.Ascending };

    protected GrainClusterFixture Fixture { get; } = fixture;

    protected IClusterClient Client => Fixture.Client;

    /// <summary>A workspace that exists, with a name no other test uses.</summary>
    protected async Task<string> NewWorkspaceAsync()
    {
        var name = "WS" + Guid.NewGuid().ToString("N")[..16];
        var created = await Workspace(name).EnsureCreatedAsync(name, null);
        Assert.NotNull(created);
        return name;
    }

    protected IWorkspaceGrain Workspace(string name) => Client.GetGrain<IWorkspaceGrain>(Names.Normalize(name));

    protected IDatasetGrain Dataset(string workspace, string datasetId) => Client.GetGrain<IDatasetGrain>(Names.DatasetKey(workspace, datasetId));

    protected static DatasetDefinition Definition(string datasetId, DatasetSchema? schema = null) =>
        new("", datasetId, null, null, schema ?? QuoteSchema, new ColumnMapping("symbol", null, "day"), 0, 0, 0, "");

    protected static long Day(string day) =>
        new DateTimeOffset(DateTime.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)).ToUnixTimeMilliseconds();

    protected static RecordRow Quote(string symbol, string day, double price) => new(symbol, "", Day(day), [symbol, day, price], null);

    protected static RecordBatch Quotes(DuplicateKeyHandling duplicates, params RecordRow[] rows) => new(QuoteColumns, rows, duplicates);

    protected static RecordBatch Quotes(params RecordRow[] rows) => Quotes(DuplicateKeyHandling.Ignore, rows);

    protected async Task<StoredRow[]> ReadAllAsync(string workspace, string datasetId)
    {
        var result = await Dataset(workspace, datasetId).QueryAsync([KeySelector.All], All);
        return Assert.Single(result.Groups);
    }

    /// <summary>(symbol, day, price) of each row.</summary>
    protected static (string, string, double)[] Values(IEnumerable<StoredRow> rows) =>
        rows.Select(r => ((string)r.Values[0]!, (string)r.Values[1]!, (double)r.Values[2]!)).ToArray();

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> holds; the timeout names what it waited for.</summary>
    protected static async Task<T> Eventually<T>(string what, Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {Timeout.TotalSeconds:0}s waiting for {what}.");
            await Task.Delay(20);
        }
    }

    protected static Task<T> Eventually<T>(string what, Func<T> probe, Func<T, bool> done) =>
        Eventually(what, () => Task.FromResult(probe()), done);

    /// <summary>Definitions compare by value (records compare their arrays by reference, and grain calls copy them).</summary>
    protected static void AssertSame(DatasetDefinition? expected, DatasetDefinition? actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    protected static void AssertSame(IEnumerable<DatasetDefinition> expected, IEnumerable<DatasetDefinition> actual) =>
        Assert.Equal(expected.Select(d => JsonSerializer.Serialize(d)), actual.Select(d => JsonSerializer.Serialize(d)));

    protected static async Task<ApperateException> AssertApperate(ErrorKind kind, Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<ApperateException>(action);
        Assert.Equal(kind, ex.Kind);
        return ex;
    }
}
