using System.Text;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Ingest.Support;

namespace Apperate.Actors.Tests.Ingest;

/// <summary>
/// <see cref="IngestReader.CheckBatchAsync"/> (a batch load's validating pass, which builds no rows) against
/// <see cref="IngestReader.ReadBatchAsync"/> (the processing pass, which does): the same rejections, record for record,
/// and the same counts after every batch.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CheckBatchTests
{
    private static readonly RecordLimits Small = new(MaxRecordBytes: 200, MaxIndexBytes: 12);

    [Theory]
    [InlineData(IngestFormat.Csv)]
    [InlineData(IngestFormat.Ndjson)]
    [InlineData(IngestFormat.Json)]
    public async Task Checking_rejects_exactly_what_reading_rows_rejects_whatever_the_reads_and_batches(IngestFormat format)
    {
        var body = ManyKindsOfInvalid(format, Small);
        var validator = Validator();
        var reference = await ReadRows(body, format, validator, Small);

        // The body holds what it promises: many records, valid and invalid, rejected for many different reasons.
        Assert.True(reference.Valid.Count >= 4, $"{reference.Valid.Count} valid records");
        Assert.True(reference.Invalid.Count >= 20, $"{reference.Invalid.Count} invalid records");
        Assert.True(reference.Invalid.Select(i => i.Reason).Distinct().Count() >= 18, string.Join("\n", reference.Invalid));

        foreach (var chunk in new[] { 1, 7, 100, int.MaxValue })
        {
            foreach (var batch in new[] { 1, 4, 1000 })
            {
                var rows = await ReadRows(body, format, validator, Small, chunk, batch);
                var check = await Check(body, format, validator, Small, chunk, batch);
                Assert.Equal(reference.Invalid, rows.Invalid);
                Assert.Equal(rows.Invalid, check.Invalid);
                Assert.Equal(rows.Batches, check.Batches);
            }
        }
    }

    [Theory]
    [InlineData(IngestFormat.Csv)]
    [InlineData(IngestFormat.Ndjson)]
    [InlineData(IngestFormat.Json)]
    public async Task A_sniffed_format_is_checked_as_it_is_read(IngestFormat format)
    {
        var body = ManyKindsOfInvalid(format, Small);
        var rows = await ReadRows(body, null, Validator(), Small);
        var check = await Check(body, null, Validator(), Small);
        Assert.NotEmpty(check.Invalid);
        Assert.Equal(rows.Invalid, check.Invalid);
        Assert.Equal(rows.Batches, check.Batches);
    }

    [Theory]
    [InlineData("symbol,price,unknown\nA,1,x\n")]
    [InlineData("price,note\n1,x\n")]
    [InlineData("[{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1},\n{\"symbol\":\"B\",\"date\":\"2024-01-02\",\"price\":2},\n{\"symbol\" 5}]")]
    [InlineData("[{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1}\n{\"symbol\":\"B\"}]")]
    [InlineData("[{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1},")]
    public async Task A_body_unusable_as_a_whole_fails_both_the_same_way_after_the_same_records(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        await using var rows = IngestReader.Create(new ChunkedStream(body, 5), null, Validator(), Now, Small);
        await using var check = IngestReader.Create(new ChunkedStream(body, 5), null, Validator(), Now, Small);
        var valid = new List<Apperate.Actors.Datasets.RecordRow>();
        var rowsInvalid = new List<InvalidRecord>();
        var checkInvalid = new List<InvalidRecord>();

        var rowsFailure = await Assert.ThrowsAsync<ApperateException>(async () =>
        {
            while (await rows.ReadBatchAsync(valid, rowsInvalid, 1, CancellationToken.None)) { }
        });
        var checkFailure = await Assert.ThrowsAsync<ApperateException>(async () =>
        {
            while (await check.CheckBatchAsync(checkInvalid, 1, CancellationToken.None)) { }
        });

        Assert.Equal(rowsFailure.Message, checkFailure.Message);
        Assert.Equal(rowsFailure.Errors, checkFailure.Errors);
        Assert.Equal(rows.RecordsRead, check.RecordsRead);
        Assert.Equal(rowsInvalid, checkInvalid);
        // Later calls fail the same way again.
        Assert.Equal(checkFailure.Message, (await Assert.ThrowsAsync<ApperateException>(() => check.CheckBatchAsync(checkInvalid, 1, CancellationToken.None).AsTask())).Message);
    }

    [Fact]
    public async Task Invalid_utf8_and_escaped_lone_surrogates_reject_the_record_on_both_paths()
    {
        byte[] body =
        [
            .. "{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1,\"note\":\"bad "u8, 0xFF, .. "\"}\n"u8,
            .. "{\"symbol\":\"B\",\"date\":\"2024-01-02\",\"price\":1,\"note\":\"\\ud800\"}\n"u8,
            .. "{\"symbol\":\"C\",\"date\":\"2024-01-02\",\"price\":1,\"\\udc00x\":1}\n"u8,
            .. "{\"symbol\":\"D\",\"date\":\"2024-01-02\",\"price\":1,\"note\":\"\\ud83d\\ude00 \\u00e9\"}\n"u8,
        ];
        var rows = await ReadRows(body, IngestFormat.Ndjson, Validator(), RecordLimits.Default);
        var check = await Check(body, IngestFormat.Ndjson, Validator(), RecordLimits.Default);

        Assert.Equal(
        [
            (1L, (string?)null, "the record is not valid UTF-8"),
            (2L, "note", "the string is not valid Unicode (it holds an escaped lone surrogate)"),
            (3L, null, "a property name is not valid Unicode (it holds an escaped lone surrogate)"),
        ], rows.Invalid.Select(i => (i.Line, i.Field, i.Reason)));
        Assert.Equal("D", Assert.Single(rows.Valid).Key);
        Assert.Equal("😀 é", rows.Valid[0].Values[9]);
        Assert.Equal(rows.Invalid, check.Invalid);
    }

    [Fact]
    public async Task Checking_counts_every_record_of_a_large_body_without_keeping_any()
    {
        await using var reader = IngestReader.Create(new GeneratedCsvStream(100_000), IngestFormat.Csv, Validator(), Now, RecordLimits.Default);
        var invalid = new List<InvalidRecord>();
        var batches = 0;
        while (await reader.CheckBatchAsync(invalid, 30_000, CancellationToken.None)) batches++;
        Assert.Empty(invalid);
        Assert.Equal(4, batches);
        Assert.Equal(100_000, reader.RecordsRead);
    }
}
