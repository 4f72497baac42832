using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Which writes are events, stateful operators over real writes, and receivers that never slow anything else.</summary>
[Collection(RulesSiloCollection.Name)]
public sealed class RuleEventTests(RulesSiloFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly Api _api = fixture.Api;
    private readonly string _dataset = Api.UniqueId("PRICES");

    public Task InitializeAsync() =>
        _api.CreateDataset(_dataset, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("close", "number"));

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Price(string symbol, string date, double close) =>
        $$"""{"symbol":"{{symbol}}","date":"{{date}}","close":{{close.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";

    private async Task<string> LogsRule(string conditions, string[] index)
    {
        var created = await _api.Create(RuleApi.Body("events", _dataset, index, conditions, RuleApi.Logs()));
        return created["id"]!.GetValue<string>();
    }

    private async Task<string[]> LoggedDates(string ruleId) =>
        [.. (await _api.Get($"/v1/rules/output/{ruleId}?last=1000")).Expect(200).Json.AsArray().Select(e => e!["record"]!["date"]!.GetValue<string>()).Order()];

    [Fact]
    public async Task Crosses_above_keeps_state_per_key_and_updateState_false_does_not_advance_it()
    {
        var id = await LogsRule("""[["$index[0]","crossesAbove",100]]""", ["close"]);
        await _api.WriteNow(_dataset, Price("A", "2024-01-01", 99));
        await _api.WriteNow(_dataset, Price("B", "2024-01-01", 150));   // first of B: no previous value, no crossing
        await _api.WriteNow(_dataset, Price("A", "2024-01-02", 101));   // A crosses
        await _api.WriteNow(_dataset, Price("A", "2024-01-03", 102));   // already above
        await _api.WriteNow(_dataset, Price("A", "2024-01-04", 98));
        // Evaluated against the stored 98 without remembering 105: the next event still crosses from 98.
        await _api.WriteNow(_dataset, Price("A", "2024-01-05", 105), "&updateState=false");
        await _api.WriteNow(_dataset, Price("A", "2024-01-06", 106));
        await Eventually.Until(async () => (await _api.Counters(id)).Ran == 7, Wait, "seven evaluations");
        Assert.Equal(["2024-01-02", "2024-01-05", "2024-01-06"], await LoggedDates(id));
        Assert.Equal((7L, 3L, 4L, 3L, 0L), await _api.Counters(id));
    }

    [Fact]
    public async Task Changed_by_percent_compares_with_the_key_s_previous_record()
    {
        var id = await LogsRule("""[["$index[0]","changedBy%",10]]""", ["close"]);
        await _api.WriteNow(_dataset, $"[{Price("A", "2024-01-01", 100)},{Price("A", "2024-01-02", 105)},{Price("A", "2024-01-03", 94)},{Price("B", "2024-01-01", 1)}]");
        await Eventually.Until(async () => (await _api.Counters(id)).Ran == 4, Wait, "four evaluations");
        Assert.Equal(["2024-01-03"], await LoggedDates(id));
    }

    [Fact]
    public async Task A_batch_load_raises_events_only_with_event_true()
    {
        var id = await LogsRule("""[["$index[0]",">",10]]""", ["close"]);
        var csv = "symbol,date,close\nA,2024-02-01,11\nA,2024-02-02,5\n";
        (await _api.Send(HttpMethod.Post, $"/v1/data/DEMO/{_dataset}", Api.Content(csv, "text/csv"))).Expect(200);
        csv = "symbol,date,close\nB,2024-02-01,12\nB,2024-02-02,13\nB,2024-02-03,1\n";
        (await _api.Send(HttpMethod.Post, $"/v1/data/DEMO/{_dataset}?event=true", Api.Content(csv, "text/csv"))).Expect(200);
        await Eventually.Until(async () => (await _api.Counters(id)).Ran == 3, Wait, "the three records of the event=true load to be evaluated");
        Assert.Equal((3L, 2L, 1L, 2L, 0L), await _api.Counters(id));
        Assert.Equal(5, await _api.RecordCount(_dataset));
    }

    [Fact]
    public async Task A_hanging_receiver_slows_neither_writes_nor_other_rules()
    {
        var receiver = fixture.Receiver;
        var hang = "/hang/" + Guid.NewGuid().ToString("N");
        var ok = "/ok/" + Guid.NewGuid().ToString("N");
        receiver.Answer(hang, WebhookAnswer.Hanging);
        // Different host names: the per-host limit of in-flight requests is per destination host.
        var hanging = await _api.Create(RuleApi.Body("to a hanging receiver", _dataset, ["close"], """[["$index[0]",">",0]]""", RuleApi.Webhook(receiver.Url(hang))));
        var healthyUrl = new UriBuilder(receiver.Url(ok)) { Host = "localhost" }.Uri;
        var healthy = await _api.Create(RuleApi.Body("to a healthy receiver", _dataset, ["close"], """[["$index[0]",">",0]]""", RuleApi.Webhook(healthyUrl)));
        receiver.Register(ok, healthy["outputs"]![0]!["secret"]!.GetValue<string>());

        // Far more alerts than the hanging host's slots; every write is answered after its commit meanwhile.
        for (var i = 0; i < 20; i++) await _api.WriteNow(_dataset, Price("H", $"2024-03-{i + 1:00}", 10 + i));
        var got = await receiver.WaitForAsync(ok, 20, Wait);
        Assert.All(got, r => Assert.True(r.SignatureValid, r.VerificationError));
        Assert.Equal(20, got.Select(r => r.WebhookId).Distinct().Count());
        Assert.True(receiver.Active(hang) <= RulesSiloFixture.MaxConcurrencyPerHost, $"{receiver.Active(hang)} requests in flight to one host");
        Assert.Equal(20, await _api.RecordCount(_dataset));
        Assert.Equal(20L, (await _api.Counters(hanging["id"]!.GetValue<string>())).Sent);
        receiver.Answer(hang, WebhookAnswer.Ok);
    }

    [Fact]
    public async Task Counters_keep_their_identities_after_a_randomized_run()
    {
        var random = new Random(20261206);
        var ids = new List<string>();
        for (var r = 0; r < 5; r++)
        {
            var conditions = random.Next(3) switch
            {
                0 => $$"""[["$index[0]",">",{{random.Next(20, 80)}}]]""",
                1 => $$"""[["$index[0]","crossesBelow",{{random.Next(20, 80)}}]]""",
                _ => """[["$index[0]","changedBy%",25]]""",
            };
            var created = await _api.Create(RuleApi.Body($"random {r}", _dataset, ["close"], conditions, RuleApi.Logs(random.Next(2) == 0 ? 0 : 3600)));
            ids.Add(created["id"]!.GetValue<string>());
        }
        // Every write returns after its commit, and evaluation is part of the commit: the counters are final after the last.
        for (var w = 0; w < 30; w++)
        {
            var records = string.Join(',', Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
                Price($"K{random.Next(4)}", $"2024-{random.Next(1, 13):00}-{random.Next(1, 29):00}", random.Next(0, 100))));
            var query = random.Next(4) switch { 0 => "&duplicateKeyHandling=replace", 1 => "&updateState=false", _ => "" };
            await _api.WriteNow(_dataset, $"[{records}]", query);
        }
        var runs = (await Task.WhenAll(ids.Select(id => _api.Counters(id)))).Select(c => c.Ran).ToArray();
        Assert.True(runs.All(r => r == runs[0] && r > 0), $"every rule watches every event: {string.Join(", ", runs)}");
        foreach (var id in ids)
        {
            var (ran, passed, failed, sent, throttled) = await _api.Counters(id);
            Assert.Equal(ran, passed + failed);
            Assert.Equal(passed, sent + throttled);
            Assert.True(sent <= passed);
            Assert.Equal(sent, (await _api.Get($"/v1/rules/output/{id}?last=10000")).Json.AsArray().Count);
        }
    }
}
