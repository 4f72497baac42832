using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Writes;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Back-pressure of the async write path: while the store is stalled, async writes pile up as accepted items; past
/// <see cref="RecordWriter.MaxOutstandingItems"/> items or <see cref="RecordWriter.MaxOutstandingRecords"/> records
/// the write path refuses with 429 instead of buffering without limit, and every write it did accept is stored once
/// the store catches up.
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
        var (accepted, refused, table) = await FloodAsync("Flood", recordsPerRequest: 1, RecordWriter.MaxOutstandingItems + 100);

        Assert.Equal(429, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        // The first write is being committed (held at the store), so it may or may not count as outstanding.
        Assert.InRange(accepted, RecordWriter.MaxOutstandingItems - 1, RecordWriter.MaxOutstandingItems);
        Assert.Equal(accepted, await Fixture.Store.CountAsync(table));
    }

    [Fact]
    public async Task Async_writes_past_the_outstanding_record_bound_get_429_and_every_accepted_one_is_stored()
    {
        const int perRequest = 1_000;
        var (accepted, refused, table) = await FloodAsync("Bulk", perRequest, RecordWriter.MaxOutstandingRecords / perRequest + 10);

        Assert.Equal(429, refused.Status);
        Assert.Equal(RecordWriter.MaxOutstandingRecords, accepted);
        Assert.Equal(accepted, await Fixture.Store.CountAsync(table));
        Assert.Equal(0, Fixture.Tracker.OutstandingRecords);
    }

    /// <summary>
    /// Holds the dataset's first commit at the store, sends async writes of <paramref name="recordsPerRequest"/>
    /// records through the real write path until one is refused (at most <paramref name="maxRequests"/>), releases
    /// the store and waits until every accepted write is committed.
    /// </summary>
    /// <returns>Records accepted, the refusal, and the dataset's table.</returns>
    private async Task<(int Accepted, ProblemException Refused, string Table)> FloodAsync(string datasetId, int recordsPerRequest, int maxRequests)
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition(datasetId));
        var writer = new RecordWriter(Fixture.Client, new DatasetCache(Fixture.Client), Fixture.Tracker, new StreamPublisher(Fixture.Tracker));
        var options = new RecordWriteOptions(Wait: false, DuplicateKeyHandling.Ignore, CreateDatasetOnDemand: false, Persist: true);

        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        var accepted = 0;
        ProblemException? refused = null;
        try
        {
            for (var request = 0; request < maxRequests && refused is null; request++)
            {
                var records = string.Join(",", Enumerable.Range(0, recordsPerRequest)
                    .Select(i => $$"""{"symbol":"R{{request}}_{{i}}","day":"2024-03-01","price":{{i}}.5}"""));
                using var body = JsonDocument.Parse("[" + records + "]");
                try
                {
                    await writer.WriteAsync(ws, datasetId, body.RootElement, 64, options);
                    accepted += recordsPerRequest;
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
        Assert.True(await Fixture.Tracker.WaitForDatasetAsync(Names.DatasetKey(ws, datasetId), StoreTimeout),
            $"not every one of {accepted} accepted records was committed within {StoreTimeout}");
        return (accepted, refused!, definition.TableName);
    }
}
