using Apperate.Actors.Datasets;

namespace Apperate.Actors.Tests.Grains;

/// <summary>Creating, listing, renaming, updating and deleting datasets through the workspace grain.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class DatasetLifecycleTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    [Fact]
    public async Task Create_completes_the_definition_and_lists_it()
    {
        var ws = await NewWorkspaceAsync();

        var created = await Workspace(ws).CreateDatasetAsync(Definition("Quotes") with { Title = "Daily quotes" });

        Assert.Equal(ws, created.Workspace);
        Assert.Equal("Quotes", created.DatasetId);
        Assert.Equal("Daily quotes", created.Title);
        Assert.Equal(1, created.Version);
        Assert.StartsWith("ds_", created.TableName);
        Assert.True(created.Created > 0);
        Assert.Equal(created.Created, created.Updated);
        AssertSame(created, await Dataset(ws, "QUOTES").GetDefinitionAsync());
        AssertSame([created], await Workspace(ws).ListDatasetsAsync());
        var info = await Dataset(ws, "quotes").GetInfoAsync();
        AssertSame(created, info?.Definition);
        Assert.Equal(0, info!.Records);
    }

    [Fact]
    public async Task Creating_a_dataset_twice_is_a_conflict_ignoring_case()
    {
        var ws = await NewWorkspaceAsync();
        var first = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        await Dataset(ws, "Quotes").WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0)));

        await AssertApperate(ErrorKind.Conflict, () => Workspace(ws).CreateDatasetAsync(Definition("Quotes")));
        await AssertApperate(ErrorKind.Conflict, () => Workspace(ws).CreateDatasetAsync(Definition("QUOTES")));

        AssertSame(first, await Dataset(ws, "Quotes").GetDefinitionAsync());
        Assert.Single(await ReadAllAsync(ws, "Quotes"));
        AssertSame([first], await Workspace(ws).ListDatasetsAsync());
    }

    [Fact]
    public async Task Rename_keeps_the_rows_under_the_new_id()
    {
        var ws = await NewWorkspaceAsync();
        var original = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        await Dataset(ws, "Quotes").WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0), Quote("MSFT", "2024-01-03", 2.0)));
        var before = await ReadAllAsync(ws, "Quotes");

        var renamed = await Workspace(ws).RenameDatasetAsync("quotes", "Prices");

        Assert.Equal("Prices", renamed.DatasetId);
        Assert.Equal(original.TableName, renamed.TableName);
        AssertSame(original with { DatasetId = "Prices", Updated = renamed.Updated }, renamed);
        Assert.Null(await Dataset(ws, "Quotes").GetDefinitionAsync());
        await AssertApperate(ErrorKind.NotFound, () => Dataset(ws, "Quotes").WriteAsync(Quotes(Quote("IBM", "2024-01-04", 3.0))));
        AssertSame(renamed, await Dataset(ws, "Prices").GetDefinitionAsync());
        Assert.Equal(before, await ReadAllAsync(ws, "Prices"), StoredRowComparer.Instance);
        Assert.Equal(["Prices"], (await Workspace(ws).ListDatasetsAsync()).Select(d => d.DatasetId));

        Assert.Equal(new WriteResult(1, 1, 0), await Dataset(ws, "Prices").WriteAsync(Quotes(Quote("IBM", "2024-01-04", 3.0))));
        Assert.Equal([("AAPL", "2024-01-02", 1.0), ("MSFT", "2024-01-03", 2.0), ("IBM", "2024-01-04", 3.0)], Values(await ReadAllAsync(ws, "Prices")));

        // The old id is free again and starts empty.
        var reused = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        Assert.NotEqual(original.TableName, reused.TableName);
        Assert.Empty(await ReadAllAsync(ws, "Quotes"));
    }

    [Fact]
    public async Task Rename_to_a_taken_id_is_a_conflict_and_changes_nothing()
    {
        var ws = await NewWorkspaceAsync();
        var a = await Workspace(ws).CreateDatasetAsync(Definition("A"));
        var b = await Workspace(ws).CreateDatasetAsync(Definition("B"));

        await AssertApperate(ErrorKind.Conflict, () => Workspace(ws).RenameDatasetAsync("A", "b"));
        await AssertApperate(ErrorKind.NotFound, () => Workspace(ws).RenameDatasetAsync("Missing", "C"));

        AssertSame(a, await Dataset(ws, "A").GetDefinitionAsync());
        AssertSame(b, await Dataset(ws, "B").GetDefinitionAsync());
    }

    [Fact]
    public async Task Rename_that_only_changes_case_keeps_the_dataset()
    {
        var ws = await NewWorkspaceAsync();
        var original = await Workspace(ws).CreateDatasetAsync(Definition("quotes"));
        await Dataset(ws, "quotes").WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0)));

        var renamed = await Workspace(ws).RenameDatasetAsync("quotes", "Quotes");

        Assert.Equal("Quotes", renamed.DatasetId);
        Assert.Equal(original.TableName, renamed.TableName);
        AssertSame(renamed, await Dataset(ws, "QUOTES").GetDefinitionAsync());
        Assert.Equal([("AAPL", "2024-01-02", 1.0)], Values(await ReadAllAsync(ws, "Quotes")));
        Assert.Equal(["Quotes"], (await Workspace(ws).ListDatasetsAsync()).Select(d => d.DatasetId));
    }

    [Fact]
    public async Task Delete_removes_the_definition_and_the_rows()
    {
        var ws = await NewWorkspaceAsync();
        var original = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        await Dataset(ws, "Quotes").WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0), Quote("MSFT", "2024-01-02", 2.0)));
        Assert.True(Fixture.TableExists(original.TableName));

        await Workspace(ws).DeleteDatasetAsync("QUOTES");

        Assert.Null(await Dataset(ws, "Quotes").GetDefinitionAsync());
        Assert.Empty(await Workspace(ws).ListDatasetsAsync());
        await AssertApperate(ErrorKind.NotFound, () => Dataset(ws, "Quotes").QueryAsync([KeySelector.All], All));
        await AssertApperate(ErrorKind.NotFound, () => Workspace(ws).DeleteDatasetAsync("Quotes"));
        Assert.False(Fixture.TableExists(original.TableName), "the dataset's table should be dropped");

        var recreated = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        Assert.NotEqual(original.TableName, recreated.TableName);
        Assert.Empty(await ReadAllAsync(ws, "Quotes"));
        Assert.Equal(0, (await Dataset(ws, "Quotes").GetInfoAsync())!.Records);
    }

    [Fact]
    public async Task Delete_commits_writes_accepted_before_it()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");

        var writes = Enumerable.Range(0, 20).Select(i => grain.WriteAsync(Quotes(Quote($"S{i}", "2024-01-02", i)))).ToArray();
        await Task.WhenAll(writes);
        await Workspace(ws).DeleteDatasetAsync("Quotes");

        Assert.All(writes, w => Assert.Equal(new WriteResult(1, 1, 0), w.Result));
        await Eventually("the store to have written the 20 writes", () => Fixture.Store.Written(definition.TableName), e => e.Length == 20);
        Assert.Null(await grain.GetDefinitionAsync());
    }

    [Fact]
    public async Task Update_with_an_added_property_allows_writing_that_column()
    {
        var ws = await NewWorkspaceAsync();
        var original = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        await Dataset(ws, "Quotes").WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0)));
        var withVolume = QuoteSchema with { Properties = [.. QuoteSchema.Properties, new("volume", PropertyType.Integer)] };
        RecordBatch volumeBatch = new(["symbol", "day", "price", "volume"],
            [new RecordRow("MSFT", "", Day("2024-01-03"), ["MSFT", "2024-01-03", 2.5, 1200L], null)], DuplicateKeyHandling.Ignore);
        await AssertApperate(ErrorKind.Invalid, () => Dataset(ws, "Quotes").WriteAsync(volumeBatch));

        var updated = await Dataset(ws, "Quotes").UpdateAsync(Definition("Quotes", withVolume) with { Description = "with volume" });

        Assert.Equal(2, updated.Version);
        Assert.Equal("with volume", updated.Description);
        Assert.Equal(original.TableName, updated.TableName);
        Assert.Equal(["symbol", "day", "price", "volume"], updated.Schema.Properties.Select(p => p.Name));
        AssertSame(updated, await Dataset(ws, "Quotes").GetDefinitionAsync());

        Assert.Equal(new WriteResult(1, 1, 0), await Dataset(ws, "Quotes").WriteAsync(volumeBatch));
        var rows = await ReadAllAsync(ws, "Quotes");
        Assert.Equal(2, rows.Length);
        Assert.Equal(["AAPL", "2024-01-02", 1.0, null], rows[0].Values);
        Assert.Equal(["MSFT", "2024-01-03", 2.5, 1200L], rows[1].Values);
    }

    [Fact]
    public async Task Update_that_removes_a_property_is_a_conflict()
    {
        var ws = await NewWorkspaceAsync();
        var original = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var withoutPrice = QuoteSchema with { Properties = QuoteSchema.Properties[..2] };

        await AssertApperate(ErrorKind.Conflict, () => Dataset(ws, "Quotes").UpdateAsync(Definition("Quotes", withoutPrice)));

        AssertSame(original, await Dataset(ws, "Quotes").GetDefinitionAsync());
    }

    [Fact]
    public async Task Dataset_operations_on_a_missing_workspace_are_not_found()
    {
        var missing = "WS" + Guid.NewGuid().ToString("N")[..16];

        await AssertApperate(ErrorKind.NotFound, () => Workspace(missing).CreateDatasetAsync(Definition("Quotes")));
        await AssertApperate(ErrorKind.NotFound, () => Workspace(missing).ListDatasetsAsync());
        Assert.Null(await Workspace(missing).GetNameAsync());
    }

    /// <summary>Compares stored rows by value (records compare arrays by reference).</summary>
    private sealed class StoredRowComparer : IEqualityComparer<StoredRow>
    {
        public static readonly StoredRowComparer Instance = new();

        public bool Equals(StoredRow? x, StoredRow? y) =>
            x is not null && y is not null
            && (x.Id, x.Key, x.Subkey, x.Date, x.Updated, x.Extra) == (y.Id, y.Key, y.Subkey, y.Date, y.Updated, y.Extra)
            && x.Values.SequenceEqual(y.Values);

        public int GetHashCode(StoredRow obj) => HashCode.Combine(obj.Id, obj.Key, obj.Date);
    }
}
