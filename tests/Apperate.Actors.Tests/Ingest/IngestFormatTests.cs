using System.Text;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Ingest.Support;

namespace Apperate.Actors.Tests.Ingest;

[Trait("Category", "Unit")]
public sealed class IngestFormatTests
{
    [Theory]
    [InlineData("text/csv", IngestFormat.Csv)]
    [InlineData("TEXT/CSV; charset=utf-8", IngestFormat.Csv)]
    [InlineData("application/csv", IngestFormat.Csv)]
    [InlineData("text/tab-separated-values", IngestFormat.Csv)]
    [InlineData("application/json", IngestFormat.Json)]
    [InlineData("application/json; charset=\"UTF-8\"", IngestFormat.Json)]
    [InlineData("application/x-ndjson", IngestFormat.Ndjson)]
    [InlineData("application/ndjson", IngestFormat.Ndjson)]
    [InlineData("application/jsonl", IngestFormat.Ndjson)]
    [InlineData("application/x-jsonlines", IngestFormat.Ndjson)]
    [InlineData(" application/x-ndjson ;foo=bar", IngestFormat.Ndjson)]
    public void Content_types_map_to_formats(string contentType, IngestFormat expected) =>
        Assert.Equal(expected, IngestFormats.FromContentType(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("text/plain")]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/octet-stream")]
    [InlineData("application/x-www-form-urlencoded")]
    public void Absent_or_generic_content_types_mean_sniff(string? contentType) =>
        Assert.Null(IngestFormats.FromContentType(contentType));

    [Theory]
    [InlineData("application/xml")]
    [InlineData("image/png")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("text/csv; charset=utf-16")]
    public void Unsupported_content_types_are_refused_by_name(string contentType)
    {
        var ex = Assert.Throws<ArgumentException>(() => IngestFormats.FromContentType(contentType));
        Assert.Contains(contentType, ex.Message);
        Assert.Equal("contentType", ex.ParamName);
    }

    [Theory]
    [InlineData("[{\"a\":1}]", IngestFormat.Json)]
    [InlineData("\uFEFF \r\n\t[", IngestFormat.Json)]
    [InlineData("{\"a\":1}\n{\"a\":2}", IngestFormat.Ndjson)]
    [InlineData("\uFEFF\n{", IngestFormat.Ndjson)]
    [InlineData("symbol,price\nA,1", IngestFormat.Csv)]
    [InlineData("\uFEFFsymbol", IngestFormat.Csv)]
    [InlineData("  ", IngestFormat.Csv)]
    [InlineData("", IngestFormat.Csv)]
    public void Sniffing_looks_at_the_first_significant_byte(string head, IngestFormat expected) =>
        Assert.Equal(expected, IngestFormats.Sniff(Encoding.UTF8.GetBytes(head)));

    [Theory]
    [InlineData("\uFEFF\n\n[{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1}]", IngestFormat.Json)]
    [InlineData("{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1}\n", IngestFormat.Ndjson)]
    [InlineData("\uFEFFsymbol|date|price\nA|2024-01-02|1\n", IngestFormat.Csv)]
    public async Task The_reader_sniffs_when_no_format_is_given(string body, IngestFormat expected)
    {
        foreach (var chunk in new[] { 1, int.MaxValue })
        {
            var result = await Read(body, null, chunk);
            Assert.Equal(expected, result.Format);
            Assert.Equal("A", Assert.Single(result.Valid).Key);
            Assert.Empty(result.Invalid);
        }
    }

    [Fact]
    public async Task The_format_is_known_once_detected()
    {
        await using var reader = IngestReader.Create(new ChunkedStream("  [ ]"u8.ToArray(), 1), null, Validator(), Now, RecordLimits.Default);
        Assert.Throws<InvalidOperationException>(() => reader.Format);
        Assert.Equal(IngestFormat.Json, await reader.DetectFormatAsync(CancellationToken.None));
        Assert.Equal(IngestFormat.Json, reader.Format);
        Assert.False(await reader.ReadBatchAsync([], [], 10, CancellationToken.None));
        Assert.Equal(5, reader.BytesRead);
    }

    [Fact]
    public async Task A_given_format_wins_over_the_content()
    {
        await using var reader = IngestReader.Create(new MemoryStream("[1]"u8.ToArray()), IngestFormat.Ndjson, Validator(), Now, RecordLimits.Default);
        Assert.Equal(IngestFormat.Ndjson, reader.Format);
        var invalid = new List<InvalidRecord>();
        Assert.True(await reader.ReadBatchAsync([], invalid, 10, CancellationToken.None));
        Assert.Equal("a record must be a JSON object, not an array", Assert.Single(invalid).Reason);
    }

    [Fact]
    public async Task Columns_are_the_schema_properties_in_declaration_order_and_a_fresh_array_each_time()
    {
        await using var reader = IngestReader.Create(new MemoryStream(), IngestFormat.Csv, Validator(), Now, RecordLimits.Default);
        var columns = reader.Columns;
        Assert.Equal(Quotes.Properties.Select(p => p.Name), columns);
        Assert.NotSame(columns, reader.Columns);
    }

    [Fact]
    public async Task Cancellation_is_observed()
    {
        await using var reader = IngestReader.Create(new MemoryStream("symbol,date,price\n"u8.ToArray()), IngestFormat.Csv, Validator(), Now, RecordLimits.Default);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.ReadBatchAsync([], [], 10, cts.Token).AsTask());
    }
}
