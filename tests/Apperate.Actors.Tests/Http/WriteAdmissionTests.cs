using System.Collections.Concurrent;
using System.Text;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// Admission control of real-time writes (<c>Apperate:Writes:Concurrency</c>, <c>Apperate:Writes:Queue</c>): writes past
/// the bound and its line are refused with 429 and <c>Retry-After</c>, nothing of a refused request is stored, every
/// accepted one is, and reads and health checks are never held by the bound.
/// </summary>
public sealed class WriteAdmissionTests
{
    private const int Writers = 24;
    private const int RecordsPerRequest = 2_000;

    [Fact]
    public async Task Writes_past_the_bound_get_429_with_Retry_After_while_reads_are_answered()
    {
        await using var silo = new SiloProcess(extraArguments: ["--Apperate:Writes:Concurrency=1", "--Apperate:Writes:Queue=1"]);
        await silo.StartAsync();
        var id = Api.UniqueId("admit");
        await silo.Api.CreateDataset(id, "sym", null, null, ("sym", "string"), ("v", "integer"));

        var statuses = new ConcurrentBag<(int Status, string? RetryAfter, int Writer)>();
        var start = new TaskCompletionSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var body = new StringBuilder("[");
            for (var i = 0; i < RecordsPerRequest; i++) body.Append(i == 0 ? "" : ",").Append($$"""{"sym":"W{{w}}-{{i}}","v":{{i}}}""");
            var json = body.Append(']').ToString();
            await start.Task;
            var reply = await silo.Api.Post($"/v1/record/{Api.Workspace}/{id}?wait=true", json);
            statuses.Add((reply.Status, reply.RetryAfter, w));
        })).ToArray();
        start.SetResult();
        // Meanwhile reads and health checks are answered.
        var reads = new List<int>();
        while (!writers.All(t => t.IsCompleted))
        {
            reads.Add((await silo.Api.Get($"/v1/data/{Api.Workspace}/{id}/W0-0")).Status);
            reads.Add((await silo.Api.Get("/healthz")).Status);
        }
        await Task.WhenAll(writers);

        var summary = string.Join(", ", statuses.GroupBy(s => s.Status).Select(g => $"{g.Key}×{g.Count()}"));
        Assert.All(statuses, s => Assert.True(s.Status is 200 or 429, $"a write answered {s.Status} ({summary})"));
        Assert.Contains(statuses, s => s.Status == 429);
        Assert.All(statuses.Where(s => s.Status == 429), s => Assert.Equal("1", s.RetryAfter));
        Assert.All(reads, status => Assert.Equal(200, status));
        var accepted = statuses.Count(s => s.Status == 200);
        Assert.True(accepted >= 1, $"no write was accepted ({summary})");
        Assert.Equal(accepted * (long)RecordsPerRequest, await silo.Api.RecordCount(id));
    }
}
