using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Rules;

/// <summary>The Rules API as Apperate's clients call it: shapes, errors, pause, resume, delete, outputs, schema, lookup, test.</summary>
[Collection(RulesSiloCollection.Name)]
public sealed class RuleApiTests(RulesSiloFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly Api _api = fixture.Api;
    private readonly string _dataset = Api.UniqueId("QUOTES");

    public Task InitializeAsync() =>
        _api.CreateDataset(_dataset, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("close", "number"), ("volume", "integer"));

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Quote(string symbol, string date, double close, long volume = 1000) =>
        $$"""{"symbol":"{{symbol}}","date":"{{date}}","close":{{close.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"volume":{{volume}}}""";

    private JsonObject LogsRule(string conditions = """[["$index[0]",">",100]]""") =>
        RuleApi.Body("log it", _dataset, ["close"], conditions, RuleApi.Logs());

    [Fact]
    public async Task Create_answers_like_Apperate_and_the_rule_is_listed_with_numeric_counters()
    {
        var created = await _api.Create(LogsRule());
        var id = created["id"]!.GetValue<string>();
        Assert.True(Guid.TryParse(id, out _));
        Assert.True(created["success"]!.GetValue<bool>());
        Assert.Equal("created rule 'log it'", created["message"]!.GetValue<string>());

        var listed = (await _api.Get("/v1/rules")).Expect(200).Json.AsArray().Single(r => r!["id"]!.GetValue<string>() == id)!;
        Assert.Equal("log it", listed["name"]!.GetValue<string>());
        Assert.True(listed["isActive"]!.GetValue<bool>());
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd"), listed["dateCreated"]!.GetValue<string>());
        foreach (var counter in new[] { "ran", "passed", "failed", "sent", "evaluated", "throttled", "deliveryFailed" })
            Assert.Equal(0L, listed[counter]!.GetValue<long>());

        var info = await _api.Info(id);
        Assert.Equal("all", info["type"]!.GetValue<string>());
        Assert.Equal(1, info["version"]!.GetValue<int>());
        Assert.Equal([$"DEMO:DATASET:{_dataset}:close"], info["index"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[["$index[0]",">",100]]"""), info["conditions"]));
    }

    [Fact]
    public async Task The_token_may_be_in_the_body_and_must_be_a_secret_token()
    {
        var anonymous = _api.As(null);
        var body = LogsRule();
        body["token"] = fixture.Silo.Token;
        var created = await anonymous.Create(body);
        var id = created["id"]!.GetValue<string>();
        (await anonymous.Post("/v1/rules/pause", $$"""{"ruleId":"{{id}}","token":"{{fixture.Silo.Token}}"}""")).ExpectJson(200, """{"success":true}""");
        Assert.False((await _api.Info(id))["isActive"]!.GetValue<bool>());
        (await anonymous.Post("/v1/rules/resume", $$"""{"ruleId":"{{id}}","token":"{{fixture.Silo.Token}}"}""")).ExpectJson(200, """{"success":true}""");
        Assert.True((await _api.Info(id))["isActive"]!.GetValue<bool>());

        (await anonymous.Post("/v1/rules/create", LogsRule().ToJsonString())).ExpectProblem(401);
        (await anonymous.Get("/v1/rules")).ExpectProblem(401);
        var publishable = (await _api.Post("/v1/tokens/DEMO", $$$"""{"type":"publishable","permissions":{"{{{_dataset}}}":["read","write"]}}""")).Expect(201).Json["token"]!.GetValue<string>();
        (await _api.As(publishable).Post("/v1/rules/create", LogsRule().ToJsonString())).ExpectProblem(403);
        (await _api.As(publishable).Get("/v1/rules")).ExpectProblem(403);
    }

    [Fact]
    public async Task Bad_rules_are_400_naming_the_field()
    {
        async Task Bad(string body, params string[] mentions) => (await _api.Post("/v1/rules/create", body)).ExpectProblem(400, mentions);
        var fact = $"DEMO:DATASET:{_dataset}:close";
        var logs = """[{"method":"logs"}]""";

        await Bad($$"""{"ruleName":"x","index":["DEMO:DATASET:NOPE_{{Guid.NewGuid():N}}:close"],"conditions":[["$index[0]",">",1]],"outputs":{{logs}}}""", "index[0]");
        await Bad($$"""{"ruleName":"x","index":["DEMO:DATASET:{{_dataset}}:prize"],"conditions":[["$index[0]",">",1]],"outputs":{{logs}}}""", "index[0]");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]","contains","1"]],"outputs":{{logs}}}""", "conditions[0][1]");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">","high"]],"outputs":{{logs}}}""", "conditions[0][2]");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[3]",">",1]],"outputs":{{logs}}}""", "conditions[0][0]");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">"]],"outputs":{{logs}}}""", "conditions[0]");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">",1]],"outputs":[]}""", "outputs");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">",1]],"outputs":[{"method":"webhook","url":"not a url"}]}""", "outputs[0].url");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">",1]],"outputs":[{"method":"webhook","url":"http://10.1.2.3/hook"}]}""", "outputs[0].url");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">",1]],"outputs":[{"method":"email","to":"a@b.c"}]}""", "outputs[0].method", "not supported");
        await Bad($$"""{"ruleName":"x","index":["{{fact}}"],"conditions":[["$index[0]",">",1]],"outputs":[{"method":"logs","frequency":-5}]}""", "outputs[0].frequency");
        await Bad($$"""{"ruleName":"x","ruleSet":"AAPL","conditions":[["latestPrice",">",1]],"outputs":{{logs}}}""", "ruleSet");
        await Bad($$"""{"index":["{{fact}}"],"conditions":[["$index[0]",">",1]],"outputs":{{logs}}}""", "ruleName");
        await Bad("[1,2]", "body");

        // Unknown rules are 404 everywhere.
        var unknown = Guid.NewGuid();
        (await _api.Get($"/v1/rules/info/{unknown}")).ExpectProblem(404);
        (await _api.Get("/v1/rules/info/not-a-uuid")).ExpectProblem(404);
        (await _api.Delete($"/v1/rules/{unknown}")).ExpectProblem(404);
        (await _api.Post("/v1/rules/pause", $$"""{"ruleId":"{{unknown}}"}""")).ExpectProblem(404);
        (await _api.Post("/v1/rules/pause", "{}")).ExpectProblem(400, "ruleId");
        (await _api.Get($"/v1/rules/output/{unknown}")).ExpectProblem(404);
        (await _api.Get($"/v1/rules/deliveries/{unknown}")).ExpectProblem(404);
        var edit = LogsRule();
        edit["id"] = unknown.ToString();
        (await _api.Post("/v1/rules/create", edit.ToJsonString())).ExpectProblem(404);
    }

    [Fact]
    public async Task Logs_outputs_are_read_back_and_a_paused_rule_is_not_evaluated()
    {
        var id = (await _api.Create(LogsRule()))["id"]!.GetValue<string>();
        await _api.WriteNow(_dataset, $"[{Quote("AAPL", "2024-01-02", 185.5)},{Quote("AAPL", "2024-01-03", 99)},{Quote("MSFT", "2024-01-02", 370.25)}]");
        await Eventually.Until(async () => (await _api.Get($"/v1/rules/output/{id}")).Json.AsArray().Count == 2, Wait, "two log entries");
        var entries = (await _api.Get($"/v1/rules/output/{id}")).Json.AsArray();
        Assert.All(entries, e => Assert.Equal(id, e!["ruleId"]!.GetValue<string>()));
        Assert.Equal(["AAPL", "MSFT"], entries.Select(e => e!["key"]!.GetValue<string>()).Order());
        Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e!["alertId"]!.GetValue<string>())));
        Assert.Single((await _api.Get($"/v1/rules/output/{id}?last=1")).Json.AsArray());
        Assert.Empty((await _api.Get($"/v1/rules/output/{id}?to=2000-01-01")).Json.AsArray());
        (await _api.Get($"/v1/rules/output/{id}?from=yesterday-ish")).ExpectProblem(400, "from");
        Assert.Equal((3L, 2L, 1L, 2L, 0L), await _api.Counters(id));

        (await _api.Post("/v1/rules/pause", $$"""{"ruleId":"{{id}}"}""")).Expect(200);
        await _api.WriteNow(_dataset, $"[{Quote("IBM", "2024-01-02", 161.5)}]");
        (await _api.Post("/v1/rules/resume", $$"""{"ruleId":"{{id}}"}""")).Expect(200);
        await _api.WriteNow(_dataset, $"[{Quote("IBM", "2024-01-03", 162.5)}]");
        await Eventually.Until(async () => (await _api.Counters(id)).Ran == 4, Wait, "the write after resume to be evaluated");
        Assert.Equal((4L, 3L, 1L, 3L, 0L), await _api.Counters(id));
        Assert.Equal(["2024-01-03"], (await _api.Get($"/v1/rules/output/{id}")).Json.AsArray()
            .Where(e => e!["key"]!.GetValue<string>() == "IBM").Select(e => e!["record"]!["date"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_deleted_rule_is_gone_and_raises_nothing_more()
    {
        var id = (await _api.Create(LogsRule()))["id"]!.GetValue<string>();
        await _api.WriteNow(_dataset, $"[{Quote("AAPL", "2024-01-02", 185.5)}]");
        await Eventually.Until(async () => (await _api.Counters(id)).Ran == 1, Wait, "one evaluation");
        (await _api.Delete($"/v1/rules/{id}")).ExpectJson(200, """{"success":true}""");
        (await _api.Get($"/v1/rules/info/{id}")).ExpectProblem(404);
        Assert.DoesNotContain((await _api.Get("/v1/rules")).Json.AsArray(), r => r!["id"]!.GetValue<string>() == id);
        (await _api.Delete($"/v1/rules/{id}")).ExpectProblem(404);
    }

    [Fact]
    public async Task Deleting_a_dataset_deletes_its_rules_and_renaming_one_that_rules_watch_is_409()
    {
        var id = (await _api.Create(LogsRule()))["id"]!.GetValue<string>();
        (await _api.Put($"/v1/datasets/DEMO/{_dataset}/{_dataset}_renamed")).ExpectProblem(409, id);
        (await _api.Delete($"/v1/datasets/DEMO/{_dataset}")).Expect(200);
        (await _api.Get($"/v1/rules/info/{id}")).ExpectProblem(404);
        Assert.DoesNotContain((await _api.Get("/v1/rules")).Json.AsArray(), r => r!["id"]!.GetValue<string>() == id);

        // A new dataset of the same name starts without rules.
        await _api.CreateDataset(_dataset, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("close", "number"), ("volume", "integer"));
        await _api.WriteNow(_dataset, Quote("AAPL", "2024-01-02", 185.5));
        (await _api.Get($"/v1/rules/output/{id}")).ExpectProblem(404);
    }

    [Fact]
    public async Task A_dataset_output_writes_one_record_per_alert_into_a_dataset_it_creates()
    {
        var target = Api.UniqueId("ALERTS");
        var id = (await _api.Create(RuleApi.Body("to dataset", _dataset, ["close"], """[["$index[0]",">",100]]""", RuleApi.ToDataset(target))))["id"]!.GetValue<string>();
        await _api.WriteNow(_dataset, $"[{Quote("AAPL", "2024-01-02", 185.5)},{Quote("MSFT", "2024-01-02", 370.25)},{Quote("MSFT", "2024-01-03", 50)}]");
        await Eventually.Until(async () => (await _api.Get($"/v1/datasets/DEMO/{target}")).Status == 200 && await _api.RecordCount(target) == 2,
            Wait, "two alert records in the output dataset");
        var records = await _api.Data($"{target}/MSFT?last=10");
        var record = Assert.Single(records)!;
        Assert.Equal(id, record["ruleId"]!.GetValue<string>());
        Assert.Equal("to dataset", record["ruleName"]!.GetValue<string>());
        Assert.Equal(370.25, record["record"]!["close"]!.GetValue<double>());
        Assert.Equal(370.25, record["facts"]![$"DEMO:DATASET:{_dataset}:close"]!.GetValue<double>());
        var delivery = (await _api.Get($"/v1/rules/deliveries/{id}")).Json.AsArray();
        Assert.Contains(delivery, d => d!["deliveryId"]!.GetValue<string>() == record["alertId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_dataset_output_into_the_watched_dataset_is_refused()
    {
        (await _api.Post("/v1/rules/create", RuleApi.Body("loop", _dataset, ["close"], """[["$index[0]",">",100]]""", RuleApi.ToDataset(_dataset)).ToJsonString()))
            .ExpectProblem(400, "outputs[0].datasetId");
    }

    [Fact]
    public async Task Schema_lists_operators_outputs_and_this_workspace_s_facts_and_lookup_lists_keys()
    {
        var schema = (await _api.Get("/v1/rules/schema")).Expect(200).Json;
        Assert.Contains(schema["operators"]!["number"]!.AsArray(), o => o!["value"]!.GetValue<string>() == ">");
        Assert.Contains(schema["operators"]!["string"]!.AsArray(), o => o!["value"]!.GetValue<string>() == "contains");
        Assert.Contains(schema["notificationTypes"]!.AsArray(), n => n!["value"]!.GetValue<string>() == "webhook" && n["enabled"]!.GetValue<bool>());
        Assert.Contains(schema["notificationTypes"]!.AsArray(), n => n!["value"]!.GetValue<string>() == "email" && !n["enabled"]!.GetValue<bool>());
        var workspace = schema["schema"]!["workspaces"]!.AsArray().Single()!;
        Assert.Equal("DEMO", workspace["workspace"]!.GetValue<string>());
        var entity = workspace["namespaces"]![0]!["entities"]!.AsArray().Single(e => e!["entity"]!.GetValue<string>() == _dataset)!;
        var facts = entity["facts"]!.AsArray();
        Assert.Contains(facts, f => f!["value"]!.GetValue<string>() == $"DEMO:DATASET:{_dataset}:close" && f["type"]!.GetValue<string>() == "number" && !f["isLookup"]!.GetValue<bool>());
        Assert.Contains(facts, f => f!["value"]!.GetValue<string>() == $"DEMO:DATASET:{_dataset}:symbol" && f["isLookup"]!.GetValue<bool>());

        await _api.WriteNow(_dataset, $"[{Quote("MSFT", "2024-01-02", 1)},{Quote("AAPL", "2024-01-02", 1)},{Quote("AAPL", "2024-01-03", 1)}]");
        var keys = (await _api.Get($"/v1/rules/lookup/DEMO:DATASET:{_dataset}:symbol")).Expect(200).Json.AsArray();
        Assert.Equal(["AAPL", "MSFT"], keys.Select(k => k!.GetValue<string>()));
        (await _api.Get($"/v1/rules/lookup/DEMO:DATASET:{_dataset}:close")).ExpectProblem(400, "fact");
    }

    [Fact]
    public async Task Test_evaluates_records_without_storing_sending_or_counting()
    {
        var body = RuleApi.Body("try", _dataset, ["symbol", "close"], """[["$index[0]","=","AAPL"],["$index[1]","crossesAbove",100]]""", RuleApi.Logs(3600));
        body["records"] = JsonNode.Parse($"[{Quote("AAPL", "2024-01-02", 99)},{Quote("AAPL", "2024-01-03", 101)},{Quote("AAPL", "2024-01-04", 99)},{Quote("AAPL", "2024-01-05", 102)}]");
        var results = (await _api.Post("/v1/rules/test", body.ToJsonString())).Expect(200).Json.AsArray();
        Assert.Equal([false, true, false, true], results.Select(r => r!["passed"]!.GetValue<bool>()));
        Assert.Equal([false, true, false, false], results.Select(r => r!["outputs"]![0]!["sent"]!.GetValue<bool>()));
        Assert.Equal(101, results[1]!["alert"]!["data"]!["record"]!["close"]!.GetValue<double>());
        Assert.Equal([true, false], results[2]!["conditions"]!.AsArray().Select(c => c!["result"]!.GetValue<bool>()));
        Assert.Equal(0, await _api.RecordCount(_dataset));

        var bad = RuleApi.Body("try", _dataset, ["close"], """[["$index[0]",">",1]]""", RuleApi.Logs());
        (await _api.Post("/v1/rules/test", bad.ToJsonString())).ExpectProblem(400, "records");
        bad["records"] = JsonNode.Parse("""[{"symbol":"AAPL","date":"2024-01-02","close":"high"}]""");
        (await _api.Post("/v1/rules/test", bad.ToJsonString())).ExpectProblem(400);
    }
}
