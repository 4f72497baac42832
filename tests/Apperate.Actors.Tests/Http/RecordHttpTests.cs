using System.Text;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary><c>POST /v1/record/:workspace/:id</c> against the real process.</summary>
[Collection(SiloCollection.Name)]
public sealed class RecordHttpTests(SiloFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(15);
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;
    private readonly string _id = Api.UniqueId("rec");

    public Task InitializeAsync() => _api.CreateDataset(_id, "sym", "d", null, ("sym", "string"), ("d", "string:date"), ("v", "number"), ("s", "string"));

    public Task DisposeAsync() => Task.CompletedTask;

    private string Path(string query = "") => $"/v1/record/{Ws}/{_id}{query}";

    private static string Ok(int n) => $$"""{"success":true,"message":"wrote {{n}} messages"}""";

    /// <summary>Writes a sentinel through the async path and waits until it is stored: every earlier async item of this dataset has then been handled.</summary>
    private async Task AsyncSentinel()
    {
        (await _api.Post(Path(), """{"sym":"SENTINEL","d":"2000-01-01","v":0}""")).ExpectJson(200, Ok(1));
        await Eventually.Until(async () => (await _api.Data($"{_id}/SENTINEL")).Count == 1, Visible, $"the async sentinel record of {_id} to be visible");
    }

    [Fact]
    public async Task An_async_write_answers_at_once_and_becomes_visible()
    {
        (await _api.Post(Path(), """[{"sym":"A","d":"2024-01-01","v":1},{"sym":"A","d":"2024-01-02","v":2}]""")).ExpectJson(200, Ok(2));
        await Eventually.Until(async () => (await _api.Data($"{_id}/A?last=10")).Count == 2, Visible, $"both async records of {_id}/A to be visible");
        Assert.Equal("""[{"sym":"A","d":"2024-01-02","v":2,"s":null},{"sym":"A","d":"2024-01-01","v":1,"s":null}]""",
            (await _api.Data($"{_id}/A?last=10")).ToJsonString());
    }

    [Fact]
    public async Task A_wait_true_write_is_visible_immediately()
    {
        (await _api.Post(Path("?wait=true"), """[{"sym":"A","d":"2024-01-01","v":1,"s":"x"},{"sym":"B","d":"2024-01-01","v":2}]""")).ExpectJson(200, Ok(2));
        Assert.Equal("""[{"sym":"A","d":"2024-01-01","v":1,"s":"x"}]""", (await _api.Data($"{_id}/A")).ToJsonString());
        Assert.Equal("""[{"sym":"B","d":"2024-01-01","v":2,"s":null}]""", (await _api.Data($"{_id}/B")).ToJsonString());
        Assert.Equal(2, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task A_single_object_body_is_accepted_in_both_modes()
    {
        (await _api.Post(Path("?wait=true"), """{"sym":"ONE","d":"2024-01-01","v":1}""")).ExpectJson(200, Ok(1));
        Assert.Single(await _api.Data($"{_id}/ONE"));
        (await _api.Post(Path(), """{"sym":"TWO","d":"2024-01-01","v":2}""")).ExpectJson(200, Ok(1));
        await Eventually.Until(async () => (await _api.Data($"{_id}/TWO")).Count == 1, Visible, $"the async single record {_id}/TWO to be visible");
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("&duplicateKeyHandling=ignore", 1)]
    [InlineData("&duplicateKeyHandling=false", 1)]
    [InlineData("&duplicateKeyHandling=replace", 2)]
    [InlineData("&duplicateKeyHandling=true", 2)]
    [InlineData("&duplicateKeyHandling=REPLACE", 2)]
    public async Task DuplicateKeyHandling_decides_which_record_is_kept(string parameter, int expectedV)
    {
        await _api.WriteNow(_id, """{"sym":"K","d":"2024-03-01","v":1,"s":"first"}""");
        await _api.WriteNow(_id, """{"sym":"K","d":"2024-03-01","v":2,"s":"second"}""", parameter);
        var rows = await _api.Data($"{_id}/K?last=10");
        var expected = expectedV == 1 ? """{"sym":"K","d":"2024-03-01","v":1,"s":"first"}""" : """{"sym":"K","d":"2024-03-01","v":2,"s":"second"}""";
        Assert.Equal($"[{expected}]", rows.ToJsonString());
        Assert.Equal(1, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task DuplicateKeyHandling_replace_works_on_the_async_path_too()
    {
        await _api.WriteNow(_id, """{"sym":"K","d":"2024-03-01","v":1}""");
        (await _api.Post(Path("?duplicateKeyHandling=replace"), """{"sym":"K","d":"2024-03-01","v":2}""")).ExpectJson(200, Ok(1));
        await Eventually.Until(async () => (await _api.Data($"{_id}/K"))[0]!["v"]!.GetValue<double>() == 2, Visible, $"the async replace of {_id}/K to be visible");
        Assert.Equal(1, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task An_invalid_duplicateKeyHandling_is_400_naming_it()
    {
        (await _api.Post(Path("?wait=true&duplicateKeyHandling=overwrite"), """{"sym":"K","d":"2024-03-01","v":1}"""))
            .ExpectProblem(400, "duplicateKeyHandling");
        Assert.Equal(0, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task An_invalid_wait_is_400_naming_it()
    {
        (await _api.Post(Path("?wait=perhaps"), """{"sym":"K","d":"2024-03-01","v":1}""")).ExpectProblem(400, "wait");
    }

    [Fact]
    public async Task CreateDatasetOnDemand_infers_the_schema_and_column_mapping()
    {
        var id = Api.UniqueId("onDemand");
        (await _api.Post($"/v1/record/{Ws}/{id}?wait=true",
            """[{"symbol":"AAPL","date":"2024-01-02","price":1.5,"volume":100,"active":true},{"symbol":"MSFT","date":"2024-01-03","price":2,"volume":7,"active":false}]"""))
            .ExpectJson(200, Ok(2));

        var list = (await _api.Get($"/v1/datasets/{Ws}")).Expect(200);
        var dataset = list.Json.AsArray().SingleOrDefault(d => d!["datasetId"]!.GetValue<string>() == id) ?? throw list.Fail($"{id} is not listed");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(
            """{"type":"object","properties":{"symbol":{"type":"string"},"date":{"type":"string","format":"date"},"price":{"type":"number"},"volume":{"type":"integer"},"active":{"type":"boolean"}},"required":["symbol","date"],"additionalProperties":false}"""),
            dataset["schema"]), list.Describe());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"symbol","date":"date"}"""), dataset["columnMapping"]), list.Describe());
        Assert.Equal("""[{"symbol":"MSFT","date":"2024-01-03","price":2,"volume":7,"active":false}]""", (await _api.Data($"{id}/MSFT")).ToJsonString());
    }

    [Fact]
    public async Task CreateDatasetOnDemand_works_on_the_async_path()
    {
        var id = Api.UniqueId("onDemandAsync");
        (await _api.Post($"/v1/record/{Ws}/{id}", """[{"key":"X","n":1},{"key":"Y","n":2}]""")).ExpectJson(200, Ok(2));
        await Eventually.Until(async () => (await _api.Get($"/v1/data/{Ws}/{id}/X")) is { Status: 200 } r && r.Json.AsArray().Count == 1,
            Visible, $"the on-demand dataset {id} to hold the async record X");
        var got = (await _api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"key"}"""), got.Json["columnMapping"]), got.Describe());
    }

    [Fact]
    public async Task Concurrent_async_writes_to_a_new_dataset_create_it_once_and_store_everything()
    {
        var id = Api.UniqueId("onDemandRace");
        var replies = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            _api.Post($"/v1/record/{Ws}/{id}", $$"""[{"symbol":"S{{i}}","date":"2024-01-01","n":{{i}}},{"symbol":"S{{i}}","date":"2024-01-02","n":{{i}}}]""")));
        foreach (var reply in replies) reply.ExpectJson(200, Ok(2));
        await Eventually.Until(async () => await _api.RecordCount(id) == 48, Visible, $"all 48 records of the concurrently created dataset {id} to be stored");
        var list = (await _api.Get($"/v1/datasets/{Ws}")).Expect(200);
        Assert.Single(list.Json.AsArray(), d => string.Equals(d!["datasetId"]!.GetValue<string>(), id, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Concurrent_wait_true_writes_are_all_stored()
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            _api.Post(Path("?wait=true"), $$"""[{"sym":"C{{i}}","d":"2024-01-01","v":{{i}}},{"sym":"C{{i}}","d":"2024-01-02","v":{{i}}},{"sym":"C{{i}}","d":"2024-01-03","v":{{i}}}]""")));
        foreach (var reply in replies) reply.ExpectJson(200, Ok(3));
        Assert.Equal(96, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task CreateDatasetOnDemand_false_on_an_unknown_dataset_is_404()
    {
        var id = Api.UniqueId("noDemand");
        (await _api.Post($"/v1/record/{Ws}/{id}?createDatasetOnDemand=false", """{"key":"X","n":1}""")).ExpectProblem(404, id);
        (await _api.Post($"/v1/record/{Ws}/{id}?createDatasetOnDemand=false&wait=true", """{"key":"X","n":1}""")).ExpectProblem(404, id);
        (await _api.Get($"/v1/datasets/{Ws}/{id}")).ExpectProblem(404, id);
    }

    [Fact]
    public async Task Persist_false_answers_200_and_stores_nothing()
    {
        (await _api.Post(Path("?persist=false&wait=true"), """[{"sym":"P","d":"2024-01-01","v":1}]""")).ExpectJson(200, Ok(1));
        Assert.Equal("[]", (await _api.Data($"{_id}/P")).ToJsonString());
        (await _api.Post(Path("?persist=false"), """[{"sym":"P","d":"2024-01-02","v":2}]""")).ExpectJson(200, Ok(1));
        await AsyncSentinel();
        Assert.Equal("[]", (await _api.Data($"{_id}/P")).ToJsonString());
        Assert.Equal(1, await _api.RecordCount(_id)); // the sentinel only
    }

    [Theory]
    [InlineData("[{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1")]
    [InlineData("{sym: 'A'}")]
    [InlineData("not json")]
    public async Task Malformed_JSON_is_400_naming_the_body(string body)
    {
        (await _api.Post(Path("?wait=true"), body)).ExpectProblem(400, "body");
        (await _api.Post(Path(), body)).ExpectProblem(400, "body");
    }

    [Fact]
    public async Task An_empty_body_or_array_is_400()
    {
        (await _api.Post(Path("?wait=true"), "")).ExpectProblem(400);
        (await _api.Post(Path("?wait=true"), "[]")).ExpectProblem(400);
    }

    [Fact]
    public async Task A_wrong_type_is_400_listing_the_record_index_and_field()
    {
        var reply = (await _api.Post(Path("?wait=true"), """[{"sym":"A","d":"2024-01-01","v":1},{"sym":"B","d":"2024-01-01","v":"abc"}]"""))
            .ExpectProblem(400, "v", "record 1");
        Assert.Equal([(1, "v")], reply.Errors());
    }

    [Fact]
    public async Task Text_that_is_not_valid_Unicode_is_400_naming_the_record_and_field_and_nothing_is_written()
    {
        byte[] invalidUtf8 = [.. "[{\"sym\":\"U1\",\"d\":\"2024-01-01\",\"v\":1},{\"sym\":\"U2\",\"d\":\"2024-01-01\",\"s\":\"bad "u8, 0xFF, .. "\"}]"u8];
        foreach (var query in (string[])["?wait=true", ""])
        {
            var content = new ByteArrayContent(invalidUtf8) { Headers = { ContentType = new("application/json") } };
            var reply = (await _api.Send(HttpMethod.Post, Path(query), content)).ExpectProblem(400, "record 1", "not valid UTF-8");
            Assert.Equal(new (int?, string?)[] { (1, null) }, reply.Errors());
            reply = (await _api.Post(Path(query), """[{"sym":"U3","d":"2024-01-01","s":"\ud800"}]""")).ExpectProblem(400, "record 0", "lone surrogate");
            Assert.Equal(new (int?, string?)[] { (0, "s") }, reply.Errors());
        }
        await AsyncSentinel();
        Assert.Equal("[]", (await _api.Data($"{_id}/U1")).ToJsonString());
    }

    [Fact]
    public async Task A_missing_index_property_is_400_naming_it()
    {
        var reply = (await _api.Post(Path("?wait=true"), """[{"d":"2024-01-01","v":1}]""")).ExpectProblem(400, "sym", "record 0");
        Assert.Equal([(0, "sym")], reply.Errors());
        reply = (await _api.Post(Path("?wait=true"), """[{"sym":"A","v":1}]""")).ExpectProblem(400, "d", "record 0");
        Assert.Equal([(0, "d")], reply.Errors());
        reply = (await _api.Post(Path("?wait=true"), """[{"sym":null,"d":"2024-01-01"}]""")).ExpectProblem(400, "sym", "record 0");
        Assert.Equal([(0, "sym")], reply.Errors());
    }

    [Fact]
    public async Task Several_bad_records_are_each_listed_by_index()
    {
        const string body = """
            [{"sym":"A","d":"2024-01-01","v":"x"},
             {"sym":"B","d":"2024-01-01","v":1},
             {"sym":"C","d":"not a date","v":1},
             {"d":"2024-01-01","v":1},
             {"sym":"E","d":"2024-01-01","v":1,"extra":true}]
            """;
        var reply = (await _api.Post(Path("?wait=true"), body)).ExpectProblem(400, "record 0", "record 2", "record 3", "record 4");
        Assert.Equal([(0, "v"), (2, "d"), (3, "sym"), (4, "extra")], reply.Errors().OrderBy(e => e.Index).ToArray());
        Assert.DoesNotContain(reply.Errors(), e => e.Index == 1);
    }

    [Fact]
    public async Task A_request_with_any_invalid_record_writes_nothing_in_either_mode()
    {
        const string body = """[{"sym":"GOOD","d":"2024-01-01","v":1},{"sym":"GOOD","d":"2024-01-02","v":"bad"}]""";
        (await _api.Post(Path("?wait=true"), body)).ExpectProblem(400, "record 1");
        (await _api.Post(Path(), body)).ExpectProblem(400, "record 1");
        await AsyncSentinel();
        Assert.Equal("[]", (await _api.Data($"{_id}/GOOD?last=10")).ToJsonString());
        Assert.Equal(1, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task A_record_over_64_KB_is_413_and_nothing_is_written()
    {
        var big = new string('x', 70_000);
        var body = $$"""[{"sym":"SMALL","d":"2024-01-01","v":1},{"sym":"BIG","d":"2024-01-01","v":1,"s":"{{big}}"}]""";
        (await _api.Post(Path("?wait=true"), body)).ExpectProblem(413, "record 1");
        (await _api.Post(Path(), body)).ExpectProblem(413, "record 1");
        await AsyncSentinel();
        Assert.Equal(1, await _api.RecordCount(_id));

        // Just under the limit is fine.
        var fits = new string('y', 60_000);
        await _api.WriteNow(_id, $$"""{"sym":"FITS","d":"2024-01-01","v":1,"s":"{{fits}}"}""");
        Assert.Equal(fits, (await _api.Data($"{_id}/FITS"))[0]!["s"]!.GetValue<string>());
    }

    private static string TooBigBody()
    {
        var sb = new StringBuilder("[");
        var value = new string('z', 50_000);
        for (var i = 0; i < 215; i++) // ≈ 10.75 MB of otherwise valid records
        {
            if (i > 0) sb.Append(',');
            sb.Append($$"""{"sym":"HUGE{{i}}","d":"2024-01-01","v":{{i}},"s":"{{value}}"}""");
        }
        return sb.Append(']').ToString();
    }

    [Fact]
    public async Task A_body_over_10_MB_is_413_with_a_content_length()
    {
        var body = TooBigBody();
        Assert.True(Encoding.UTF8.GetByteCount(body) > 10 * 1024 * 1024);
        (await _api.Send(HttpMethod.Post, Path("?wait=true"), Api.Content(body, "application/json"))).ExpectProblem(413, "body");
        Assert.Equal(0, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task A_body_over_10_MB_is_413_when_chunked()
    {
        var body = TooBigBody();
        (await _api.Send(HttpMethod.Post, Path("?wait=true"), Api.Content(body, "application/json"), chunked: true)).ExpectProblem(413, "body");
        Assert.Equal(0, await _api.RecordCount(_id));
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/csv")]
    public async Task An_unsupported_content_type_is_415(string contentType)
    {
        (await _api.Send(HttpMethod.Post, Path("?wait=true"), Api.Content("""{"sym":"A","d":"2024-01-01","v":1}""", contentType)))
            .ExpectProblem(415, "Content-Type");
        Assert.Equal(0, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task A_bad_dataset_name_in_the_path_is_400()
    {
        (await _api.Post($"/v1/record/{Ws}/_systemRecords?wait=true", """{"key":"A"}""")).ExpectProblem(400, "datasetId");
    }
}
