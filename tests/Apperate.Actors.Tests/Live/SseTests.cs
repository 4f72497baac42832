using System.Text;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Live;

/// <summary><c>GET /v1/sse/…</c> against the real process, read by a real SSE client.</summary>
[Collection(LiveCollection.Name)]
public sealed class SseTests(LiveFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly Api _api = fixture.Api;
    private readonly string _token = fixture.Silo.Token;
    private const string Ws = Api.Workspace;

    private static readonly (string, string)[] Properties = [("symbol", "string"), ("date", "string:date-time"), ("price", "number"), ("note", "string")];

    private async Task<string> NewDataset(string prefix = "live")
    {
        var id = Api.UniqueId(prefix);
        await _api.CreateDataset(id, "symbol", "date", null, Properties);
        return id;
    }

    private static string Record(string symbol, long ms, double price, string note = "n") =>
        $$"""{"symbol":"{{symbol}}","date":"{{DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + ms):yyyy-MM-ddTHH:mm:ss.fffZ}}","price":{{price.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"note":"{{note}}"}""";

    private static string Rows(params string[] records) => "[" + string.Join(",", records) + "]";

    private Task<(SseClient Client, int Status, string Body)> Open(string dataset, string query = "", string? lastEventId = null, int? receiveBuffer = null, string? token = null) =>
        SseClient.OpenAsync(fixture.Silo.BaseAddress, $"/v1/sse/{Ws}/{dataset}?token={token ?? _token}{query}", lastEventId, receiveBuffer);

    private async Task<SseClient> Connected(string dataset, string query = "", string? lastEventId = null, int? receiveBuffer = null)
    {
        var (client, status, body) = await Open(dataset, query, lastEventId, receiveBuffer);
        Assert.True(status == 200, $"GET /v1/sse/{Ws}/{dataset}{query} answered {status}: {body}{Environment.NewLine}{fixture.Silo.Tail()}");
        var first = await client.NextAsync(Wait, "the first frame");
        Assert.NotNull(first);
        Assert.Equal("heartbeat", first.Type);
        Assert.Equal(TimeSpan.FromSeconds(3), first.Retry);
        return client;
    }

    private static async Task<SseEvent> NextRecords(SseClient client, string what)
    {
        var e = await client.NextNonHeartbeatAsync(Wait, what) ?? throw new Xunit.Sdk.XunitException($"the stream ended before {what}");
        Assert.True(e.Type == "message", $"expected a records message for {what}, got '{e.Type}': {e.Data}");
        return e;
    }

    private static string[] Symbols(SseEvent e) => [.. e.Records.Select(r => r!["symbol"]!.GetValue<string>())];

    private static double[] Prices(SseEvent e) => [.. e.Records.Select(r => r!["price"]!.GetValue<double>())];

    [Fact]
    public async Task A_subscription_gets_the_latest_records_then_every_commit_in_order()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1), Record("B", 2, 2), Record("A", 3, 3)));
        await using var client = await Connected(ds);

        var snapshot = await NextRecords(client, "the snapshot");
        Assert.Equal(["A", "B", "A"], Symbols(snapshot));
        Assert.Equal([3.0, 2.0, 1.0], Prices(snapshot));
        var position = snapshot.Sequence;

        // An async write and a wait=true write, each arriving once, in commit order, with rising ids.
        (await _api.Post($"/v1/record/{Ws}/{ds}", Rows(Record("C", 4, 4)))).Expect(200);
        var first = await NextRecords(client, "the async write");
        await _api.WriteNow(ds, Rows(Record("D", 5, 5), Record("A", 6, 6)));
        var second = await NextRecords(client, "the wait=true write");
        Assert.Equal(["C"], Symbols(first));
        Assert.Equal(["D", "A"], Symbols(second));
        Assert.True(first.Sequence > position && second.Sequence > first.Sequence, $"ids {position}, {first.Sequence}, {second.Sequence}");
        Assert.Null(client.TryTake() is { Type: "message" } extra ? extra : null);
    }

    [Fact]
    public async Task Symbols_and_a_key_in_the_path_follow_only_those_keys()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1), Record("A", 2, 2), Record("B", 3, 3), Record("C", 4, 4)));
        await using var both = await Connected(ds, "&symbols=A,B");
        await using var one = await SseClient.OpenAsync(fixture.Silo.BaseAddress, $"/v1/sse/{Ws}/{ds}/B?token={_token}").ContinueWith(t => t.Result.Client);
        Assert.Equal("heartbeat", (await one.NextAsync(Wait, "the first frame of /B"))!.Type);

        // The snapshot is the latest record of each key asked for.
        var snapshot = await NextRecords(both, "the snapshot of A and B");
        Assert.Equal([("A", 2.0), ("B", 3.0)], snapshot.Records.Select(r => (r!["symbol"]!.GetValue<string>(), r["price"]!.GetValue<double>())).Order());
        Assert.Equal(["B"], Symbols(await NextRecords(one, "the snapshot of B")));

        await _api.WriteNow(ds, Rows(Record("C", 5, 5), Record("B", 6, 6), Record("A", 7, 7)));
        Assert.Equal(["B", "A"], Symbols(await NextRecords(both, "the new records of A and B")));
        Assert.Equal(["B"], Symbols(await NextRecords(one, "the new record of B")));
    }

    [Fact]
    public async Task Nosnapshot_starts_with_what_is_committed_next()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1)));
        await using var client = await Connected(ds, "&nosnapshot=true");
        await _api.WriteNow(ds, Rows(Record("B", 2, 2)));
        Assert.Equal(["B"], Symbols(await NextRecords(client, "the first commit after subscribing")));
    }

    [Fact]
    public async Task SnapshotAsOf_sends_the_records_written_since_then()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1), Record("B", 2, 2)));
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1;
        await Eventually.Until(() => Task.FromResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > since), Wait, "the clock to pass the snapshotAsOf time");
        await _api.WriteNow(ds, Rows(Record("C", 3, 3), Record("A", 4, 4)));
        await using var client = await Connected(ds, $"&snapshotAsOf={since}");
        Assert.Equal(["C", "A"], Symbols(await NextRecords(client, "the records written since")));
    }

    [Fact]
    public async Task A_replay_after_an_id_gives_what_was_committed_after_it_then_goes_live()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1), Record("B", 2, 2)));
        await using (var first = await Connected(ds))
        {
            var snapshot = await NextRecords(first, "the snapshot");
            await _api.WriteNow(ds, Rows(Record("C", 3, 3)));
            Assert.Equal(["C"], Symbols(await NextRecords(first, "C live")));
        }
        var resumeAfter = (await Data(ds)).Max(r => r.Id);

        // While nobody listens: a new record and a replace (a replaced record is a change with a new id).
        await _api.WriteNow(ds, Rows(Record("D", 4, 4)));
        await _api.WriteNow(ds, Rows(Record("A", 1, 10, "replaced")), "&duplicateKeyHandling=replace");
        await using var resumed = await Connected(ds, lastEventId: resumeAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var replay = await NextRecords(resumed, "the replay");
        Assert.Equal(["D", "A"], Symbols(replay));
        Assert.Equal("replaced", replay.Records[1]!["note"]!.GetValue<string>());
        await _api.WriteNow(ds, Rows(Record("E", 5, 5)));
        var live = await NextRecords(resumed, "E live");
        Assert.Equal(["E"], Symbols(live));
        Assert.True(live.Sequence > replay.Sequence);

        // The query-string form, for clients that cannot set the header.
        await using var byQuery = await Connected(ds, $"&lastEventId={replay.Sequence}");
        Assert.Equal(["E"], Symbols(await NextRecords(byQuery, "the replay after the query's lastEventId")));
    }

    [Fact]
    public async Task An_id_that_cannot_be_resumed_gets_a_reset_then_the_snapshot()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1), Record("B", 2, 2)));
        await using (var ahead = await Connected(ds, lastEventId: "999999"))
        {
            var reset = await ahead.NextNonHeartbeatAsync(Wait, "the reset");
            Assert.Equal("reset", reset!.Type);
            Assert.Equal(999999, JsonNode.Parse(reset.Data)!["lastEventId"]!.GetValue<long>());
            Assert.Equal(["B", "A"], Symbols(await NextRecords(ahead, "the snapshot after the reset")));
        }

        // Records deleted after a position: a replay cannot tell the client, so it starts over.
        var position = (await Data(ds)).Max(r => r.Id);
        (await _api.Delete($"/v1/data/{Ws}/{ds}/A")).Expect(200);
        await using var behind = await Connected(ds, lastEventId: position.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("reset", (await behind.NextNonHeartbeatAsync(Wait, "the reset after a delete"))!.Type);
        var snapshot = await NextRecords(behind, "the snapshot after the delete");
        Assert.Equal(["B"], Symbols(snapshot));

        // A position given after the delete resumes normally.
        await using var after = await Connected(ds, lastEventId: snapshot.Id);
        await _api.WriteNow(ds, Rows(Record("C", 3, 3)));
        Assert.Equal(["C"], Symbols(await NextRecords(after, "C after resuming past the delete")));
    }

    [Fact]
    public async Task A_quiet_subscription_gets_heartbeats_with_the_latest_sequence()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1)));
        await using var client = await Connected(ds, "&nosnapshot=true");
        await _api.WriteNow(ds, Rows(Record("B", 2, 2)));
        var record = await NextRecords(client, "B");
        SseEvent? heartbeat = null;
        for (var i = 0; i < 3 && heartbeat?.Type != "heartbeat"; i++) heartbeat = await client.NextAsync(Wait, "a heartbeat");
        Assert.Equal("heartbeat", heartbeat!.Type);
        Assert.Null(heartbeat.Id);
        Assert.Equal(record.Sequence, JsonNode.Parse(heartbeat.Data)!["seq"]!.GetValue<long>());
    }

    [Fact]
    public async Task Interval_sends_at_most_the_latest_record_per_key_each_interval()
    {
        var ds = await NewDataset();
        await using var client = await Connected(ds, "&nosnapshot=true&interval=1Second");
        // Many commits of two keys, well within one interval.
        for (var i = 1; i <= 20; i++) await _api.WriteNow(ds, Rows(Record(i % 2 == 0 ? "A" : "B", i, i)));
        var seen = new Dictionary<string, double>();
        while (!(seen.GetValueOrDefault("A") == 20 && seen.GetValueOrDefault("B") == 19))
        {
            var frame = await NextRecords(client, "the conflated frames to reach A=20 and B=19");
            var symbols = Symbols(frame);
            Assert.Equal(symbols.Distinct().Count(), symbols.Length);
            foreach (var r in frame.Records) seen[r!["symbol"]!.GetValue<string>()] = r["price"]!.GetValue<double>();
        }
    }

    [Fact]
    public async Task Events_that_are_not_stored_reach_only_subscribers_that_ask_and_carry_no_id()
    {
        var ds = await NewDataset();
        await using var plain = await Connected(ds, "&nosnapshot=true");
        await using var events = await Connected(ds, "&nosnapshot=true&includeEvents=true");
        (await _api.Post($"/v1/record/{Ws}/{ds}?persist=false&wait=true", Rows(Record("E", 1, 1)))).Expect(200);
        await _api.WriteNow(ds, Rows(Record("S", 2, 2)));

        var e = await NextRecords(events, "the event");
        Assert.Equal(["E"], Symbols(e));
        Assert.Null(e.Id);
        Assert.Equal(["S"], Symbols(await NextRecords(events, "the stored record after the event")));
        Assert.Equal(["S"], Symbols(await NextRecords(plain, "the stored record, without the event")));
    }

    [Fact]
    public async Task Filter_limits_each_record_to_the_named_properties()
    {
        var ds = await NewDataset();
        await _api.WriteNow(ds, Rows(Record("A", 1, 1)));
        await using var client = await Connected(ds, "&filter=price,symbol");
        var snapshot = await NextRecords(client, "the snapshot");
        Assert.Equal("""[{"price":1,"symbol":"A"}]""", snapshot.Data);
        await _api.WriteNow(ds, Rows(Record("B", 2, 2)));
        Assert.Equal("""[{"price":2,"symbol":"B"}]""", (await NextRecords(client, "B")).Data);
    }

    [Fact]
    public async Task Bad_requests_fail_before_any_stream_starts_naming_what_is_wrong()
    {
        var ds = await NewDataset();
        async Task Refused(string query, int status, string mention, string? lastEventId = null, string? token = null, string? dataset = null)
        {
            var (client, code, body) = await Open(dataset ?? ds, query, lastEventId, token: token);
            await using var _ = client;
            Assert.True(code == status && body.Contains(mention, StringComparison.Ordinal), $"{query}: {code} {body}");
        }
        await Refused("", 401, "not valid", token: "sk_nope");
        await Refused("", 404, "does not exist", dataset: "NoSuchDataset");
        await Refused("&interval=2Seconds", 400, "interval");
        await Refused("&filter=price,nope", 400, "filter");
        await Refused("&nosnapshot=maybe", 400, "nosnapshot");
        await Refused("&snapshotAsOf=yesterday", 400, "snapshotAsOf");
        await Refused("&nosnapshot=true&snapshotAsOf=0", 400, "snapshotAsOf");
        await Refused("", 400, "Last-Event-ID", lastEventId: "-3");
        await Refused("&lastEventId=abc", 400, "lastEventId");
        await Refused("&symbols=A,,B", 400, "symbols");

        // A publishable token with read on the dataset may subscribe; without it, 403.
        var reader = await Token($$$"""{"type":"publishable","permissions":{"{{{ds}}}":["read"]}}""");
        var writer = await Token($$$"""{"type":"publishable","permissions":{"{{{ds}}}":["write"]}}""");
        await Refused("", 403, "read", token: writer);
        var (ok, status, _) = await Open(ds, token: reader);
        await using (ok) Assert.Equal(200, status);
    }

    private async Task<string> Token(string body) => (await _api.Post($"/v1/tokens/{Ws}", body)).Expect(201).Json["token"]!.GetValue<string>();

    private async Task<(long Id, string Symbol)[]> Data(string ds) =>
        [.. (await _api.Data($"{ds}?last=1000&includeSystemRecordProperties=true")).Select(r =>
            (long.Parse(r!["_systemRecordProperties"]!["id"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), r["symbol"]!.GetValue<string>()))];

    [Fact]
    public async Task Clients_that_keep_dropping_and_resuming_get_every_committed_record_once_in_order()
    {
        const int Total = 100_000;
        const int PerRequest = 200;
        const int Clients = 3;
        var ds = await NewDataset("resume");

        // The writer runs while the clients drop and resume at random points, so starts race with commits.
        var writer = Task.Run(async () =>
        {
            for (var start = 0; start < Total; start += PerRequest)
            {
                var body = new StringBuilder("[");
                for (var i = start; i < start + PerRequest; i++) body.Append(i > start ? "," : "").Append(Record("S" + (i % 50), i, i));
                (await _api.Post($"/v1/record/{Ws}/{ds}", body.Append(']').ToString())).Expect(200);
            }
        });
        var readers = Enumerable.Range(0, Clients).Select(c => Task.Run(() => Follow(ds, Total, new Random(1206 + c)))).ToArray();
        await writer;

        var done = await Task.WhenAll(readers);
        foreach (var (received, connections) in done)
        {
            Assert.True(connections > 3, $"only {connections} connections");
            Assert.Equal(Total, received.Count);
            // Every record once: the prices are the record numbers.
            Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), received.Select(r => r.Price).Order());
            // In order per key, and frames in commit order.
            foreach (var key in received.GroupBy(r => r.Symbol))
                Assert.Equal(key.Select(r => r.Price).Order(), key.Select(r => r.Price));
            Assert.Equal(received.Select(r => r.Id).Order(), received.Select(r => r.Id));
        }
    }

    private async Task<(List<(long Id, string Symbol, long Price)> Received, int Connections)> Follow(string ds, int total, Random random)
    {
        var received = new List<(long Id, string Symbol, long Price)>(total);
        var lastEventId = "0";
        var connections = 0;
        while (received.Count < total)
        {
            connections++;
            await using var client = await Connected(ds, lastEventId: lastEventId);
            var frames = random.Next(1, 8);
            for (var f = 0; f < frames && received.Count < total; f++)
            {
                var e = await NextRecords(client, $"records after {received.Count} of {total} (connection {connections})");
                foreach (var r in e.Records) received.Add((e.Sequence, r!["symbol"]!.GetValue<string>(), (long)r["price"]!.GetValue<double>()));
                lastEventId = e.Id!;
            }
        }
        return (received, connections);
    }

    [Fact]
    public async Task A_consumer_that_stops_reading_is_cut_off_without_slowing_others_and_resumes_without_loss()
    {
        const int Total = 30_000;
        var ds = await NewDataset("slow");
        // A tiny receive buffer: once the socket is full the server cannot write, and its queue for this client grows.
        var (stalled, status, body) = await SseClient.OpenAsync(fixture.Silo.BaseAddress, $"/v1/sse/{Ws}/{ds}?token={_token}&nosnapshot=true", receiveBuffer: 1024, read: false);
        Assert.True(status == 200, body);
        await using var _ = stalled;
        await using var keeping = await Connected(ds, "&nosnapshot=true");

        for (var start = 0; start < Total; start += 1_000)
        {
            var rows = Enumerable.Range(start, 1_000).Select(i => Record("K" + (i % 7), i, i, new string('x', 40)));
            await _api.WriteNow(ds, Rows([.. rows]));
        }

        // The reading subscriber gets everything.
        var seen = 0;
        string? last = null;
        while (seen < Total)
        {
            var e = await NextRecords(keeping, $"records {seen} of {Total} on the reading subscriber");
            seen += e.Records.Count;
            last = e.Id;
        }
        Assert.Equal(Total, seen);

        // The stalled one was cut off: reading now shows the stream ended after what the socket held.
        await stalled.StartReadingAsync();
        var got = new List<long>();
        while (await stalled.NextAsync(Wait, "the stalled subscriber's buffered frames or its end") is { } e)
            if (e.Type == "message") got.AddRange(e.Records.Select(r => (long)r!["price"]!.GetValue<double>()));
        Assert.True(got.Count < Total, $"the stalled subscriber received all {got.Count} records: it was not cut off");

        // It resumes from the last id it received and gets the rest, once each.
        await using var resumed = await Connected(ds, lastEventId: stalled.LastEventId ?? "0");
        while (got.Count < Total)
        {
            var e = await NextRecords(resumed, $"the rest after {got.Count} of {Total}");
            got.AddRange(e.Records.Select(r => (long)r!["price"]!.GetValue<double>()));
        }
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), got.Order());
        Assert.NotNull(last);
    }
}
