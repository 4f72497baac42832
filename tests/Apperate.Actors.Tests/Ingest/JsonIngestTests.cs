using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Ingest.Support;

namespace Apperate.Actors.Tests.Ingest;

[Trait("Category", "Unit")]
public sealed class JsonIngestTests
{
    private const string ArrayBody = """
        [
          {"symbol":"AAPL","date":"2024-01-02","price":187.5,"volume":1000,"active":true,
           "meta":{"a": [1, 2]},"tags":["x","y"],"misc":12.50,"ts":"2024-01-02T10:00:00Z","note":"a, \"quoted\"\nnote"},
          {"symbol":"MSFT","date":"2024-01-02","price":"high"},
          42,
          {
            "symbol": "GOOG",
            "date": "2024-01-02",
            "price": 140
          },
          {"symbol":"IBM","price":1},
          {"symbol":"ÄÖÜ 日本","date":"2024-01-02","price":1e2,"volume":5.0}
        ]
        """;

    [Fact]
    public async Task A_json_array_is_streamed_element_by_element()
    {
        var result = await Read(ArrayBody, IngestFormat.Json);
        Assert.Equal(IngestFormat.Json, result.Format);
        Assert.Equal(["AAPL", "GOOG", "ÄÖÜ 日本"], result.Valid.Select(r => r.Key));
        Assert.Equal(
            new object?[] { "AAPL", "2024-01-02", 187.5, 1000L, true, """{"a": [1, 2]}""", """["x","y"]""", "12.50", "2024-01-02T10:00:00Z", "a, \"quoted\"\nnote" },
            result.Valid[0].Values);
        Assert.Equal(Jan2, result.Valid[1].Date);
        Assert.Equal(5L, result.Valid[2].Values[3]);

        Assert.Equal(3, result.Invalid.Count);
        Assert.Equal(new InvalidRecord(4, """{"symbol":"MSFT","date":"2024-01-02","price":"high"}""", "price", "expected a number, got a string"), result.Invalid[0]);
        Assert.Equal(new InvalidRecord(5, "42", null, "a record must be a JSON object, not a number"), result.Invalid[1]);
        Assert.Equal(new InvalidRecord(11, """{"symbol":"IBM","price":1}""", "date", "the property is required"), result.Invalid[2]);
        Assert.Equal(6, result.RecordsRead);
        Assert.Equal(Encoding.UTF8.GetByteCount(ArrayBody), result.BytesRead);
    }

    [Fact]
    public async Task Tiny_reads_give_identical_results()
    {
        var whole = Describe(await Read(ArrayBody, IngestFormat.Json));
        foreach (var chunk in new[] { 1, 2, 3, 7, 64 })
            Assert.Equal(whole, Describe(await Read(ArrayBody, IngestFormat.Json, chunk, batch: 2)));

        var ndjson = string.Join("\n", ArrayBody.Split('\n').Where(l => l.TrimStart().StartsWith("{\"")).Select(l => l.Trim().TrimEnd(',')));
        var ndWhole = Describe(await Read(ndjson, IngestFormat.Ndjson));
        foreach (var chunk in new[] { 1, 7 })
            Assert.Equal(ndWhole, Describe(await Read(ndjson, IngestFormat.Ndjson, chunk)));
    }

    [Fact]
    public async Task Many_records_in_tiny_reads_are_all_read()
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < 2_000; i++) sb.Append(i == 0 ? "" : ",\n").Append($$"""{"symbol":"K{{i}}","date":"2024-01-02","price":{{i}}}""");
        sb.Append(']');
        var result = await Read(sb.ToString(), IngestFormat.Json, chunk: 7, batch: 333);
        Assert.Equal(2_000, result.Valid.Count);
        Assert.Equal(Enumerable.Range(0, 2_000).Select(i => (double)i), result.Valid.Select(r => (double)r.Values[2]!));
    }

    [Theory]
    [InlineData("", "the body is empty")]
    [InlineData("  \n ", "the body is empty")]
    [InlineData("{\"symbol\":\"A\"}", "expected a JSON array of records, found '{' at line 1")]
    [InlineData("\n\n\"text\"", "found '\"' at line 3")]
    [InlineData("[{\"symbol\":\"A\"}\n{\"symbol\":\"B\"}]", "expected ',' or ']' after a record at line 2, found '{'")]
    [InlineData("[{\"symbol\":\"A\"},]", "expected a record after ',' at line 1, found ']'")]
    [InlineData("[{\"symbol\":\"A\"}", "the body ends inside the array")]
    [InlineData("[{\"symbol\":\n\"A\"", "the body ends inside the record at line 1")]
    [InlineData("[\n{\"symbol\":\"A\",\n\"date\" \"x\"}]", "malformed JSON at line 3")]
    [InlineData("[{\"symbol\":'A'}]", "malformed JSON at line 1")]
    [InlineData("[] x", "unexpected 'x' after the end of the array at line 1")]
    public async Task A_body_that_is_not_a_well_formed_array_fails_the_load(string body, string expected)
    {
        foreach (var chunk in new[] { 1, int.MaxValue })
        {
            var ex = await Assert.ThrowsAsync<ApperateException>(() => Read(body, IngestFormat.Json, chunk));
            Assert.Equal(ErrorKind.Invalid, ex.Kind);
            Assert.StartsWith("body: ", ex.Message);
            Assert.Contains(expected, ex.Message);
            Assert.Equal("body", Assert.Single(ex.Errors).Field);
        }
    }

    [Fact]
    public async Task An_empty_array_has_no_records()
    {
        var result = await Read(" [ ] \n", IngestFormat.Json);
        Assert.Empty(result.Valid);
        Assert.Empty(result.Invalid);
    }

    [Fact]
    public async Task Records_before_a_malformed_element_are_returned_before_the_failure()
    {
        await using var reader = IngestReader.Create(new ChunkedStream(Encoding.UTF8.GetBytes(
            """[{"symbol":"A","date":"2024-01-02","price":1}, {"symbol" 1}]"""), 1000), IngestFormat.Json, Validator(), Now, RecordLimits.Default);
        var valid = new List<RecordRow>();
        var invalid = new List<InvalidRecord>();
        Assert.True(await reader.ReadBatchAsync(valid, invalid, 1, CancellationToken.None));
        Assert.Equal("A", Assert.Single(valid).Key);
        await Assert.ThrowsAsync<ApperateException>(() => reader.ReadBatchAsync(valid, invalid, 1, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Oversized_elements_are_skipped_and_reading_continues()
    {
        var huge = string.Concat(Enumerable.Repeat("ab\\\"c]}{[\\\\", 30_000)); // escapes and brackets inside a string
        var b = $$"""{"symbol":"B","date":"2024-01-02","price":1,"note":"{{new string('b', 300)}}"}""";
        var body =
            "[\n" +
            """{"symbol":"A","date":"2024-01-02","price":1},""" + "\n" +
            b + ",\n" +
            $$"""{"symbol":"C","date":"2024-01-02","price":1,"meta":{"deep":[{"x":"{{huge}}"},""" + "\n\n" + """[1,[2]]]}},""" + "\n" +
            $$"""["{{huge}}"],""" + "\n" +
            $$"""  "{{huge}}"  ,""" + "\n" +
            """{"symbol":"D","date":"2024-01-02","price":1}""" + "\n" +
            "]";
        var limits = new RecordLimits(MaxRecordBytes: 200);
        foreach (var chunk in new[] { 7, 5000, int.MaxValue })
        {
            var result = await Read(body, IngestFormat.Json, chunk, limits);
            Assert.Equal(["A", "D"], result.Valid.Select(r => r.Key));
            Assert.Equal([3L, 4L, 7L, 8L], result.Invalid.Select(i => i.Line));
            Assert.All(result.Invalid, i => Assert.Contains("over the limit of 200 bytes", i.Reason));
            Assert.Equal(new InvalidRecord(3, b, null, $"the record is {b.Length} bytes, over the limit of 200 bytes"), result.Invalid[0]);
            Assert.StartsWith("""{"symbol":"C","date":"2024-01-02","price":1,"meta":{"deep":""", result.Invalid[1].Raw);
            Assert.True(result.Invalid[1].Raw.Length <= IngestReader.RawLimitBytes);
            Assert.Equal(huge.Length + 4, int.Parse(result.Invalid[2].Reason.Split(' ')[3]));
            Assert.Equal(huge.Length + 2, int.Parse(result.Invalid[3].Reason.Split(' ')[3]));
            Assert.Equal(Encoding.UTF8.GetByteCount(body), result.BytesRead);
        }
    }

    [Fact]
    public async Task Ndjson_reads_one_record_per_line_and_rejects_malformed_lines()
    {
        const string body =
            "{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1}\r\n" +  // 1
            "\n" +                                                      // 2 blank
            "   \t\n" +                                                 // 3 blank
            "{\"symbol\":\"B\",\"date\":\"2024-01-02\",\"price\":}\n" +  // 4 malformed
            "[1,2]\n" +                                                 // 5 not an object
            "{\"symbol\":\"C\",\"date\":\"2024-01-02\",\"price\":3} {\"x\":1}\n" + // 6 trailing data
            "  {\"symbol\":\"D\",\"date\":\"2024-01-02\",\"price\":4}  \n" + // 7
            "{\"symbol\":\"E\",\"date\":\"2024-01-02\",\"price\":\"5\"}\n" + // 8 type error
            "{\"symbol\":\"F\",\"date\":\"2024-01-02\",\"price\":6}";       // 9 no final newline
        foreach (var chunk in new[] { 1, 5, int.MaxValue })
        {
            var result = await Read(body, IngestFormat.Ndjson, chunk);
            Assert.Equal(["A", "D", "F"], result.Valid.Select(r => r.Key));
            Assert.Equal([4L, 5L, 6L, 8L], result.Invalid.Select(i => i.Line));
            var malformed = result.Invalid[0];
            Assert.Equal("{\"symbol\":\"B\",\"date\":\"2024-01-02\",\"price\":}", malformed.Raw);
            Assert.Null(malformed.Field);
            Assert.StartsWith("malformed JSON: ", malformed.Reason);
            Assert.Contains("(at byte 43 of the line)", malformed.Reason);
            Assert.Equal("a record must be a JSON object, not an array", result.Invalid[1].Reason);
            Assert.StartsWith("malformed JSON: ", result.Invalid[2].Reason);
            Assert.Equal(("price", "expected a number, got a string"), (result.Invalid[3].Field, result.Invalid[3].Reason));
            Assert.Equal(7, result.RecordsRead);
            Assert.Equal(body.Length, result.BytesRead);
        }
    }

    [Fact]
    public async Task Ndjson_oversized_lines_are_skipped()
    {
        var body =
            "{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1}\n" +
            $"{{\"symbol\":\"B\",\"note\":\"{new string('x', 200_000)}\"}}\r\n" +
            "{\"symbol\":\"C\",\"date\":\"2024-01-02\",\"price\":1}\n";
        foreach (var chunk in new[] { 7, int.MaxValue })
        {
            var result = await Read(body, IngestFormat.Ndjson, chunk, new RecordLimits(MaxRecordBytes: 1000));
            Assert.Equal(["A", "C"], result.Valid.Select(r => r.Key));
            var bad = Assert.Single(result.Invalid);
            Assert.Equal((2L, $"the record is {200_000 + 24} bytes, over the limit of 1000 bytes"), (bad.Line, bad.Reason));
            Assert.Equal(IngestReader.RawLimitBytes, bad.Raw.Length);
        }
    }

    [Fact]
    public async Task Additional_properties_in_json_records_are_kept()
    {
        var validator = Validator(Quotes with { AdditionalProperties = true });
        var result = await Read("""{"symbol":"A","date":"2024-01-02","price":1,"Extra":{"n":[1]}}""", IngestFormat.Ndjson, validator: validator);
        Assert.Equal("""{"Extra":{"n":[1]}}""", Assert.Single(result.Valid).Extra);
    }
}
