using Apperate.Actors.Datasets;

namespace Apperate.Actors.Tests.Grains;

/// <summary>The dataset grain's write path: stream consumption, group commit, duplicates, events and validation.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class DatasetWriteTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    [Fact]
    public async Task Records_published_on_the_stream_are_committed_and_queryable()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var stream = Fixture.RecordStream(ws, "quotes");

        RecordBatch[] items =
        [
            Quotes(Quote("AAPL", "2024-01-02", 185.5), Quote("MSFT", "2024-01-02", 370.25)),
            Quotes(Quote("AAPL", "2024-01-03", 184.25)),
            Quotes(Quote("MSFT", "2024-01-04", 367.75), Quote("IBM", "2024-01-04", 161.5)),
        ];
        foreach (var item in items) await stream.OnNextAsync(item);

        var rows = await Eventually("5 records from 3 stream items to be stored",
            () => ReadAllAsync(ws, "Quotes"), r => r.Length == 5);
        Assert.Equal(
        [
            ("AAPL", "2024-01-02", 185.5),
            ("MSFT", "2024-01-02", 370.25),
            ("AAPL", "2024-01-03", 184.25),
            ("MSFT", "2024-01-04", 367.75),
            ("IBM", "2024-01-04", 161.5),
        ], Values(rows));
        Assert.Equal([Day("2024-01-02"), Day("2024-01-02"), Day("2024-01-03"), Day("2024-01-04"), Day("2024-01-04")], rows.Select(r => r.Date));
        Assert.All(rows, r => Assert.Equal("", r.Subkey));
        Assert.Equal(5, (await Dataset(ws, "Quotes").GetInfoAsync())!.Records);

        await Fixture.StreamHandledAsync(ws, "Quotes", Timeout);
        var events = await Eventually("the store to have written 3 batches", () => Fixture.Store.Written(definition.TableName), e => e.Length == 3);
        Assert.Equal([new WriteResult(2, 2, 0), new WriteResult(1, 1, 0), new WriteResult(2, 2, 0)], events.Select(e => e.Result));
    }

    [Fact]
    public async Task Concurrent_writes_are_group_committed()
    {
        const int writes = 200;
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Ticks"));
        var grain = Dataset(ws, "Ticks");

        // The first commit is held at the store, so the other writes deterministically queue up behind it.
        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        var pending = Enumerable.Range(0, writes)
            .Select(i => grain.WriteAsync(Quotes(Quote($"S{i:000}", "2024-02-01", i + 0.5)))).ToArray();
        await Eventually("the first commit to reach the held store write", () => hold.Entered.IsCompleted, entered => entered);
        await Eventually($"the other {writes - 1} writes to queue behind it",
            () => (Fixture.GrainField(grain, "_pending") as System.Collections.ICollection)?.Count ?? 0, n => n == writes - 1);
        hold.Release();
        var results = await Task.WhenAll(pending);

        Assert.All(results, r => Assert.Equal(new WriteResult(1, 1, 0), r));
        var rows = await ReadAllAsync(ws, "Ticks");
        Assert.Equal(writes, rows.Length);
        Assert.Equal(
            Enumerable.Range(0, writes).Select(i => ($"S{i:000}", "2024-02-01", i + 0.5)).ToArray(),
            Values(rows).OrderBy(v => v.Item1, StringComparer.Ordinal).ToArray());
        Assert.Equal(writes, rows.Select(r => r.Id).Distinct().Count());

        var events = await Eventually($"the store to have written {writes} batches", () => Fixture.Store.Written(definition.TableName), e => e.Length == writes);
        Assert.All(events, e => Assert.Equal(new WriteResult(1, 1, 0), e.Result));
        Assert.Equal(
            Enumerable.Range(0, writes).Select(i => $"S{i:000}").ToArray(),
            events.Select(e => Assert.Single(e.Batch.Rows).Key).Order(StringComparer.Ordinal).ToArray());

        // Every batch reached the store exactly once, and commits carried several batches each.
        var calls = Fixture.Store.WriteCalls(definition.TableName);
        Assert.Equal(writes, calls.Sum());
        Assert.True(calls.Length < writes, $"expected grouped commits, got {calls.Length} store calls for {writes} batches");
        Assert.Contains(calls, c => c > 1);
    }

    [Fact]
    public async Task Ignore_keeps_the_first_record()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");

        Assert.Equal(new WriteResult(1, 1, 0), await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0))));
        var first = Assert.Single(await ReadAllAsync(ws, "Quotes"));

        Assert.Equal(new WriteResult(1, 0, 1), await grain.WriteAsync(Quotes(DuplicateKeyHandling.Ignore, Quote("AAPL", "2024-01-02", 2.0))));

        var row = Assert.Single(await ReadAllAsync(ws, "Quotes"));
        Assert.Equal([("AAPL", "2024-01-02", 1.0)], Values([row]));
        Assert.Equal(first.Id, row.Id);
        Assert.Equal(first.Updated, row.Updated);
    }

    [Fact]
    public async Task Replace_overwrites_the_record_and_gives_it_a_new_id()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");

        await grain.WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0), Quote("MSFT", "2024-01-02", 10.0)));
        var before = await ReadAllAsync(ws, "Quotes");

        Assert.Equal(new WriteResult(1, 1, 1), await grain.WriteAsync(Quotes(DuplicateKeyHandling.Replace, Quote("AAPL", "2024-01-02", 2.0))));

        // Equal dates read newest commit first: the replaced AAPL now comes before MSFT.
        var after = await ReadAllAsync(ws, "Quotes");
        Assert.Equal([("MSFT", "2024-01-02", 10.0), ("AAPL", "2024-01-02", 2.0)], Values(after));
        Assert.Equal(before.Single(r => r.Key == "MSFT").Id, after.Single(r => r.Key == "MSFT").Id);
        Assert.True(after.Single(r => r.Key == "AAPL").Id > before.Max(r => r.Id));
    }

    [Fact]
    public async Task Within_one_replace_batch_the_later_record_wins()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var grain = Dataset(ws, "Quotes");

        var result = await grain.WriteAsync(Quotes(DuplicateKeyHandling.Replace,
            Quote("AAPL", "2024-01-02", 1.0), Quote("AAPL", "2024-01-02", 2.0), Quote("AAPL", "2024-01-02", 3.0)));

        Assert.Equal(new WriteResult(3, 3, 2), result);
        Assert.Equal([("AAPL", "2024-01-02", 3.0)], Values(await ReadAllAsync(ws, "Quotes")));
    }

    [Fact]
    public async Task Within_one_ignore_batch_the_first_record_wins()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));

        var result = await Dataset(ws, "Quotes").WriteAsync(Quotes(DuplicateKeyHandling.Ignore,
            Quote("AAPL", "2024-01-02", 1.0), Quote("AAPL", "2024-01-02", 2.0)));

        Assert.Equal(new WriteResult(2, 1, 1), result);
        Assert.Equal([("AAPL", "2024-01-02", 1.0)], Values(await ReadAllAsync(ws, "Quotes")));
    }

    [Fact]
    public async Task Persist_false_stores_nothing_but_raises_the_event()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var batch = Quotes(Quote("AAPL", "2024-01-02", 1.0), Quote("MSFT", "2024-01-02", 2.0)) with { Persist = false };

        var result = await Dataset(ws, "Quotes").WriteAsync(batch);

        Assert.Equal(new WriteResult(2, 0, 0), result);
        Assert.Empty(await ReadAllAsync(ws, "Quotes"));
        Assert.Equal(0, (await Dataset(ws, "Quotes").GetInfoAsync())!.Records);
        var seen = Assert.Single(await Eventually("the store to have written the unpersisted batch",
            () => Fixture.Store.Written(definition.TableName), e => e.Length >= 1));
        Assert.False(seen.Batch.Persist);
        Assert.Equal(["AAPL", "MSFT"], seen.Batch.Rows.Select(r => r.Key));
        Assert.Equal(new WriteResult(2, 0, 0), seen.Result);
    }

    [Fact]
    public async Task A_column_outside_the_schema_is_refused_as_invalid()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var batch = new RecordBatch(["symbol", "day", "volume"], [new RecordRow("AAPL", "", Day("2024-01-02"), ["AAPL", "2024-01-02", 5L], null)], DuplicateKeyHandling.Ignore);

        var ex = await AssertApperate(ErrorKind.Invalid, () => Dataset(ws, "Quotes").WriteAsync(batch));

        Assert.Equal("volume", Assert.Single(ex.Errors).Field);
        Assert.Empty(await ReadAllAsync(ws, "Quotes"));
        Assert.Empty(Fixture.Store.WriteCalls(definition.TableName));
    }

    [Fact]
    public async Task A_row_with_the_wrong_number_of_values_is_refused_as_invalid()
    {
        var ws = await NewWorkspaceAsync();
        await Workspace(ws).CreateDatasetAsync(Definition("Quotes"));
        var batch = new RecordBatch(QuoteColumns, [new RecordRow("AAPL", "", Day("2024-01-02"), ["AAPL", "2024-01-02"], null)], DuplicateKeyHandling.Ignore);

        await AssertApperate(ErrorKind.Invalid, () => Dataset(ws, "Quotes").WriteAsync(batch));
        Assert.Empty(await ReadAllAsync(ws, "Quotes"));
    }

    [Fact]
    public async Task Writing_to_a_dataset_that_does_not_exist_is_not_found()
    {
        var ws = await NewWorkspaceAsync();

        await AssertApperate(ErrorKind.NotFound, () => Dataset(ws, "Missing").WriteAsync(Quotes(Quote("AAPL", "2024-01-02", 1.0))));
        await AssertApperate(ErrorKind.NotFound, () => Dataset(ws, "Missing").QueryAsync([KeySelector.All], All));
        Assert.Null(await Dataset(ws, "Missing").GetDefinitionAsync());
        Assert.Null(await Dataset(ws, "Missing").GetInfoAsync());
    }
}
