using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Writes;

namespace Apperate.Actors.Tests.Grains;

/// <summary>
/// Back-pressure of the async write path: while the store is stalled, accepted writes pile up in the record queue; once
/// the dataset's queue holds its limit of unhandled items the write path refuses with 429 and <c>Retry-After</c>
/// instead of buffering without limit, and every write it did accept is stored once the store catches up.
/// </summary>
[Collection(GrainClusterCollection.Name)]
public sealed class StreamQueueFullTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Async_writes_past_the_queue_bound_get_429_and_every_accepted_one_is_stored()
    {
        var ws = await NewWorkspaceAsync();
        var definition = await Workspace(ws).CreateDatasetAsync(Definition("Flood"));
        var writer = new RecordWriter(new DatasetCache(Fixture.Client), new StreamPublisher());
        var options = new RecordWriteOptions(Wait: false, DuplicateKeyHandling.Ignore, CreateDatasetOnDemand: false, Persist: true);

        // The dataset's first commit is held at the store: nothing more is handled, so the queue fills.
        var hold = Fixture.Store.HoldNextWrite(definition.TableName);
        var accepted = 0;
        ProblemException? refused = null;
        try
        {
            for (var request = 0; request < GrainClusterFixture.QueueLimit + 100 && refused is null; request++)
            {
                using var body = JsonDocument.Parse($$"""[{"symbol":"R{{request}}","day":"2024-03-01","price":{{request}}.5}]""");
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

        Assert.True(refused is not null, $"no write was refused after {accepted} accepted records with the store stalled");
        Assert.Equal(429, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        // One request per queue item (each was answered before the next was sent); other tests' items may share the queue.
        Assert.InRange(accepted, 1, GrainClusterFixture.QueueLimit);
        await Fixture.StreamHandledAsync(ws, "Flood", StoreTimeout);
        Assert.Equal(accepted, await Fixture.Store.CountAsync(definition.TableName));
    }
}
