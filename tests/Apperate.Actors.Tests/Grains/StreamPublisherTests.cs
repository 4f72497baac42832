using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Writes;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Group publish of async writes: concurrent requests to one dataset share stream items, and every record of every
/// acknowledged request is stored exactly once, with each request's own order kept.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class StreamPublisherTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Concurrent_async_writes_share_stream_items_and_are_all_stored_once()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Merged"));
        var writer = new RecordWriter(new DatasetCache(Fixture.Client), new StreamPublisher());
        var options = new RecordWriteOptions(Wait: false, DuplicateKeyHandling.Ignore, CreateDatasetOnDemand: false, Persist: true);

        // The first commit is held at the store, so publishes complete while the grain is busy and requests pile up.
        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        const int requests = 400;
        Task<int>[] writes;
        try
        {
            writes = Enumerable.Range(0, requests).Select(r => Task.Run(async () =>
            {
                using var body = JsonDocument.Parse($$"""[{"symbol":"M{{r}}","day":"2024-03-01","price":{{r}}.5}]""");
                return await writer.WriteAsync(ws, "Merged", body.RootElement, 64, options);
            })).ToArray();
            await Task.WhenAll(writes);
        }
        finally
        {
            hold.Release();
        }

        Assert.All(writes, w => Assert.Equal(1, w.Result));
        await Fixture.StreamHandledAsync(ws, "Merged", StoreTimeout);
        var stored = Values(await ReadAllAsync(ws, "Merged"));
        Assert.Equal(requests, stored.Length);
        Assert.Equal(Enumerable.Range(0, requests).Select(r => "M" + r).Order(StringComparer.Ordinal), stored.Select(s => s.Item1).Order(StringComparer.Ordinal));
        // Fewer batches reached the store than requests were sent: requests were merged into shared stream items.
        Assert.True(Fixture.Store.WriteCalls(definition.TableName).Sum() < requests,
            $"the store saw {Fixture.Store.WriteCalls(definition.TableName).Sum()} batches for {requests} one-record requests");
    }

    [Fact]
    public async Task Requests_of_different_shapes_and_options_are_never_mixed_and_keep_their_own_order()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Shapes"));
        var writer = new RecordWriter(new DatasetCache(Fixture.Client), new StreamPublisher());
        var ignore = new RecordWriteOptions(Wait: false, DuplicateKeyHandling.Ignore, CreateDatasetOnDemand: false, Persist: true);
        var replace = ignore with { Duplicates = DuplicateKeyHandling.Replace };

        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        try
        {
            var tasks = new List<Task<int>>();
            for (var r = 0; r < 50; r++)
            {
                var n = r;
                // Without price: a different column set. With replace: two records of one key in one request, the later must win.
                tasks.Add(Task.Run(async () =>
                {
                    using var body = JsonDocument.Parse($$"""[{"symbol":"N{{n}}","day":"2024-03-02"}]""");
                    return await writer.WriteAsync(ws, "Shapes", body.RootElement, 48, ignore);
                }));
                tasks.Add(Task.Run(async () =>
                {
                    using var body = JsonDocument.Parse($$"""[{"symbol":"R{{n}}","day":"2024-03-03","price":1},{"symbol":"R{{n}}","day":"2024-03-03","price":2}]""");
                    return await writer.WriteAsync(ws, "Shapes", body.RootElement, 96, replace);
                }));
            }
            await Task.WhenAll(tasks);
        }
        finally
        {
            hold.Release();
        }

        await Fixture.StreamHandledAsync(ws, "Shapes", StoreTimeout);
        var rows = await ReadAllAsync(ws, "Shapes");
        Assert.Equal(100, rows.Length);
        foreach (var row in rows)
        {
            var symbol = (string)row.Values[0]!;
            if (symbol.StartsWith('N')) Assert.Null(row.Values[2]);
            else Assert.Equal(2.0, row.Values[2]);
        }
    }
}
