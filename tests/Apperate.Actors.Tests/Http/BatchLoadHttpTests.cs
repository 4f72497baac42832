using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using Apperate.Actors.Tests.Infrastructure;
using Apperate.Actors.Tests.Ingest;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// Batch loads (<c>POST /v1/data/:workspace/:id</c>), ingestion jobs (<c>/v1/jobs/:workspace/ingest…</c>) and job
/// log entries (<c>/v1/logs/:workspace</c>) against the real process.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed partial class BatchLoadHttpTests(SiloFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;

    private static readonly (string, string)[] Properties = [("sym", "string"), ("d", "string:date"), ("v", "number"), ("s", "string")];

    private async Task<string> NewDataset(string prefix)
    {
        var id = Api.UniqueId(prefix);
        await _api.CreateDataset(id, "sym", "d", null, Properties);
        return id;
    }

    private static string Row(string sym, string d, string v, string s) =>
        $$"""{"sym":"{{sym}}","d":"{{d}}","v":{{v}},"s":{{s}}}""";

    /// <summary>Asserts that <c>GET /v1/data/DEMO/…</c> answers exactly <paramref name="expectedJson"/> (JSON equality).</summary>
    private async Task AssertData(string expectedJson, string pathAndQuery, string because = "")
    {
        var actual = await _api.Data(pathAndQuery);
        var expected = JsonNode.Parse(expectedJson);
        if (!JsonNode.DeepEquals(expected, actual))
            throw new Xunit.Sdk.XunitException($"{because}GET /v1/data/{Ws}/{pathAndQuery}{Environment.NewLine}expected: {expected?.ToJsonString()}{Environment.NewLine}actual:   {actual.ToJsonString()}");
    }

    // ---- Loading helpers -----------------------------------------------------------------------------------

    private static ByteArrayContent Body(string text, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static int Bytes(string text) => Encoding.UTF8.GetByteCount(text);

    private Task<Reply> Load(string datasetId, HttpContent content, string query = "", Api? api = null) =>
        (api ?? _api).Send(HttpMethod.Post, $"/v1/data/{Ws}/{datasetId}{(query.Length > 0 ? "?" + query : "")}", content);

    private Task<Reply> Load(string datasetId, string body, string? contentType, string query = "") =>
        Load(datasetId, Body(body, contentType), query);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex("[0-9a-f]{32}")]
    private static partial Regex JobIdInText();

    /// <summary>Asserts the exact 200 answer of a finished synchronous load and returns its job id.</summary>
    private static string ExpectLoaded(Reply reply, string datasetId, long bytes, long received, long ingested, long invalid, long duplicates)
    {
        reply.Expect(200);
        var jobId = reply.Json["jobId"]?.GetValue<string>() ?? throw reply.Fail("The answer has no jobId.");
        if (!JobIdPattern().IsMatch(jobId)) throw reply.Fail($"The jobId '{jobId}' is not 32 lowercase hex digits.");
        reply.ExpectJson(200, new JsonObject
        {
            ["success"] = true,
            ["message"] = $"Data upload of {bytes}B for {datasetId} completed, jobId: {jobId} has been created",
            ["jobId"] = jobId,
            ["jobUrl"] = $"/v1/jobs/{Ws}/ingest/{jobId}",
            ["status"] = "ingested",
            ["received"] = received,
            ["ingested"] = ingested,
            ["invalid"] = invalid,
            ["duplicates"] = duplicates,
        }.ToJsonString());
        return jobId;
    }

    private async Task<JsonNode> Job(string jobId)
    {
        var reply = (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}")).Expect(200);
        return reply.Json;
    }

    private static long? Long(JsonNode? node) => node?.GetValue<long>();

    // ---- 1. Formats --------------------------------------------------------------------------------------------

    public static TheoryData<string, string, string?> Formats => new()
    {
        { "csv comma", "sym,d,v,s\nA,2024-01-01,1.5,x\nA,2024-01-02,2,y\nB,2024-01-01,-3,z\n", "text/csv" },
        { "csv comma crlf", "sym,d,v,s\r\nA,2024-01-01,1.5,x\r\nA,2024-01-02,2,y\r\nB,2024-01-01,-3,z\r\n", "text/csv; charset=utf-8" },
        { "csv tab", "sym\td\tv\ts\nA\t2024-01-01\t1.5\tx\nA\t2024-01-02\t2\ty\nB\t2024-01-01\t-3\tz\n", "text/csv" },
        { "csv pipe", "sym|d|v|s\nA|2024-01-01|1.5|x\nA|2024-01-02|2|y\nB|2024-01-01|-3|z\n", "text/csv" },
        { "json array", """[{"sym":"A","d":"2024-01-01","v":1.5,"s":"x"},{"sym":"A","d":"2024-01-02","v":2,"s":"y"},{"sym":"B","d":"2024-01-01","v":-3,"s":"z"}]""", "application/json" },
        { "ndjson", "{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1.5,\"s\":\"x\"}\n{\"sym\":\"A\",\"d\":\"2024-01-02\",\"v\":2,\"s\":\"y\"}\n{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":-3,\"s\":\"z\"}\n", "application/x-ndjson" },
        { "sniffed csv", "sym,d,v,s\nA,2024-01-01,1.5,x\nA,2024-01-02,2,y\nB,2024-01-01,-3,z\n", null },
        { "sniffed tab csv", "sym\td\tv\ts\nA\t2024-01-01\t1.5\tx\nA\t2024-01-02\t2\ty\nB\t2024-01-01\t-3\tz\n", null },
        { "sniffed json", "\n  [{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1.5,\"s\":\"x\"},\n{\"sym\":\"A\",\"d\":\"2024-01-02\",\"v\":2,\"s\":\"y\"},\n{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":-3,\"s\":\"z\"}]\n", null },
        { "sniffed ndjson", "{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1.5,\"s\":\"x\"}\n{\"sym\":\"A\",\"d\":\"2024-01-02\",\"v\":2,\"s\":\"y\"}\n{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":-3,\"s\":\"z\"}", null },
        { "text/plain sniffed ndjson", "{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1.5,\"s\":\"x\"}\n{\"sym\":\"A\",\"d\":\"2024-01-02\",\"v\":2,\"s\":\"y\"}\n{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":-3,\"s\":\"z\"}\n", "text/plain" },
        { "octet-stream sniffed pipe csv", "sym|d|v|s\nA|2024-01-01|1.5|x\nA|2024-01-02|2|y\nB|2024-01-01|-3|z", "application/octet-stream" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task BatchLoad_each_format_stores_exact_values_and_counts(string name, string body, string? contentType)
    {
        var id = await NewDataset("bl_fmt");
        var reply = await Load(id, body, contentType);
        var jobId = ExpectLoaded(reply, id, Bytes(body), received: 3, ingested: 3, invalid: 0, duplicates: 0);

        await AssertData($"[{Row("A", "2024-01-02", "2", "\"y\"")},{Row("A", "2024-01-01", "1.5", "\"x\"")}]", $"{id}/A?last=10", $"{name}: ");
        await AssertData($"[{Row("B", "2024-01-01", "-3", "\"z\"")}]", $"{id}/B?last=10", $"{name}: ");
        Assert.Equal(3, await _api.RecordCount(id));

        var job = await Job(jobId);
        Assert.Equal("ingested", job["status"]!.GetValue<string>());
        Assert.Equal(id, job["datasetId"]!.GetValue<string>());
        Assert.Equal((3L, 3L, 0L, 0L, 100L), (Long(job["received"]), Long(job["ingested"]), Long(job["invalid"]), Long(job["duplicates"]), Long(job["progress"])));
        Assert.Equal(Bytes(body), Long(job["bytes"]));
    }

    [Fact]
    public async Task BatchLoad_creates_the_dataset_on_demand_from_the_first_rows()
    {
        var id = Api.UniqueId("bl_demand");
        const string body = "symbol,date,price,note\nAAPL,2024-01-02,187.5,up\nAAPL,2024-01-03,184.25,down\nMSFT,2024-01-02,370,\n";
        var reply = await Load(id, body, "text/csv");
        ExpectLoaded(reply, id, Bytes(body), received: 3, ingested: 3, invalid: 0, duplicates: 0);

        var definition = (await _api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200).Json;
        Assert.Equal(3, definition["records"]!.GetValue<long>());
        await AssertData("""[{"symbol":"AAPL","date":"2024-01-03","price":184.25,"note":"down"},{"symbol":"AAPL","date":"2024-01-02","price":187.5,"note":"up"}]""",
            $"{id}/AAPL?last=10");
        await AssertData("""[{"symbol":"MSFT","date":"2024-01-02","price":370,"note":""}]""", $"{id}/MSFT?last=10");
    }

    // ---- 2. Quoted CSV ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("symbol, date, price\nAAPL, 2024-01-02, 187.5\nMSFT, 2024-01-02,\n", """{"symbol":"string","date":"date","price":"number"}""")]
    [InlineData("\r\nsymbol\tnote\tprice\r\nAAPL\t5\" tall\t1\r\nMSFT\tx\t2", """{"symbol":"string","note":"string","price":"integer"}""")]
    public async Task BatchLoad_on_demand_infers_a_schema_that_accepts_the_rows_it_was_inferred_from(string body, string types)
    {
        var id = Api.UniqueId("bl_demand2");
        ExpectLoaded(await Load(id, body, "text/csv"), id, Bytes(body), received: 2, ingested: 2, invalid: 0, duplicates: 0);
        var schema = (await _api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200).Json["schema"]!["properties"]!.AsObject();
        var expected = JsonNode.Parse(types)!.AsObject();
        Assert.Equal(expected.Select(p => $"{p.Key}:{p.Value}"),
            schema.Select(p => $"{p.Key}:{(p.Value!["format"] ?? p.Value!["type"])!.GetValue<string>()}"));
    }

    [Fact]
    public async Task BatchLoad_quoted_csv_keeps_delimiters_quotes_newlines_and_empty_strings()
    {
        var id = await NewDataset("bl_quote");
        const string body =
            "sym,d,v,s\n" +
            "\"Q,1\",2024-01-01,1.5,\"say \"\"hi\"\", ok\"\n" +
            "Q2,2024-01-02,,\"\"\n" +
            "Q3,2024-01-03,3,\"line1\nline2\r\nline3\"\n" +
            "Q4,2024-01-04,  4 ,\n" +
            "\"Q5\",\"2024-01-05\",\"5\",\"a|b\tc\"\n";
        ExpectLoaded(await Load(id, body, "text/csv"), id, Bytes(body), received: 5, ingested: 5, invalid: 0, duplicates: 0);

        await AssertData($"[{Row("Q,1", "2024-01-01", "1.5", "\"say \\\"hi\\\", ok\"")}]", $"{id}/Q,1?last=10&batchSeparator=~");
        await AssertData($"[{Row("Q2", "2024-01-02", "null", "\"\"")}]", $"{id}/Q2?last=10");
        await AssertData($"[{Row("Q3", "2024-01-03", "3", "\"line1\\nline2\\r\\nline3\"")}]", $"{id}/Q3?last=10");
        await AssertData($"[{Row("Q4", "2024-01-04", "4", "\"\"")}]", $"{id}/Q4?last=10");
        await AssertData($"[{Row("Q5", "2024-01-05", "5", "\"a|b\\tc\"")}]", $"{id}/Q5?last=10");
    }

    // ---- 3. Invalid records -------------------------------------------------------------------------------------

    [Fact]
    public async Task BatchLoad_bad_csv_rows_are_listed_with_line_field_reason_and_raw_text()
    {
        var id = await NewDataset("bl_bad");
        const string body =
            "sym,d,v,s\n" +                          // 1
            "A,2024-01-01,1,\"multi\nline\"\n" +      // 2-3 valid
            "B,2024-01-02,notanumber,x\n" +           // 4 v
            "C,not-a-date,3,y\n" +                    // 5 d
            "D,2024-01-04,4\n" +                      // 6 field count
            "G,,5,z\n" +                              // 7 empty date (an index column)
            "F,2024-01-07,bad,\"two\nlines\"\n" +     // 8-9 v
            "\n" +                                    // 10 blank: no record
            "E,2024-01-06,6,ok\n";                    // 11 valid
        var jobId = ExpectLoaded(await Load(id, body, "text/csv"), id, Bytes(body), received: 7, ingested: 2, invalid: 5, duplicates: 0);

        Assert.Equal(2, await _api.RecordCount(id));
        await AssertData($"[{Row("A", "2024-01-01", "1", "\"multi\\nline\"")}]", $"{id}/A?last=10");
        await AssertData($"[{Row("E", "2024-01-06", "6", "\"ok\"")}]", $"{id}/E?last=10");

        var expected = new JsonArray(
            Invalid(4, "v", "expected a finite number, got \"notanumber\"", "B,2024-01-02,notanumber,x"),
            Invalid(5, "d", "expected a date as YYYY-MM-DD, got \"not-a-date\"", "C,not-a-date,3,y"),
            Invalid(6, null, "expected 4 fields, found 3", "D,2024-01-04,4"),
            Invalid(7, "d", "must not be empty", "G,,5,z"),
            Invalid(8, "v", "expected a finite number, got \"bad\"", "F,2024-01-07,bad,\"two\nlines\""));
        (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid")).ExpectJson(200, expected.ToJsonString());
        (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid?offset=1&limit=2")).ExpectJson(200,
            new JsonArray(expected[1]!.DeepClone(), expected[2]!.DeepClone()).ToJsonString());

        var csv = (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid?format=csv")).Expect(200);
        Assert.Equal("B,2024-01-02,notanumber,x\nC,not-a-date,3,y\nD,2024-01-04,4\nG,,5,z\nF,2024-01-07,bad,\"two\nlines\"\n", csv.Body);
    }

    private static JsonObject Invalid(long line, string? field, string reason, string raw) =>
        new() { ["line"] = line, ["field"] = field, ["reason"] = reason, ["raw"] = raw };

    [Fact]
    public async Task BatchLoad_bad_ndjson_lines_are_listed_with_their_line_numbers()
    {
        var id = await NewDataset("bl_badnd");
        const string body =
            "{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1,\"s\":\"a\"}\n" + // 1
            "\n" +                                                      // 2 blank
            "{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":\"x\"}\n" +      // 3 v
            "{\"sym\":\"C\",\"d\":\"2024-01-01\"\n" +                  // 4 malformed
            "{\"sym\":\"D\",\"d\":\"2024-01-01\",\"v\":4,\"s\":\"d\"}\n"; // 5
        var jobId = ExpectLoaded(await Load(id, body, "application/x-ndjson"), id, Bytes(body), received: 4, ingested: 2, invalid: 2, duplicates: 0);
        Assert.Equal(2, await _api.RecordCount(id));

        var invalid = (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid")).Expect(200).Json.AsArray();
        Assert.Equal(2, invalid.Count);
        Assert.Equal((3L, "v", "{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":\"x\"}"),
            (Long(invalid[0]!["line"]), invalid[0]!["field"]?.GetValue<string>(), invalid[0]!["raw"]!.GetValue<string>()));
        Assert.Equal((4L, "{\"sym\":\"C\",\"d\":\"2024-01-01\""), (Long(invalid[1]!["line"]), invalid[1]!["raw"]!.GetValue<string>()));
        Assert.StartsWith("malformed JSON", invalid[1]!["reason"]!.GetValue<string>());
        Assert.Equal("{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":\"x\"}\n{\"sym\":\"C\",\"d\":\"2024-01-01\"\n",
            (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid?format=csv")).Expect(200).Body);
    }

    [Fact]
    public async Task BatchLoad_bad_json_array_elements_are_listed_with_the_line_they_start_on()
    {
        var id = await NewDataset("bl_badjs");
        const string body =
            "[\n" +                                                        // 1
            " {\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1,\"s\":\"a\"},\n" + // 2
            " {\"sym\":\"B\",\n" +                                     // 3
            "  \"d\":\"2024-01-01\",\"v\":\"x\"},\n" +               // 4
            " {\"sym\":\"C\",\"d\":\"nope\",\"v\":3},\n" +           // 5
            " 42,\n" +                                                    // 6
            " {\"sym\":\"D\",\"d\":\"2024-01-02\",\"v\":4,\"s\":\"d\"}\n" + // 7
            "]\n";
        var jobId = ExpectLoaded(await Load(id, body, "application/json"), id, Bytes(body), received: 5, ingested: 2, invalid: 3, duplicates: 0);
        await AssertData($"[{Row("D", "2024-01-02", "4", "\"d\"")}]", $"{id}/D?last=10");

        var invalid = (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid")).Expect(200).Json.AsArray();
        Assert.Equal(new (long?, string?, string)[]
        {
            (3, "v", "{\"sym\":\"B\",\n  \"d\":\"2024-01-01\",\"v\":\"x\"}"),
            (5, "d", "{\"sym\":\"C\",\"d\":\"nope\",\"v\":3}"),
            (6, null, "42"),
        }, invalid.Select(i => (Long(i!["line"]), i["field"]?.GetValue<string>(), i["raw"]!.GetValue<string>())).ToArray());
        Assert.All(invalid, i => Assert.False(string.IsNullOrWhiteSpace(i!["reason"]!.GetValue<string>())));
    }

    // ---- 4. maximumValidationErrors -----------------------------------------------------------------------------

    [Fact]
    public async Task BatchLoad_past_maximumValidationErrors_fails_before_anything_is_committed()
    {
        var id = await NewDataset("bl_max");
        await _api.WriteNow(id, Row("PRE", "2023-12-31", "0", "\"pre\""));
        const string body = "sym,d,v,s\nA,2024-01-01,1,a\nB,2024-01-01,oops,b\nC,2024-01-01,3,c\nD,bad-date,4,d\nE,2024-01-01,5,e\n";

        var failed = await Load(id, body, "text/csv", "maximumValidationErrors=1");
        failed.ExpectProblem(400, "maximumValidationErrors=1");
        var detail = failed.Json["detail"]!.GetValue<string>();
        var match = JobIdInText().Match(detail);
        Assert.True(match.Success, $"The problem names no job: {detail}");
        var failedJobId = match.Value;
        Assert.Contains($"/v1/jobs/{Ws}/ingest/{failedJobId}", detail);

        Assert.Equal(1, await _api.RecordCount(id));
        await AssertData("[]", $"{id}/A?last=10");
        var job = await Job(failedJobId);
        Assert.Equal("failed", job["status"]!.GetValue<string>());
        Assert.Equal(0, Long(job["ingested"]));
        Assert.Equal(2, Long(job["invalid"]));
        Assert.NotNull(job["finished"]);
        Assert.Contains("maximumValidationErrors=1", job["error"]?.GetValue<string>() ?? "(null)");
        var invalid = (await _api.Get($"/v1/jobs/{Ws}/ingest/{failedJobId}/invalid")).Expect(200).Json.AsArray();
        Assert.Equal([3L, 5L], invalid.Select(i => i!["line"]!.GetValue<long>()).ToArray());

        // The same in the background: 202, then the job fails and commits nothing.
        var background = (await Load(id, body, "text/csv", "maximumValidationErrors=1&wait=false")).Expect(202);
        var backgroundJobId = background.Json["jobId"]!.GetValue<string>();
        JsonNode? backgroundJob = null;
        await Eventually.Until(async () => (backgroundJob = await Job(backgroundJobId))["status"]!.GetValue<string>() is "ingested" or "failed" or "canceled",
            JobTimeout, $"the background job {backgroundJobId} past maximumValidationErrors to finish");
        Assert.Equal("failed", backgroundJob!["status"]!.GetValue<string>());
        Assert.Contains("maximumValidationErrors=1", backgroundJob["error"]?.GetValue<string>() ?? "(null)");
        Assert.Equal(0, Long(backgroundJob["ingested"]));
        Assert.Equal(1, await _api.RecordCount(id));

        var ok = await Load(id, body, "text/csv", "maximumValidationErrors=2");
        ExpectLoaded(ok, id, Bytes(body), received: 5, ingested: 3, invalid: 2, duplicates: 0);
        Assert.Equal(4, await _api.RecordCount(id));
    }

    private static readonly (string, string)[] QuotesProperties =
    [
        ("symbol", "string"), ("date", "string:date"), ("price", "number"), ("volume", "integer"), ("active", "boolean"),
        ("meta", "object"), ("tags", "array"), ("misc", "any"), ("ts", "string:date-time"), ("note", "string"),
    ];

    /// <summary>The validator of a dataset as the service describes it.</summary>
    private async Task<RecordValidator> DatasetValidator(string datasetId)
    {
        var dataset = (await _api.Get($"/v1/datasets/{Ws}/{datasetId}")).Expect(200).Json;
        using var schema = JsonDocument.Parse(dataset["schema"]!.ToJsonString());
        using var mapping = JsonDocument.Parse(dataset["columnMapping"]!.ToJsonString());
        var (s, m) = SchemaJson.Parse(schema.RootElement, mapping.RootElement);
        return RecordValidator.For(s, m);
    }

    [Theory]
    [InlineData(IngestFormat.Csv, "text/csv")]
    [InlineData(IngestFormat.Ndjson, "application/x-ndjson")]
    [InlineData(IngestFormat.Json, "application/json")]
    public async Task BatchLoad_the_validating_pass_lists_exactly_what_the_row_building_reader_rejects(IngestFormat format, string contentType)
    {
        var id = Api.UniqueId("bl_same");
        await _api.CreateDataset(id, "symbol", "date", null, QuotesProperties);
        var body = Support.ManyKindsOfInvalid(format, RecordLimits.Default);
        // The reference: the reader that builds rows (the processing pass), over the same body and schema.
        var reference = await Support.ReadRows(body, format, await DatasetValidator(id), RecordLimits.Default);
        var received = reference.Batches[^1].Records;
        Assert.True(reference.Invalid.Count >= 20, $"{reference.Invalid.Count} invalid records");
        var expected = new JsonArray(reference.Invalid.Select(i => (JsonNode)Invalid(i.Line, i.Field, i.Reason, i.Raw)).ToArray()).ToJsonString();
        ByteArrayContent Content() => new(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } };

        // One error too many: the validating pass fails the job, commits nothing and lists every rejection it found.
        var tooMany = reference.Invalid.Count - 1;
        var failed = await Load(id, Content(), $"maximumValidationErrors={tooMany}");
        failed.ExpectProblem(400, $"maximumValidationErrors={tooMany}");
        var failedJobId = JobIdInText().Match(failed.Json["detail"]!.GetValue<string>()).Value;
        var job = await Job(failedJobId);
        Assert.Equal(("failed", 0L, (long)reference.Invalid.Count), (job["status"]!.GetValue<string>(), Long(job["ingested"]), Long(job["invalid"])));
        (await _api.Get($"/v1/jobs/{Ws}/ingest/{failedJobId}/invalid")).ExpectJson(200, expected);
        Assert.Equal(0, await _api.RecordCount(id));

        // Within the limit: the same list, and exactly the valid records are stored.
        var jobId = ExpectLoaded(await Load(id, Content(), $"maximumValidationErrors={reference.Invalid.Count}"), id, body.Length,
            received, ingested: reference.Valid.Count, invalid: reference.Invalid.Count, duplicates: 0);
        (await _api.Get($"/v1/jobs/{Ws}/ingest/{jobId}/invalid")).ExpectJson(200, expected);
        Assert.Equal(reference.Valid.Count, await _api.RecordCount(id));
        Assert.Equal(received, reference.Valid.Count + reference.Invalid.Count);
    }

    // ---- 5. Duplicates ------------------------------------------------------------------------------------------

    private const string DuplicatesBody = "sym,d,v,s\nK,2024-03-01,1,first\nJ,2024-03-01,7,j\nK,2024-03-01,2,second\nK,2024-03-02,3,other-day\nK,2024-03-01,4,third\n";

    [Fact]
    public async Task BatchLoad_replace_keeps_the_last_duplicate_in_file_order()
    {
        var id = await NewDataset("bl_rep");
        // With replace every record is applied in file order: the third K/2024-03-01 overwrites the first two.
        ExpectLoaded(await Load(id, DuplicatesBody, "text/csv", "duplicateKeyHandling=replace"), id, Bytes(DuplicatesBody),
            received: 5, ingested: 5, invalid: 0, duplicates: 2);
        await AssertData($"[{Row("K", "2024-03-02", "3", "\"other-day\"")},{Row("K", "2024-03-01", "4", "\"third\"")}]", $"{id}/K?last=10");
        Assert.Equal(3, await _api.RecordCount(id));
    }

    [Fact]
    public async Task BatchLoad_ignore_keeps_the_first_duplicate_and_the_stored_record()
    {
        var id = await NewDataset("bl_ign");
        ExpectLoaded(await Load(id, DuplicatesBody, "text/csv"), id, Bytes(DuplicatesBody),
            received: 5, ingested: 3, invalid: 0, duplicates: 2);
        await AssertData($"[{Row("K", "2024-03-02", "3", "\"other-day\"")},{Row("K", "2024-03-01", "1", "\"first\"")}]", $"{id}/K?last=10");
        Assert.Equal(3, await _api.RecordCount(id));

        // A second load: everything already stored is kept (explicit ignore), only the new record is added.
        const string again = "sym,d,v,s\nK,2024-03-01,9,later\nJ,2024-03-01,9,later\nN,2024-03-01,10,new\n";
        ExpectLoaded(await Load(id, again, "text/csv", "duplicateKeyHandling=ignore"), id, Bytes(again), received: 3, ingested: 1, invalid: 0, duplicates: 2);
        await AssertData($"[{Row("K", "2024-03-02", "3", "\"other-day\"")},{Row("K", "2024-03-01", "1", "\"first\"")}]", $"{id}/K?last=10");
        await AssertData($"[{Row("J", "2024-03-01", "7", "\"j\"")}]", $"{id}/J?last=10");
        Assert.Equal(4, await _api.RecordCount(id));
    }

    // ---- 6. wait=false, job state and logs ----------------------------------------------------------------------

    [Fact]
    public async Task BatchLoad_wait_false_answers_202_and_the_job_reaches_ingested_with_log_milestones()
    {
        var id = await NewDataset("bl_async");
        const string body = "[{\"sym\":\"A\",\"d\":\"2024-01-01\",\"v\":1,\"s\":\"a\"},{\"sym\":\"A\",\"d\":\"2024-01-02\",\"v\":2,\"s\":\"b\"},{\"sym\":\"B\",\"d\":\"2024-01-01\",\"v\":3,\"s\":\"c\"}]";
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var reply = (await Load(id, body, "application/json", "wait=false")).Expect(202);
        var json = reply.Json;
        var jobId = json["jobId"]!.GetValue<string>();
        Assert.Matches(JobIdPattern(), jobId);
        Assert.True(json["success"]!.GetValue<bool>());
        Assert.Equal($"/v1/jobs/{Ws}/ingest/{jobId}", json["jobUrl"]!.GetValue<string>());
        Assert.Contains(jobId, json["message"]!.GetValue<string>());
        Assert.Contains(json["status"]!.GetValue<string>(), new[] { "created", "validating", "processing", "ingested" });

        JsonNode? job = null;
        await Eventually.Until(async () => (job = await Job(jobId))["status"]!.GetValue<string>() is "ingested" or "failed" or "canceled",
            JobTimeout, $"job {jobId} (wait=false load into {id}) to finish");
        Assert.Equal("ingested", job!["status"]!.GetValue<string>());
        Assert.Equal(id, job["datasetId"]!.GetValue<string>());
        Assert.Equal((3L, 3L, 0L, 0L, 100L), (Long(job["received"]), Long(job["ingested"]), Long(job["invalid"]), Long(job["duplicates"]), Long(job["progress"])));
        Assert.Equal(Bytes(body), Long(job["bytes"]));
        Assert.Null(job["error"]);
        var created = Long(job["created"])!.Value;
        var started = Long(job["started"]) ?? throw new Xunit.Sdk.XunitException($"started is not set: {job.ToJsonString()}");
        var finished = Long(job["finished"]) ?? throw new Xunit.Sdk.XunitException($"finished is not set: {job.ToJsonString()}");
        Assert.InRange(created, before - 5_000, finished);
        Assert.InRange(started, created, finished);
        Assert.Equal(3, await _api.RecordCount(id));
        await AssertData($"[{Row("B", "2024-01-01", "3", "\"c\"")}]", $"{id}/B?last=10");

        var list = (await _api.Get($"/v1/jobs/{Ws}/ingest")).Expect(200).Json.AsArray();
        var listed = Assert.Single(list, j => j!["jobId"]!.GetValue<string>() == jobId);
        Assert.Equal("ingested", listed!["status"]!.GetValue<string>());

        var logs = (await _api.Get($"/v1/logs/{Ws}?period=1h")).Expect(200).Json.AsArray();
        var mine = logs.Where(e => e!["sourceId"]?.GetValue<string>() == jobId).ToArray();
        Assert.All(mine, e => Assert.Equal("job", e!["source"]!.GetValue<string>()));
        var messages = mine.Select(e => e!["message"]!.GetValue<string>()).ToArray();
        Assert.Equal(new[]
        {
            $"Ingestion job {jobId} created for dataset {id}",
            $"Ingestion job {jobId} processing",
            $"Ingestion job {jobId} ingested 3 records into {id} (3 received, 0 invalid, 0 duplicates)",
        }, messages);
        var times = mine.Select(e => e!["timestamp"]!.GetValue<long>()).ToArray();
        Assert.Equal(times.Order().ToArray(), times);
        Assert.InRange(times[0], created - 1_000, finished + 1_000);
        var all = logs.Select(e => e!["timestamp"]!.GetValue<long>()).ToArray();
        Assert.Equal(all.Order().ToArray(), all);
    }

    // ---- 7. Cancel ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task BatchLoad_a_running_job_can_be_canceled()
    {
        var id = await NewDataset("bl_cancel");
        const int rows = 1_500_000;
        var content = new GeneratedCsv(rows, i => $"C{i % 1000:D3},{GeneratedCsv.Date(i / 1000)},{i},s{i}\n", "sym,d,v,s\n", "text/csv");
        var reply = (await Load(id, content, "wait=false")).Expect(202);
        var jobId = reply.Json["jobId"]!.GetValue<string>();
        (await _api.Delete($"/v1/jobs/{Ws}/ingest/{jobId}")).Expect(200);

        JsonNode? job = null;
        await Eventually.Until(async () => (job = await Job(jobId))["status"]!.GetValue<string>() is "ingested" or "failed" or "canceled",
            JobTimeout, $"the canceled job {jobId} of {id} to stop");
        Assert.True(job!["status"]!.GetValue<string>() == "canceled", $"job status: {job.ToJsonString()}");
        Assert.NotNull(Long(job["finished"]));
        Assert.Null(job["error"]);
        var ingested = Long(job["ingested"])!.Value;
        output.WriteLine($"canceled job {jobId}: received {Long(job["received"])}, ingested {ingested} of {rows} rows ({content.Length:N0} B)");
        Assert.InRange(ingested, 0, rows - 1);
        Assert.Equal(ingested, await _api.RecordCount(id));

        // Canceling a finished job changes nothing.
        var again = (await _api.Delete($"/v1/jobs/{Ws}/ingest/{jobId}")).Expect(200).Json;
        Assert.Equal("canceled", again["status"]!.GetValue<string>());
        Assert.Equal(ingested, Long(again["ingested"]));

        var logs = (await _api.Get($"/v1/logs/{Ws}?period=1h")).Expect(200).Json.AsArray();
        Assert.Contains(logs, e => e!["sourceId"]?.GetValue<string>() == jobId && e["level"]!.GetValue<string>() == "warning"
            && e["message"]!.GetValue<string>() == $"Ingestion job {jobId} canceled after {ingested} records were ingested");
    }

    [Fact]
    public async Task BatchLoad_a_job_canceled_while_committing_keeps_exactly_what_it_reports_as_ingested()
    {
        var id = await NewDataset("bl_cancel2");
        const int rows = 1_500_000;
        var content = new GeneratedCsv(rows, i => $"P{i % 1000:D3},{GeneratedCsv.Date(i / 1000)},{i},p\n", "sym,d,v,s\n", "text/csv");
        var jobId = (await Load(id, content, "wait=false")).Expect(202).Json["jobId"]!.GetValue<string>();

        await Eventually.Until(async () => (await Job(jobId))["status"]!.GetValue<string>() switch
        {
            "processing" => true,
            "created" or "validating" => false,
            var other => throw new Xunit.Sdk.XunitException($"job {jobId} reached '{other}' before it could be canceled while processing"),
        }, JobTimeout, $"job {jobId} of {id} to start committing (processing)");
        (await _api.Delete($"/v1/jobs/{Ws}/ingest/{jobId}")).Expect(200);

        JsonNode? job = null;
        await Eventually.Until(async () => (job = await Job(jobId))["status"]!.GetValue<string>() is "ingested" or "failed" or "canceled",
            JobTimeout, $"the job {jobId} of {id}, canceled while processing, to stop");
        output.WriteLine($"canceled while processing: {job!.ToJsonString()}");
        Assert.Equal("canceled", job["status"]!.GetValue<string>());
        Assert.Equal(rows, Long(job["received"]));
        var ingested = Long(job["ingested"])!.Value;
        Assert.InRange(ingested, 0, rows - 1);
        Assert.InRange(Long(job["progress"])!.Value, 0, 99);
        Assert.NotNull(Long(job["started"]));
        Assert.NotNull(Long(job["finished"]));
        Assert.Equal(ingested, await _api.RecordCount(id));
    }

    // ---- 9. Real-time writes during a load ----------------------------------------------------------------------

    [Fact]
    public async Task BatchLoad_concurrent_real_time_writes_during_a_load_are_all_stored()
    {
        var id = await NewDataset("bl_conc");
        const int rows = 200_000;
        const int writes = 200;
        var content = new GeneratedCsv(rows, i => $"L{i:D6},2024-01-01,{i},l{i}\n", "sym,d,v,s\n", "text/csv");
        var load = Load(id, content);

        // Start the real-time writes once the load's job exists, so they overlap it.
        await Eventually.Until(async () =>
        {
            if (load.IsCompleted) return true;
            var list = (await _api.Get($"/v1/jobs/{Ws}/ingest")).Expect(200).Json.AsArray();
            return list.Any(j => j!["datasetId"]!.GetValue<string>() == id);
        }, JobTimeout, $"the load into {id} to appear in the job list");

        var loadDoneBeforeWrites = load.IsCompleted;
        using var gate = new SemaphoreSlim(16);
        var writers = Enumerable.Range(0, writes).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await _api.Post($"/v1/record/{Ws}/{id}?wait=true", Row($"RT{i:D3}", "2024-02-01", i.ToString(CultureInfo.InvariantCulture), $"\"rt{i}\""));
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();
        var replies = await Task.WhenAll(writers);
        output.WriteLine($"load finished before the writes started: {loadDoneBeforeWrites}; after they all answered: {load.IsCompleted}");
        foreach (var r in replies) r.ExpectJson(200, """{"success":true,"message":"wrote 1 messages"}""");

        var loaded = await load;
        ExpectLoaded(loaded, id, content.Length, received: rows, ingested: rows, invalid: 0, duplicates: 0);

        Assert.Equal(rows + writes, await _api.RecordCount(id));
        foreach (var i in new[] { 0, 1, 99_999, 123_456, rows - 1 })
            await AssertData($"[{Row($"L{i:D6}", "2024-01-01", i.ToString(CultureInfo.InvariantCulture), $"\"l{i}\"")}]", $"{id}/L{i:D6}?last=10");
        foreach (var i in new[] { 0, 57, 128, writes - 1 })
            await AssertData($"[{Row($"RT{i:D3}", "2024-02-01", i.ToString(CultureInfo.InvariantCulture), $"\"rt{i}\"")}]", $"{id}/RT{i:D3}?last=10");
    }

    // ---- 10. Bad input ------------------------------------------------------------------------------------------

    [Fact]
    public async Task BatchLoad_unsupported_content_type_is_415()
    {
        var id = await NewDataset("bl_415");
        (await Load(id, "<rows/>", "application/xml")).ExpectProblem(415, "Content-Type");
        (await Load(id, "sym,d,v,s\nA,2024-01-01,1,a\n", "text/csv; charset=latin1")).ExpectProblem(415);
        Assert.Equal(0, await _api.RecordCount(id));
    }

    [Fact]
    public async Task BatchLoad_unknown_dataset_without_createDatasetOnDemand_is_404()
    {
        var id = Api.UniqueId("bl_none");
        (await Load(id, "sym,d,v,s\nA,2024-01-01,1,a\n", "text/csv", "createDatasetOnDemand=false")).ExpectProblem(404, id);
        (await _api.Get($"/v1/datasets/{Ws}/{id}")).ExpectProblem(404);
    }

    [Fact]
    public async Task BatchLoad_a_json_body_that_is_not_an_array_is_400_naming_body()
    {
        var id = await NewDataset("bl_notarr");
        (await Load(id, """{"sym":"A","d":"2024-01-01","v":1,"s":"a"}""", "application/json")).ExpectProblem(400, "body");
        (await Load(id, """[{"sym":"A","d":"2024-01-01","v":1,"s":"a"} {"sym":"B"}]""", "application/json")).ExpectProblem(400, "body");
        Assert.Equal(0, await _api.RecordCount(id));
    }

    [Fact]
    public async Task BatchLoad_a_body_unusable_as_a_whole_fails_the_job_naming_what_is_wrong()
    {
        var id = await NewDataset("bl_whole");
        // A CSV header without the date (index) column: every row would fail, so the job fails.
        var reply = await Load(id, "sym,v,s\nA,1,a\n", "text/csv");
        reply.ExpectProblem(400, "header", "the required column 'd' is missing");
        var jobId = JobIdInText().Match(reply.Json["detail"]!.GetValue<string>()).Value;
        var job = await Job(jobId);
        Assert.Equal("failed", job["status"]!.GetValue<string>());
        Assert.Contains("the required column 'd' is missing", job["error"]!.GetValue<string>());
        Assert.Equal(0, await _api.RecordCount(id));

        // With createDatasetOnDemand: an empty body creates nothing.
        var fresh = Api.UniqueId("bl_whole_new");
        (await Load(fresh, "", "text/csv")).ExpectProblem(400, "body");
        (await _api.Get($"/v1/datasets/{Ws}/{fresh}")).ExpectProblem(404);
    }

    [Theory]
    [InlineData("""{"sym":"A","d":"2024-01-01","v":1}""", "application/json", true)]
    [InlineData("""  "just a string" """, "application/json", true)]
    [InlineData("""[{"sym":"A","d":"2024-01-01","v":1} {"sym":"B","d":"2024-01-01","v":2}]""", "application/json", false)]
    [InlineData("""[{"sym":"A","d":"2024-01-01","v":1},{"sym":"B","d":""", "application/json", false)]
    public async Task BatchLoad_on_demand_a_json_body_that_is_not_an_array_of_records_is_400_naming_body(string body, string? contentType, bool noSchemaPossible)
    {
        var fresh = Api.UniqueId("bl_demand_bad");
        (await Load(fresh, body, contentType)).ExpectProblem(400, "body");
        // Without a single record there is nothing to infer a schema from, so no dataset may be created. (When the
        // first records are fine and the body breaks later, the dataset is created before the job fails.)
        if (noSchemaPossible) (await _api.Get($"/v1/datasets/{Ws}/{fresh}")).ExpectProblem(404);
        else if ((await _api.Get($"/v1/datasets/{Ws}/{fresh}")) is { Status: 200 } created) Assert.Equal(0, created.Json["records"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("maximumValidationErrors=abc", "maximumValidationErrors")]
    [InlineData("maximumValidationErrors=-1", "maximumValidationErrors")]
    [InlineData("duplicateKeyHandling=sometimes", "duplicateKeyHandling")]
    public async Task BatchLoad_bad_parameters_are_400_naming_them(string query, string field)
    {
        var id = await NewDataset("bl_param");
        (await Load(id, "sym,d,v,s\nA,2024-01-01,1,a\n", "text/csv", query)).ExpectProblem(400, field);
        Assert.Equal(0, await _api.RecordCount(id));
    }

    [Theory]
    [InlineData("period=soon")]
    [InlineData("period=0h")]
    [InlineData("period=1h&limit=0")]
    public async Task BatchLoad_logs_with_a_bad_period_or_limit_are_400(string query) =>
        (await _api.Get($"/v1/logs/{Ws}?{query}")).ExpectProblem(400, query.Contains("limit") ? "limit" : "period");

    [Fact]
    public async Task BatchLoad_unknown_job_is_404()
    {
        var unknown = Guid.NewGuid().ToString("N");
        (await _api.Get($"/v1/jobs/{Ws}/ingest/{unknown}")).ExpectProblem(404, unknown);
        (await _api.Get($"/v1/jobs/{Ws}/ingest/{unknown}/invalid")).ExpectProblem(404, unknown);
        (await _api.Delete($"/v1/jobs/{Ws}/ingest/{unknown}")).ExpectProblem(404, unknown);
        (await _api.Get($"/v1/jobs/{Ws}/ingest/not-a-job")).ExpectProblem(404);
    }

    [Fact]
    public async Task BatchLoad_with_a_publishable_token_without_write_is_403()
    {
        var id = await NewDataset("bl_403");
        var token = (await _api.Post($"/v1/tokens/{Ws}", new JsonObject
        {
            ["type"] = "publishable",
            ["permissions"] = new JsonObject { [id] = new JsonArray("read") },
        }.ToJsonString())).Expect(201).Json["token"]!.GetValue<string>();
        var reader = _api.As(token);
        (await Load(id, Body("sym,d,v,s\nA,2024-01-01,1,a\n", "text/csv"), api: reader)).ExpectProblem(403);
        (await _api.As(null).Send(HttpMethod.Post, $"/v1/data/{Ws}/{id}", Body("sym,d,v,s\nA,2024-01-01,1,a\n", "text/csv"))).ExpectProblem(401);
        Assert.Equal(0, await _api.RecordCount(id));

        // Nor may it read the workspace's jobs.
        var jobId = ExpectLoaded(await Load(id, "sym,d,v,s\nA,2024-01-01,1,a\n", "text/csv"), id, Bytes("sym,d,v,s\nA,2024-01-01,1,a\n"), 1, 1, 0, 0);
        (await reader.Get($"/v1/jobs/{Ws}/ingest/{jobId}")).ExpectProblem(403);
        (await reader.Delete($"/v1/jobs/{Ws}/ingest/{jobId}")).ExpectProblem(403);
        (await reader.Get($"/v1/jobs/{Ws}/ingest")).ExpectProblem(403);
    }
}

/// <summary>
/// A CSV (or any line-based) body generated row by row while it is sent, never held whole in memory; its length is
/// computed up front so it is sent with a Content-Length.
/// </summary>
internal sealed class GeneratedCsv : HttpContent
{
    private const int ChunkChars = 60_000;
    private readonly int _rows;
    private readonly Func<int, string> _row;
    private readonly string _header;

    public GeneratedCsv(int rows, Func<int, string> row, string header, string? contentType)
    {
        _rows = rows;
        _row = row;
        _header = header;
        if (contentType is not null) Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        long length = Encoding.UTF8.GetByteCount(header);
        for (var i = 0; i < rows; i++) length += Encoding.UTF8.GetByteCount(row(i));
        Length = length;
    }

    /// <summary>The body length in bytes.</summary>
    public long Length { get; }

    private static readonly DateOnly Epoch = new(2000, 1, 1);

    /// <summary><c>YYYY-MM-DD</c>, <paramref name="days"/> after 2000-01-01.</summary>
    public static string Date(int days) => Epoch.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var text = new StringBuilder(ChunkChars + 1024);
        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(ChunkChars + 1024)];
        text.Append(_header);
        for (var i = 0; i < _rows; i++)
        {
            text.Append(_row(i));
            if (text.Length >= ChunkChars) await Flush();
        }
        await Flush();

        async Task Flush()
        {
            if (text.Length == 0) return;
            var n = Encoding.UTF8.GetBytes(text.ToString(), 0, text.Length, bytes, 0);
            text.Clear();
            await stream.WriteAsync(bytes.AsMemory(0, n));
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = Length;
        return true;
    }
}
