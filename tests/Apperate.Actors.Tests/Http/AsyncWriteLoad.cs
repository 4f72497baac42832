using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// A sustained async write load (<c>POST /record</c> without <c>wait</c>) whose every 200 is remembered, for tests that
/// kill processes under it. Each writer owns one key of a dataset indexed on (id, date): every request replaces the
/// writer's "latest" record with a rising counter and adds one record of its own, so a check afterwards finds a lost
/// record (an answered id missing), a record stored that was never sent, and an older value written over a newer one
/// (a latest value below the last one answered).
/// </summary>
public sealed class AsyncWriteLoad(string datasetId, int writers)
{
    private const string Ws = Api.Workspace;
    private readonly ConcurrentDictionary<string, byte> _answered = new();
    private readonly long[] _lastAnswered = Enumerable.Repeat(-1L, writers).ToArray();
    private readonly long[] _lastSent = Enumerable.Repeat(-1L, writers).ToArray();
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private long _afterMark;
    private volatile bool _marked;

    /// <summary>The dataset every writer writes to.</summary>
    public string DatasetId { get; } = datasetId;

    /// <summary>Records whose write was answered 200.</summary>
    public int Answered => _answered.Count;

    /// <summary>Answered writes since <see cref="Mark"/>.</summary>
    public long AnsweredAfterMark => Interlocked.Read(ref _afterMark);

    /// <summary>Statuses seen (and −1 for a request the connection dropped), for messages.</summary>
    public string Statuses => string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"));

    /// <summary>Creates the dataset through <paramref name="api"/>.</summary>
    public Task CreateAsync(Api api) =>
        api.CreateDataset(DatasetId, "id", "d", null, ("id", "string"), ("d", "string:date"), ("n", "integer"), ("w", "integer"));

    /// <summary>From now on, count answered writes in <see cref="AnsweredAfterMark"/>.</summary>
    public void Mark() => _marked = true;

    /// <summary>Runs the writers until <paramref name="stop"/>; writer w sends through <c>targets()[n % count]</c>.</summary>
    public Task RunAsync(Func<IReadOnlyList<Api>> targets, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var n = 0L; !stop.IsCancellationRequested; n++)
            {
                var apis = targets();
                var api = apis[(int)(n % apis.Count)];
                var body = $$"""[{"id":"latest-{{w}}","d":"2024-01-01","n":{{n}},"w":{{w}}},{"id":"r{{w}}-{{n}}","d":"2024-01-01","n":{{n}},"w":{{w}}}]""";
                Volatile.Write(ref _lastSent[w], n);
                try
                {
                    var reply = await api.Post($"/v1/record/{Ws}/{DatasetId}?duplicateKeyHandling=replace", body);
                    _statuses.AddOrUpdate(reply.Status, 1, (_, c) => c + 1);
                    if (reply.Status != 200) continue;
                    _answered[$"r{w}-{n}"] = 0;
                    Volatile.Write(ref _lastAnswered[w], n);
                    if (_marked) Interlocked.Increment(ref _afterMark);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not answered: the process went away mid-request. Whatever it did with the records is allowed.
                    _statuses.AddOrUpdate(-1, 1, (_, c) => c + 1);
                }
            }
        })));

    /// <summary>
    /// Waits until every answered record is stored (read through <paramref name="api"/>; 503 means not yet), then checks
    /// that none is missing or stored twice, nothing unknown was stored, and each writer's latest record holds a value
    /// at least as new as the last one answered.
    /// </summary>
    public async Task VerifyAsync(Api api, TimeSpan timeout, Func<string> diagnostics)
    {
        JsonArray rows = [];
        var last = "";
        try
        {
            await Eventually.Until(async () =>
            {
                var reply = await api.Get($"/v1/data/{Ws}/{DatasetId}?last=1000000");
                last = reply.Describe();
                if (reply.Status == 503) return false;
                reply.Expect(200);
                rows = reply.Json.AsArray();
                var ids = rows.Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
                return _answered.Keys.All(ids.Contains);
            }, timeout, $"all {Answered} answered async records to be stored");
        }
        catch (TimeoutException ex)
        {
            var stored = rows.Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
            var missing = _answered.Keys.Where(k => !stored.Contains(k)).Order().ToList();
            throw new TimeoutException($"{ex.Message} {missing.Count} missing, e.g. {string.Join(", ", missing.Take(10))}; statuses {Statuses}; last answer {last}" +
                $"{Environment.NewLine}{diagnostics()}", ex);
        }

        var byId = rows.GroupBy(r => r!["id"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(byId, g => Assert.True(g.Value.Count == 1, $"{g.Key} is stored {g.Value.Count} times"));
        for (var w = 0; w < writers; w++)
        {
            if (_lastAnswered[w] < 0) continue;
            var latest = byId[$"latest-{w}"][0]!["n"]!.GetValue<long>();
            Assert.True(latest >= _lastAnswered[w] && latest <= _lastSent[w],
                $"writer {w}'s latest record holds {latest}, but {_lastAnswered[w]} was answered last (and {_lastSent[w]} sent last): an older value was written over a newer one");
        }
        foreach (var id in byId.Keys.Where(k => k.StartsWith('r')))
        {
            // Every stored record was sent; records of requests that got no answer may or may not be there.
            var parts = id[1..].Split('-');
            Assert.True(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) < writers &&
                long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) <= _lastSent[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)],
                $"{id} is stored but was never sent");
        }
    }
}
