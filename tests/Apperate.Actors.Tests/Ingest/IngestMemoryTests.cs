using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Ingest.Support;

namespace Apperate.Actors.Tests.Ingest;

[Trait("Category", "Unit")]
public sealed class IngestMemoryTests
{
    [Theory]
    [InlineData(IngestFormat.Csv)]
    [InlineData(IngestFormat.Ndjson)]
    [InlineData(IngestFormat.Json)]
    public async Task A_record_of_tens_of_megabytes_is_skipped_without_being_buffered(IngestFormat format)
    {
        var filler = new string('x', 24 << 20);
        var body = format switch
        {
            IngestFormat.Csv => $"symbol,date,price,note\nA,2024-01-02,1,{filler}\nB,2024-01-02,2,ok\n",
            IngestFormat.Ndjson => $$"""{"symbol":"A","note":"{{filler}}"}""" + "\n" + """{"symbol":"B","date":"2024-01-02","price":2}""",
            _ => $$"""[{"symbol":"A","note":"{{filler}}"},{"symbol":"B","date":"2024-01-02","price":2}]""",
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        filler = null;
        body = null;

        // Every read completes synchronously, so the whole load runs on this thread and its allocations are counted here.
        var before = GC.GetAllocatedBytesForCurrentThread();
        await using var reader = IngestReader.Create(new ChunkedStream(bytes, 1 << 20), format, Validator(), Now, RecordLimits.Default);
        var valid = new List<RecordRow>();
        var invalid = new List<InvalidRecord>();
        while (await reader.ReadBatchAsync(valid, invalid, 100, CancellationToken.None)) { }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("B", Assert.Single(valid).Key);
        var bad = Assert.Single(invalid);
        Assert.Contains("over the limit of 65536 bytes", bad.Reason);
        Assert.Equal(IngestReader.RawLimitBytes, bad.Raw.Length);
        Assert.Equal(bytes.Length, reader.BytesRead);
        Assert.True(allocated < 4 << 20, $"allocated {allocated:N0} bytes reading a {bytes.Length:N0}-byte body");
    }

    [Fact]
    public async Task Raw_text_is_cut_at_a_character_boundary()
    {
        var record = "A,2024-01-02,1," + string.Concat(Enumerable.Repeat("é", 6000)); // byte 8,192 is the middle of an 'é'
        foreach (var (chunk, limit) in new[] { (7, 1000), (int.MaxValue, 1000), (int.MaxValue, 100_000) })
        {
            var result = await Read($"symbol,date,price,note\n{record}\nB,2024-01-02,1,x\n", IngestFormat.Csv, chunk, new RecordLimits(MaxRecordBytes: limit));
            var raw = limit == 1000 ? Assert.Single(result.Invalid).Raw : null;
            if (raw is null)
            {
                // Within the limit: valid, nothing to cut.
                Assert.Equal(2, result.Valid.Count);
                continue;
            }
            Assert.Equal(8_191, Encoding.UTF8.GetByteCount(raw));
            Assert.EndsWith("é", raw);
            Assert.DoesNotContain('\uFFFD', raw);
        }
    }

    [Fact]
    public async Task A_long_invalid_record_within_the_limit_has_its_raw_text_cut_to_8_KB()
    {
        var note = new string('n', 20_000);
        var result = await Read($"symbol,date,price,note\nA,2024-01-02,x,{note}\n", IngestFormat.Csv);
        var bad = Assert.Single(result.Invalid);
        Assert.Equal("price", bad.Field);
        Assert.Equal(IngestReader.RawLimitBytes, bad.Raw.Length);
        Assert.StartsWith("A,2024-01-02,x,nnn", bad.Raw);
    }
}
