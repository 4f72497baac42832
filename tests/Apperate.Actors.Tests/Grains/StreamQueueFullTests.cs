using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Writes;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Back-pressure of the async write path: while the store is stalled, async writes pile up as accepted items; past
/// <see cref="RecordWriter.MaxOutstandingItems"/> the write path refuses with 429 instead of buffering without limit,
/// and every item it did accept is stored once the store catches up.
/// </summary>
/// <remarks>
/// Orleans 10.4's memory stream drains its bounded 16,384-item queue into an unbounded cache whatever the consumer
/// does, so the queue itself practically never refuses; the bound lives in the write path.
/// </remarks>
[Collection(GrainClusterCollection.Name)]
public sealed class StreamQueueFullTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Async_writes_past_the_outstanding_bound_get_429_and_every_accepted_one_is_stored()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Flood"));
        var key = Names.DatasetKey(ws, "Flood");
        var writer = new RecordWriter(Fixture.Client, new DatasetCache(Fixture.Client), Fixture.Tracker);
        var options = new RecordWriteOptions(Wait: false, DuplicateKeyHandling.Ignore, CreateDatasetOnDemand: false, Persist: true);

        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        var accepted = 0;
        ProblemException? refused = null;
        try
        {
            // The first commit is held at the store; everything after it waits in the grain, uncommitted.
            for (var i = 0; i < RecordWriter.MaxOutstandingItems + 100 && refused is null; i++)
            {
                using var body = JsonDocument.Parse($$"""[{"symbol":"S{{i}}","day":"2024-03-01","price":{{i}}.5}]""");
                try
                {
                    await writer.WriteAsync(ws, "Flood", body.RootElement, 64, options);
                    accepted++;
                }
                catch (ProblemException ex)
                {
                    refused = ex;
                }
            }
        }
        finally
        {
            hold.Release();
        }

        Assert.True(refused is not null, $"no write was refused after {accepted} accepted async writes with the store stalled");
        Assert.Equal(429, refused!.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        Assert.InRange(accepted, RecordWriter.MaxOutstandingItems - 1, RecordWriter.MaxOutstandingItems);

        Assert.True(await Fixture.Tracker.WaitForDatasetAsync(key, StoreTimeout), $"not every one of {accepted} accepted writes was committed within {StoreTimeout}");
        Assert.Equal(accepted, await Fixture.Store.CountAsync(definition.TableName));
    }

    [Fact]
    public async Task Async_writes_past_the_outstanding_record_bound_get_429_and_every_accepted_one_is_stored()
    {
        const int perRequest = 1_000;
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Bulk"));
        var key = Names.DatasetKey(ws, "Bulk");
        var writer = new RecordWriter(Fixture.Client, new DatasetCache(Fixture.Client), Fixture.Tracker);
        var options = new RecordWriteOptions(Wait: false, DuplicateKeyHandling.Ignore, CreateDatasetOnDemand: false, Persist: true);

        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        var accepted = 0;
        ProblemException? refused = null;
        try
        {
            for (var request = 0; request < RecordWriter.MaxOutstandingRecords / perRequest + 10 && refused is null; request++)
            {
                var records = string.Join(",", Enumerable.Range(0, perRequest).Select(i => $$"""{"symbol":"R{{request}}_{{i}}","day":"2024-03-01","price":{{i}}.5}"""));
                using var body = JsonDocument.Parse("[" + records + "]");
                try
                {
                    await writer.WriteAsync(ws, "Bulk", body.RootElement, 64, options);
                    accepted += perRequest;
                }
                catch (ProblemException ex)
                {
                    refused = ex;
                }
            }
        }
        finally
        {
            hold.Release();
        }

        Assert.True(refused is not null, $"no write was refused after {accepted} accepted records with the store stalled");
        Assert.Equal(429, refused!.Status);
        Assert.Equal(RecordWriter.MaxOutstandingRecords, accepted);

        Assert.True(await Fixture.Tracker.WaitForDatasetAsync(key, StoreTimeout), $"not every one of {accepted} accepted records was committed within {StoreTimeout}");
        Assert.Equal(accepted, await Fixture.Store.CountAsync(definition.TableName));
        Assert.Equal(0, Fixture.Tracker.OutstandingRecords);
    }
}
