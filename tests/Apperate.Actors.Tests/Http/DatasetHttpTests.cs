using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary><c>/v1/datasets/:workspace[/:id[/:newId]]</c> against the real process.</summary>
[Collection(SiloCollection.Name)]
public sealed class DatasetHttpTests(SiloFixture fixture)
{
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;

    private static readonly (string, string)[] Quote = [("sym", "string"), ("d", "string:date"), ("v", "number")];

    private const string QuoteSchema =
        """{"type":"object","properties":{"sym":{"type":"string"},"d":{"type":"string","format":"date"},"v":{"type":"number"}},"required":["sym","d"],"additionalProperties":false}""";

    [Fact]
    public async Task Create_answers_201_with_the_dataset_id_and_get_shows_the_definition()
    {
        var id = Api.UniqueId("created");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        (await _api.Post($"/v1/datasets/{Ws}", Api.DatasetBody(id, "sym", "d", null, Quote)))
            .ExpectJson(201, $$"""{"success":true,"message":"Dataset has been created","datasetId":"{{id}}"}""");

        var got = (await _api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200);
        var json = got.Json;
        Assert.Equal(id, json["datasetId"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(QuoteSchema), json["schema"]), got.Describe());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"sym","date":"d"}"""), json["columnMapping"]), got.Describe());
        Assert.Equal(0, json["records"]!.GetValue<long>());
        var created = json["date"]!.GetValue<long>();
        Assert.InRange(created, before - 5_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5_000);
        Assert.Equal(created, json["updated"]!.GetValue<long>());
    }

    [Fact]
    public async Task Creating_an_existing_dataset_in_another_case_is_409()
    {
        var id = Api.UniqueId("dup");
        await _api.CreateDataset(id.ToLowerInvariant(), "sym", "d", null, Quote);
        var reply = (await _api.Post($"/v1/datasets/{Ws}", Api.DatasetBody(id.ToUpperInvariant(), "sym", "d", null, Quote))).ExpectProblem(409);
        Assert.Contains(id, reply.Json["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task List_holds_every_created_dataset_with_its_schema()
    {
        var a = Api.UniqueId("listA");
        var b = Api.UniqueId("listB");
        await _api.CreateDataset(a, "sym", "d", null, Quote);
        await _api.CreateDataset(b, "name", null, "part", ("name", "string"), ("part", "integer"), ("flag", "boolean"));

        var list = (await _api.Get($"/v1/datasets/{Ws}")).Expect(200);
        var items = list.Json.AsArray();
        var ja = items.SingleOrDefault(i => i!["datasetId"]!.GetValue<string>() == a) ?? throw list.Fail($"{a} is not listed");
        var jb = items.SingleOrDefault(i => i!["datasetId"]!.GetValue<string>() == b) ?? throw list.Fail($"{b} is not listed");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(QuoteSchema), ja["schema"]), list.Describe());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            """{"type":"object","properties":{"name":{"type":"string"},"part":{"type":"integer"},"flag":{"type":"boolean"}},"required":["name","part"],"additionalProperties":false}"""),
            jb["schema"]), list.Describe());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"name","subkey":"part"}"""), jb["columnMapping"]), list.Describe());
    }

    [Fact]
    public async Task Get_counts_the_stored_records()
    {
        var id = Api.UniqueId("count");
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        await _api.WriteNow(id, """[{"sym":"A","d":"2024-01-01","v":1},{"sym":"A","d":"2024-01-02","v":2},{"sym":"B","d":"2024-01-01","v":3}]""");
        Assert.Equal(3, await _api.RecordCount(id));
    }

    [Fact]
    public async Task Patch_adds_a_property_and_writes_with_it_then_succeed()
    {
        var id = Api.UniqueId("patch");
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        const string record = """[{"sym":"A","d":"2024-01-01","v":1.5,"note":"hello"}]""";
        (await _api.Post($"/v1/record/{Ws}/{id}?wait=true", record)).ExpectProblem(400, "note");

        var patch = """{"dataset":{"schema":{"type":"object","properties":{"sym":{"type":"string"},"d":{"type":"string","format":"date"},"v":{"type":"number"},"note":{"type":"string"}},"required":[]}}}""";
        var patched = (await _api.Patch($"/v1/datasets/{Ws}/{id}", patch)).Expect(200);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            """{"type":"object","properties":{"sym":{"type":"string"},"d":{"type":"string","format":"date"},"v":{"type":"number"},"note":{"type":"string"}},"required":["sym","d"],"additionalProperties":false}"""),
            patched.Json["schema"]), patched.Describe());

        await _api.WriteNow(id, record);
        var rows = await _api.Data($"{id}/A");
        Assert.Equal("""[{"sym":"A","d":"2024-01-01","v":1.5,"note":"hello"}]""", rows.ToJsonString());
    }

    [Fact]
    public async Task Patch_with_only_the_new_properties_merges_them_into_the_schema()
    {
        var id = Api.UniqueId("patchPart");
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        var patched = (await _api.Patch($"/v1/datasets/{Ws}/{id}", """{"schema":{"properties":{"note":{"type":"string"},"qty":{"type":"integer"}}}}""")).Expect(200);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            """{"type":"object","properties":{"sym":{"type":"string"},"d":{"type":"string","format":"date"},"v":{"type":"number"},"note":{"type":"string"},"qty":{"type":"integer"}},"required":["sym","d"],"additionalProperties":false}"""),
            patched.Json["schema"]), patched.Describe());
        await _api.WriteNow(id, """[{"sym":"A","d":"2024-01-01","v":1.5,"note":"hi","qty":3}]""");

        // Widening a type by naming just that property; a bad type in a partial schema is the 400 naming it.
        var widened = (await _api.Patch($"/v1/datasets/{Ws}/{id}", """{"schema":{"properties":{"QTY":{"type":"number"}}}}""")).Expect(200);
        Assert.Equal("number", widened.Json["schema"]!["properties"]!["qty"]!["type"]!.GetValue<string>());
        (await _api.Patch($"/v1/datasets/{Ws}/{id}", """{"schema":{"properties":{"x":{"type":"weird"}}}}""")).ExpectProblem(400, "schema.properties.x");
    }

    [Fact]
    public async Task Patch_that_changes_a_type_is_409_and_changes_nothing()
    {
        var id = Api.UniqueId("patchType");
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        var patch = """{"dataset":{"schema":{"type":"object","properties":{"sym":{"type":"string"},"d":{"type":"string","format":"date"},"v":{"type":"string"}}}}}""";
        (await _api.Patch($"/v1/datasets/{Ws}/{id}", patch)).ExpectProblem(409, "'v'");
        var got = (await _api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(QuoteSchema), got.Json["schema"]), got.Describe());
    }

    [Fact]
    public async Task Rename_keeps_the_records_and_the_old_id_is_404()
    {
        var oldId = Api.UniqueId("renOld");
        var newId = Api.UniqueId("renNew");
        await _api.CreateDataset(oldId, "sym", "d", null, Quote);
        await _api.WriteNow(oldId, """[{"sym":"A","d":"2024-01-01","v":1},{"sym":"A","d":"2024-01-02","v":2}]""");

        (await _api.Put($"/v1/datasets/{Ws}/{oldId}/{newId}"))
            .ExpectJson(200, $$"""{"success":true,"message":"Dataset '{{oldId}}' has been renamed to '{{newId}}'","datasetId":"{{newId}}"}""");

        Assert.Equal(2, await _api.RecordCount(newId));
        var rows = await _api.Data($"{newId}/A?last=5");
        Assert.Equal("""[{"sym":"A","d":"2024-01-02","v":2},{"sym":"A","d":"2024-01-01","v":1}]""", rows.ToJsonString());
        (await _api.Get($"/v1/datasets/{Ws}/{oldId}")).ExpectProblem(404, oldId);
        (await _api.Get($"/v1/data/{Ws}/{oldId}/A")).ExpectProblem(404, oldId);

        // Writes go to the new name.
        await _api.WriteNow(newId, """{"sym":"A","d":"2024-01-03","v":3}""");
        Assert.Equal(3, await _api.RecordCount(newId));
    }

    /// <summary>
    /// "Data follows" a rename, and nothing accepted may be lost: async writes answered 200 just before the rename
    /// must end up in the renamed dataset, even if they were still queued on the old name's record stream.
    /// </summary>
    [Fact]
    public async Task Async_writes_accepted_just_before_a_rename_end_up_in_the_renamed_dataset()
    {
        var oldId = Api.UniqueId("renRace");
        var newId = Api.UniqueId("renRaceNew");
        await _api.CreateDataset(oldId, "sym", "d", null, [("sym", "string"), ("d", "string:date-time"), ("v", "number")]);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => _api.Post($"/v1/record/{Ws}/{oldId}",
            "[" + string.Join(",", Enumerable.Range(0, 50).Select(j =>
                $$"""{"sym":"R{{i}}","d":"{{start.AddMinutes(j):yyyy-MM-dd'T'HH:mm:ss'Z'}}","v":{{j}}}""")) + "]")));
        foreach (var reply in replies) reply.ExpectJson(200, """{"success":true,"message":"wrote 50 messages"}""");

        (await _api.Put($"/v1/datasets/{Ws}/{oldId}/{newId}")).Expect(200);

        long stored = 0;
        try
        {
            await Eventually.Until(async () => (stored = await _api.RecordCount(newId)) == 2000, TimeSpan.FromSeconds(10),
                $"all 2000 accepted records to be stored in {newId}");
        }
        catch (TimeoutException ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message} Only {stored} are.{Environment.NewLine}{fixture.Silo.Tail(40)}");
        }
    }

    [Fact]
    public async Task Delete_removes_the_dataset_and_its_records()
    {
        var id = Api.UniqueId("delete");
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        await _api.WriteNow(id, """[{"sym":"A","d":"2024-01-01","v":1},{"sym":"B","d":"2024-01-02","v":2}]""");

        (await _api.Delete($"/v1/datasets/{Ws}/{id}")).ExpectJson(200, $$"""{"success":true,"message":"Dataset '{{id}}' has been deleted"}""");
        (await _api.Get($"/v1/datasets/{Ws}/{id}")).ExpectProblem(404, id);
        (await _api.Get($"/v1/data/{Ws}/{id}/A")).ExpectProblem(404, id);
        var list = (await _api.Get($"/v1/datasets/{Ws}")).Expect(200);
        Assert.DoesNotContain(list.Json.AsArray(), d => d!["datasetId"]!.GetValue<string>() == id);

        // A new dataset of the same name starts empty: the old rows went with the old dataset.
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        Assert.Equal(0, await _api.RecordCount(id));
        Assert.Equal("[]", (await _api.Data($"{id}/A?last=10")).ToJsonString());
        Assert.Equal("[]", (await _api.Data($"{id}?last=10")).ToJsonString());
    }

    [Theory]
    [InlineData("bad-name!")]
    [InlineData("_systemX")]
    [InlineData("_SYSTEMdata")]
    [InlineData("65 characters")]
    [InlineData("")]
    public async Task Bad_dataset_names_are_400_naming_dataset_datasetId(string name)
    {
        if (name == "65 characters") name = new string('n', 65);
        (await _api.Post($"/v1/datasets/{Ws}", Api.DatasetBody(name, "sym", "d", null, Quote))).ExpectProblem(400, "dataset.datasetId");
    }

    [Fact]
    public async Task A_64_character_name_is_accepted()
    {
        var id = ("n64_" + Guid.NewGuid().ToString("N") + new string('x', 64))[..64];
        await _api.CreateDataset(id, "sym", "d", null, Quote);
        (await _api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200);
    }

    [Fact]
    public async Task A_schema_with_an_unknown_type_is_400_naming_the_property_path()
    {
        var id = Api.UniqueId("badType");
        (await _api.Post($"/v1/datasets/{Ws}", Api.DatasetBody(id, "sym", "d", null, [("sym", "string"), ("d", "string:date"), ("weird", "decimal")])))
            .ExpectProblem(400, "schema.properties.weird");
        (await _api.Get($"/v1/datasets/{Ws}/{id}")).ExpectProblem(404);
    }

    [Fact]
    public async Task A_reserved_property_name_is_400_naming_it()
    {
        var id = Api.UniqueId("reserved");
        (await _api.Post($"/v1/datasets/{Ws}", Api.DatasetBody(id, "sym", "d", null, [("sym", "string"), ("d", "string:date"), ("_systemStuff", "string")])))
            .ExpectProblem(400, "schema.properties._systemStuff");
        (await _api.Get($"/v1/datasets/{Ws}/{id}")).ExpectProblem(404);
    }

    [Fact]
    public async Task A_column_mapping_naming_an_undeclared_property_is_400()
    {
        var id = Api.UniqueId("badMap");
        (await _api.Post($"/v1/datasets/{Ws}", Api.DatasetBody(id, "ticker", "d", null, Quote))).ExpectProblem(400, "ticker");
    }
}
