using System.Collections.Concurrent;
using System.Text;
using Apperate.Actors.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Http;

/// <summary>Nothing accepted is lost on SIGTERM, nor stored twice (its own processes).</summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    private const string Ws = Api.Workspace;
    private const int Requests = 200;
    private const int PerRequest = 50;
    private const int Concurrency = 16;

    [Fact]
    public async Task Every_accepted_async_write_is_stored_after_SIGTERM_during_a_write_burst()
    {
        await using var silo = new SiloProcess();
        await silo.StartAsync();
        var api = silo.Api;
        var id = Api.UniqueId("shutdown");
        await api.CreateDataset(id, "sym", "t", null, ("sym", "string"), ("t", "string:date-time"), ("n", "integer"));

        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        string Body(int request)
        {
            var sb = new StringBuilder("[");
            for (var j = 0; j < PerRequest; j++)
            {
                if (j > 0) sb.Append(',');
                var t = start.AddSeconds(request * PerRequest + j).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
                sb.Append($$"""{"sym":"K{{request % 7}}","t":"{{t}}","n":{{request * PerRequest + j}}}""");
            }
            return sb.Append(']').ToString();
        }

        long accepted = 0;
        var answered = 0;
        var next = -1;
        var statuses = new ConcurrentDictionary<int, int>();
        var transportFailures = 0;
        var unexpected = new ConcurrentQueue<string>();

        async Task Worker()
        {
            while (true)
            {
                var request = Interlocked.Increment(ref next);
                if (request >= Requests) return;
                Reply reply;
                try
                {
                    reply = await api.Post($"/v1/record/{Ws}/{id}", Body(request));
                }
                catch (HttpRequestException)
                {
                    // The listener has closed: the request was not taken.
                    Interlocked.Increment(ref transportFailures);
                    continue;
                }
                finally
                {
                    Interlocked.Increment(ref answered);
                }
                statuses.AddOrUpdate(reply.Status, 1, (_, n) => n + 1);
                if (reply.Status == 200)
                {
                    if (reply.Body != $$"""{"success":true,"message":"wrote {{PerRequest}} messages"}""") unexpected.Enqueue(reply.Describe());
                    Interlocked.Add(ref accepted, PerRequest);
                }
                else if (reply.Status != 503)
                {
                    unexpected.Enqueue(reply.Describe());
                }
            }
        }

        var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(Worker)).ToArray();
        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref answered) >= Requests / 4), TimeSpan.FromSeconds(60),
            $"a quarter of the {Requests} write requests to be answered");
        var exitCode = await silo.StopGracefullyAsync();
        await Task.WhenAll(workers);

        var summary = $"accepted {accepted} records; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; " +
                      $"transport failures {transportFailures}";
        output.WriteLine(summary);
        Assert.True(unexpected.IsEmpty, $"unexpected answers ({summary}):{Environment.NewLine}{string.Join(Environment.NewLine, unexpected.Take(5))}{Environment.NewLine}{silo.Tail()}");
        Assert.True(exitCode == 0, $"the silo exited with {exitCode} after SIGTERM ({summary}){Environment.NewLine}{silo.Tail(150)}");
        Assert.True(accepted >= Requests / 4 * PerRequest, summary);

        await using var restarted = new SiloProcess(silo.DataDirectory, silo.Token);
        await restarted.StartAsync();
        // Accepted writes not stored before the stop wait in the record queue and are stored after the restart.
        var stored = 0L;
        await Eventually.Until(async () => (stored = await restarted.Api.RecordCount(id)) >= accepted, TimeSpan.FromSeconds(60),
            $"the {accepted} accepted records to be stored after the restart");
        Assert.True(stored == accepted, $"stored {stored} records after the restart, but {summary}{Environment.NewLine}{silo.Tail(150)}");
    }
}
