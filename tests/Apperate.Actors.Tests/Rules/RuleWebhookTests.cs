using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Rules over real writes through Kestrel, delivering signed webhooks to a real receiver.</summary>
[Collection(RulesSiloCollection.Name)]
public sealed class RuleWebhookTests(RulesSiloFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly Api _api = fixture.Api;
    private readonly WebhookReceiver _receiver = fixture.Receiver;
    private readonly string _dataset = Api.UniqueId("TRADES");
    private readonly string _path = "/hooks/" + Guid.NewGuid().ToString("N");

    public Task InitializeAsync() =>
        _api.CreateDataset(_dataset, "symbol", "time", "id", ("symbol", "string"), ("time", "string:date-time"), ("id", "integer"), ("price", "number"), ("size", "integer"));

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Trade(string symbol, int id, double price, int size = 100, string time = "2024-05-01T14:30:00Z") =>
        $$"""{"symbol":"{{symbol}}","time":"{{time}}","id":{{id}},"price":{{price.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"size":{{size}}}""";

    private async Task<(string Id, string Secret)> CreateAboveRule(double above, int frequency = 0, string? path = null)
    {
        var created = await _api.Create(RuleApi.Body("price alert", _dataset, ["symbol", "price"], $$"""[["$index[0]","=","AAPL"],["$index[1]",">",{{above}}]]""",
            RuleApi.Webhook(_receiver.Url(path ?? _path), frequency)));
        var id = created["id"]!.GetValue<string>();
        var secret = created["outputs"]![0]!["secret"]!.GetValue<string>();
        _receiver.Register(path ?? _path, secret);
        return (id, secret);
    }

    [Fact]
    public async Task A_matching_wait_true_write_sends_one_signed_webhook_per_record_that_passes()
    {
        var (ruleId, secret) = await CreateAboveRule(150);
        Assert.StartsWith("whsec_", secret);

        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 151.5)},{Trade("AAPL", 2, 149)},{Trade("MSFT", 3, 400)},{Trade("AAPL", 4, 152.25, 300)}]");

        var got = await _receiver.WaitForAsync(_path, 2, Wait);
        Assert.All(got, r => Assert.True(r.SignatureValid, r.VerificationError));
        Assert.Equal(2, got.Select(r => r.WebhookId).Distinct().Count());
        var bodies = got.Select(r => JsonNode.Parse(r.BodyText)!).OrderBy(b => b["data"]!["record"]!["id"]!.GetValue<int>()).ToArray();
        Assert.All(bodies, b => Assert.Equal("rule.triggered", b["type"]!.GetValue<string>()));
        var first = bodies[0]["data"]!;
        Assert.Equal(ruleId, first["ruleId"]!.GetValue<string>());
        Assert.Equal("price alert", first["ruleName"]!.GetValue<string>());
        Assert.Equal(_dataset, first["datasetId"]!.GetValue<string>());
        Assert.Equal("AAPL", first["key"]!.GetValue<string>());
        Assert.Equal("1", first["subkey"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.Parse("2024-05-01T14:30:00Z").ToUnixTimeMilliseconds(), first["date"]!.GetValue<long>());
        Assert.Equal(151.5, first["facts"]![$"DEMO:DATASET:{_dataset}:price"]!.GetValue<double>());
        Assert.Equal("AAPL", first["facts"]![$"DEMO:DATASET:{_dataset}:symbol"]!.GetValue<string>());
        Assert.Equal([true, true], first["conditions"]!.AsArray().Select(c => c!["result"]!.GetValue<bool>()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Trade("AAPL", 1, 151.5)), first["record"]));
        Assert.Equal(got.Single(r => JsonNode.Parse(r.BodyText)!["data"]!["record"]!["id"]!.GetValue<int>() == 1).WebhookId, first["alertId"]!.GetValue<string>());
        Assert.Equal(4, bodies[1]["data"]!["record"]!["id"]!.GetValue<int>());

        // Counters: the MSFT record is not a candidate (the rule fixes the key), the AAPL ones are.
        await Eventually.Until(async () => (await _api.Counters(ruleId)).Ran == 3, Wait, "the rule to have run 3 times");
        Assert.Equal((3L, 2L, 1L, 2L, 0L), await _api.Counters(ruleId));
        Assert.True((await _api.Info(ruleId))["evaluated"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Async_writes_raise_alerts_after_their_commit()
    {
        await CreateAboveRule(100);
        for (var i = 0; i < 5; i++)
            (await _api.Post($"/v1/record/DEMO/{_dataset}", Trade("AAPL", i, 101 + i))).Expect(200);
        var got = await _receiver.WaitForAsync(_path, 5, Wait);
        Assert.Equal(5, got.Select(r => r.WebhookId).Distinct().Count());
    }

    [Fact]
    public async Task A_duplicate_kept_is_no_event_a_replaced_one_is()
    {
        var (ruleId, _) = await CreateAboveRule(100);
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 120)}]");
        await _receiver.WaitForAsync(_path, 1, Wait);

        // The same record again (a retried write) is kept as it was: no second alert.
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 120)}]");
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 2, 121)}]");
        var got = await _receiver.WaitForAsync(_path, 2, Wait);
        await Eventually.Until(async () => (await _api.Counters(ruleId)).Ran == 2, Wait, "two evaluations");

        // Replacing it is a new event of the same record.
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 125)}]", "&duplicateKeyHandling=replace");
        got = await _receiver.WaitForAsync(_path, 3, Wait);
        Assert.Equal(3, got.Select(r => r.WebhookId).Distinct().Count());
        Assert.Equal((3L, 3L, 0L, 3L, 0L), await _api.Counters(ruleId));
        Assert.Equal(3, _receiver.Received(_path).Count);
    }

    [Fact]
    public async Task Persist_false_raises_alerts_and_stores_nothing_and_event_false_raises_none()
    {
        var (ruleId, _) = await CreateAboveRule(100);
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 130)}]", "&persist=false");
        var got = await _receiver.WaitForAsync(_path, 1, Wait);
        Assert.Equal(130, JsonNode.Parse(got[0].BodyText)!["data"]!["record"]!["price"]!.GetValue<double>());
        Assert.Equal(0, await _api.RecordCount(_dataset));

        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 2, 131)}]", "&event=false");
        Assert.Equal(1, await _api.RecordCount(_dataset));
        // A later event proves the event=false record was evaluated before it (commits are in order): it raised nothing.
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 3, 132)}]");
        got = await _receiver.WaitForAsync(_path, 2, Wait);
        Assert.Equal([1, 3], got.Select(r => JsonNode.Parse(r.BodyText)!["data"]!["record"]!["id"]!.GetValue<int>()).Order());
        Assert.Equal((2L, 2L, 0L, 2L, 0L), await _api.Counters(ruleId));
    }

    [Fact]
    public async Task The_frequency_throttles_per_key_on_the_leading_edge()
    {
        var created = await _api.Create(RuleApi.Body("any big trade", _dataset, ["size"], """[["$index[0]",">=",1000]]""", RuleApi.Webhook(_receiver.Url(_path), 3600)));
        var ruleId = created["id"]!.GetValue<string>();
        _receiver.Register(_path, created["outputs"]![0]!["secret"]!.GetValue<string>());

        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 1, 1000)},{Trade("AAPL", 2, 1, 2000)},{Trade("MSFT", 3, 1, 5000)},{Trade("AAPL", 4, 1, 10)}]");
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 5, 1, 3000)}]");
        var got = await _receiver.WaitForAsync(_path, 2, Wait);
        await Eventually.Until(async () => (await _api.Counters(ruleId)).Ran == 5, Wait, "five evaluations");
        Assert.Equal([("AAPL", 1), ("MSFT", 3)], got.Select(r => JsonNode.Parse(r.BodyText)!["data"]!).Select(d => (d["key"]!.GetValue<string>(), d["record"]!["id"]!.GetValue<int>())).Order());
        Assert.Equal((5L, 4L, 1L, 2L, 2L), await _api.Counters(ruleId));
    }

    [Fact]
    public async Task A_failing_receiver_gets_the_same_webhook_id_again_until_it_answers_2xx()
    {
        var (ruleId, _) = await CreateAboveRule(100);
        _receiver.FailNext(_path, 2);
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 120)}]");
        var got = await _receiver.WaitForAsync(_path, 3, Wait);
        Assert.Single(got.Select(r => r.WebhookId).Distinct());
        Assert.Equal([500, 500, 200], got.Select(r => r.AnsweredWith));
        Assert.All(got, r => Assert.True(r.SignatureValid, r.VerificationError));

        await Eventually.Until(async () =>
        {
            var attempts = (await _api.Get($"/v1/rules/deliveries/{ruleId}")).Expect(200).Json.AsArray();
            return attempts.Count == 3 && attempts[0]!["status"]!.GetValue<string>() == "delivered";
        }, Wait, "the deliveries to list three attempts, the last delivered");
        var listed = (await _api.Get($"/v1/rules/deliveries/{ruleId}")).Json.AsArray();
        Assert.Equal([3, 2, 1], listed.Select(a => a!["attempt"]!.GetValue<int>()));
        Assert.Equal(["delivered", "failed", "failed"], listed.Select(a => a!["status"]!.GetValue<string>()));
        Assert.Equal([200, 500, 500], listed.Select(a => a!["httpStatus"]!.GetValue<int>()));
        Assert.All(listed, a => Assert.Equal(got[0].WebhookId, a!["deliveryId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_receiver_that_never_answers_2xx_gets_a_dead_letter_counted_logged_and_redeliverable()
    {
        var (ruleId, _) = await CreateAboveRule(100);
        _receiver.Answer(_path, WebhookAnswer.ServerError("down"));
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 120)}]");
        var got = await _receiver.WaitForAsync(_path, 3, Wait);
        Assert.Single(got.Select(r => r.WebhookId).Distinct());

        await Eventually.Until(async () => (await _api.Info(ruleId))["deliveryFailed"]!.GetValue<long>() == 1, Wait, "deliveryFailed to count the dead letter");
        var info = await _api.Info(ruleId);
        Assert.Contains("given up after 3 attempts", info["lastError"]!.GetValue<string>());
        var deliveries = (await _api.Get($"/v1/rules/deliveries/{ruleId}")).Json.AsArray();
        Assert.True("dead" == deliveries[0]!["status"]!.GetValue<string>(), deliveries.ToJsonString());
        var log = (await _api.Get("/v1/logs/DEMO?period=1h")).Expect(200).Json.AsArray();
        Assert.Contains(log, e => e!["sourceId"]?.GetValue<string>() == ruleId && e["level"]!.GetValue<string>() == "error");

        // Nothing more is sent on its own; a redelivery sends it once more, with the same id.
        _receiver.Answer(_path, WebhookAnswer.Ok);
        (await _api.Post($"/v1/rules/deliveries/{got[0].WebhookId}/redeliver", "{}")).Expect(200);
        got = await _receiver.WaitForAsync(_path, 4, Wait);
        Assert.Equal(got[0].WebhookId, got[3].WebhookId);
        Assert.Equal(200, got[3].AnsweredWith);
        await Eventually.Until(async () => (await _api.Get($"/v1/rules/deliveries/{ruleId}")).Json.AsArray()[0]!["status"]!.GetValue<string>() == "delivered",
            Wait, "the redelivered alert to be listed as delivered");
        (await _api.Post($"/v1/rules/deliveries/{Guid.NewGuid()}/redeliver", "{}")).ExpectProblem(404);
    }

    [Fact]
    public async Task A_429_with_Retry_After_waits_at_least_that_long()
    {
        await CreateAboveRule(100);
        _receiver.Answer(_path, WebhookAnswer.TooManyRequests("2"));
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 120)}]");
        var first = (await _receiver.WaitForAsync(_path, 1, Wait))[0];
        _receiver.Answer(_path, WebhookAnswer.Ok);
        var got = await _receiver.WaitForAsync(_path, 2, Wait);
        Assert.Equal(first.WebhookId, got[1].WebhookId);
        // The schedule says 300 ms; the receiver asked for 2 s (minus the schedule's 10 % jitter).
        Assert.True(got[1].ReceivedAt - first.ReceivedAt >= TimeSpan.FromSeconds(1.8), $"retried after {(got[1].ReceivedAt - first.ReceivedAt).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_410_disables_the_output_until_the_rule_is_edited()
    {
        var created = await _api.Create(RuleApi.Body("gone", _dataset, ["price"], """[["$index[0]",">",100]]""", RuleApi.Webhook(_receiver.Url(_path))));
        var ruleId = created["id"]!.GetValue<string>();
        _receiver.Answer(_path, WebhookAnswer.Gone);
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 1, 120)}]");
        await _receiver.WaitForAsync(_path, 1, Wait);
        await Eventually.Until(async () => (await _api.Info(ruleId))["outputs"]![0]!["disabled"] is not null, Wait, "the output to be disabled");
        Assert.Contains("410", (await _api.Info(ruleId))["lastError"]!.GetValue<string>());

        // Passes go on being counted, but the disabled output raises nothing.
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 2, 121)}]");
        await Eventually.Until(async () => (await _api.Counters(ruleId)).Ran == 2, Wait, "the second evaluation");
        Assert.Equal((2L, 2L, 0L, 1L, 1L), await _api.Counters(ruleId));

        // Editing the rule enables the output again.
        _receiver.Answer(_path, WebhookAnswer.Ok);
        var edit = RuleApi.Body("gone", _dataset, ["price"], """[["$index[0]",">",100]]""", RuleApi.Webhook(_receiver.Url(_path)));
        edit["id"] = ruleId;
        Assert.StartsWith("updated rule", (await _api.Create(edit))["message"]!.GetValue<string>());
        Assert.Null((await _api.Info(ruleId))["outputs"]![0]!["disabled"]);
        await _api.WriteNow(_dataset, $"[{Trade("AAPL", 3, 122)}]");
        var got = await _receiver.WaitForAsync(_path, 2, Wait);
        Assert.Equal(200, got[1].AnsweredWith);
        Assert.Equal(3, JsonNode.Parse(got[1].BodyText)!["data"]!["record"]!["id"]!.GetValue<int>());
    }
}
