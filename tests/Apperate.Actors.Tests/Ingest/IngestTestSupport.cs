using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Tests.Ingest;

/// <summary>A forward-only stream over bytes that hands out at most <c>chunk</c> bytes per read.</summary>
internal sealed class ChunkedStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public int Reads { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A forward-only stream that produces a header and then generated CSV rows on demand (nothing buffered).</summary>
internal sealed class GeneratedCsvStream : Stream
{
    private readonly int _rows;
    private readonly byte[] _pending = new byte[256];
    private int _pendingStart;
    private int _pendingEnd;
    private int _next = -1;

    public GeneratedCsvStream(int rows) => _rows = rows;

    public long Produced { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (_pendingStart == _pendingEnd && !Produce()) break;
            var n = Math.Min(buffer.Length - written, _pendingEnd - _pendingStart);
            _pending.AsSpan(_pendingStart, n).CopyTo(buffer[written..]);
            _pendingStart += n;
            written += n;
        }
        Produced += written;
        return written;
    }

    private bool Produce()
    {
        if (_next >= _rows) return false;
        var line = _next < 0
            ? "symbol,date,price,volume,active,note\n"
            : $"S{_next % 5000},2024-01-{1 + _next % 28:00},{_next % 1000}.25,{_next},{(_next % 2 == 0 ? "true" : "false")},\"row, {_next}\"\n";
        _pendingStart = 0;
        _pendingEnd = Encoding.UTF8.GetBytes(line, _pending);
        _next++;
        return true;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal sealed record ReadResult(List<RecordRow> Valid, List<InvalidRecord> Invalid, IngestFormat Format, long RecordsRead, long BytesRead, string[] Columns);

internal static class Support
{
    public const long Now = 1_700_000_000_000;

    /// <summary>2024-01-02T00:00:00Z.</summary>
    public const long Jan2 = 1_704_153_600_000;

    public static readonly DatasetSchema Quotes = new(
        [
            new PropertyDefinition("symbol", PropertyType.String),
            new PropertyDefinition("date", PropertyType.Date),
            new PropertyDefinition("price", PropertyType.Number),
            new PropertyDefinition("volume", PropertyType.Integer),
            new PropertyDefinition("active", PropertyType.Boolean),
            new PropertyDefinition("meta", PropertyType.Object),
            new PropertyDefinition("tags", PropertyType.Array),
            new PropertyDefinition("misc", PropertyType.Any),
            new PropertyDefinition("ts", PropertyType.DateTime),
            new PropertyDefinition("note", PropertyType.String),
        ],
        ["symbol", "date", "price"], false);

    public static readonly ColumnMapping QuotesMapping = new("symbol", null, "date");

    public static RecordValidator Validator(DatasetSchema? schema = null, ColumnMapping? mapping = null) =>
        RecordValidator.For(schema ?? Quotes, mapping ?? QuotesMapping);

    public static Task<ReadResult> Read(string body, IngestFormat? format, int chunk = int.MaxValue, RecordLimits? limits = null,
        RecordValidator? validator = null, int batch = 1000) =>
        Read(Encoding.UTF8.GetBytes(body), format, chunk, limits, validator, batch);

    public static async Task<ReadResult> Read(byte[] body, IngestFormat? format, int chunk = int.MaxValue, RecordLimits? limits = null,
        RecordValidator? validator = null, int batch = 1000)
    {
        await using var reader = IngestReader.Create(new ChunkedStream(body, chunk), format, validator ?? Validator(), Now, limits ?? RecordLimits.Default);
        var valid = new List<RecordRow>();
        var invalid = new List<InvalidRecord>();
        while (true)
        {
            var before = valid.Count + invalid.Count;
            var more = await reader.ReadBatchAsync(valid, invalid, batch, CancellationToken.None);
            Assert.True(valid.Count + invalid.Count - before <= batch);
            Assert.Equal(more, valid.Count + invalid.Count > before);
            if (!more) break;
        }
        Assert.False(await reader.ReadBatchAsync(valid, invalid, batch, CancellationToken.None));
        Assert.Equal(valid.Count + invalid.Count, reader.RecordsRead);
        return new ReadResult(valid, invalid, reader.Format, reader.RecordsRead, reader.BytesRead, reader.Columns);
    }

    /// <summary>
    /// What <see cref="IngestReader.CheckBatchAsync"/> reports over a body: the rejections and the reader's counts
    /// after each batch.
    /// </summary>
    public static async Task<(List<InvalidRecord> Invalid, List<(long Records, long Bytes)> Batches)> Check(byte[] body, IngestFormat? format,
        RecordValidator validator, RecordLimits limits, int chunk = int.MaxValue, int batch = 1000)
    {
        await using var reader = IngestReader.Create(new ChunkedStream(body, chunk), format, validator, Now, limits);
        var invalid = new List<InvalidRecord>();
        var batches = new List<(long, long)>();
        while (await reader.CheckBatchAsync(invalid, batch, CancellationToken.None))
            batches.Add((reader.RecordsRead, reader.BytesRead));
        Assert.False(await reader.CheckBatchAsync(invalid, batch, CancellationToken.None));
        return (invalid, batches);
    }

    /// <summary>What <see cref="IngestReader.ReadBatchAsync"/> reports over a body, in the shape of <see cref="Check"/>, plus the valid rows.</summary>
    public static async Task<(List<InvalidRecord> Invalid, List<(long Records, long Bytes)> Batches, List<RecordRow> Valid)> ReadRows(byte[] body,
        IngestFormat? format, RecordValidator validator, RecordLimits limits, int chunk = int.MaxValue, int batch = 1000)
    {
        await using var reader = IngestReader.Create(new ChunkedStream(body, chunk), format, validator, Now, limits);
        var valid = new List<RecordRow>();
        var invalid = new List<InvalidRecord>();
        var batches = new List<(long, long)>();
        while (await reader.ReadBatchAsync(valid, invalid, batch, CancellationToken.None))
            batches.Add((reader.RecordsRead, reader.BytesRead));
        return (invalid, batches, valid);
    }

    /// <summary>
    /// A body for <see cref="Quotes"/> (or a schema with the same property names and types) holding valid records
    /// and records invalid in every way the format allows: wrong types, numbers out of range, missing, null or empty
    /// required and index values, impossible and malformed dates and date-times, keys and records over
    /// <paramref name="limits"/>, several faults in one record; CSV: wrong field counts, quoted fields over several
    /// lines, an unclosed quote at the end; JSON: malformed lines, records that are not objects, unknown, repeated,
    /// reserved and invalid property names, escaped names and values, invalid UTF-8 and escaped lone surrogates.
    /// </summary>
    public static byte[] ManyKindsOfInvalid(IngestFormat format, RecordLimits limits)
    {
        var longKey = string.Concat(Enumerable.Repeat("é", limits.MaxIndexBytes / 2 + 1)); // 2 bytes each: just over the limit
        var fitKey = string.Concat(Enumerable.Repeat("é", limits.MaxIndexBytes / 2));
        var longNote = new string('n', limits.MaxRecordBytes);
        var body = new List<byte>();
        void Add(string text) => body.AddRange(Encoding.UTF8.GetBytes(text));

        if (format == IngestFormat.Csv)
        {
            Add("symbol,date,price,volume,active,meta,tags,misc,ts,note\n");
            foreach (var row in (string[])
            [
                "A,2024-01-02,1.5,10,true,\"{\"\"a\"\":1}\",\"[1]\",x,2024-01-02T10:00:00Z,ok",
                "B,2024-01-02,abc,10,true,,,,,",
                "C,2024-01-02,1,1.5,,,,,,",
                "D,2024-01-02,1,99999999999999999999,,,,,,",
                "E,2024-01-02,1,,yes,,,,,",
                "F,2024-01-02,1,,,[1],,,,",
                "G,2024-01-02,1,,,,{},,,",
                "H,2024-01-02,,,,,,,,",
                "I,,1,,,,,,,",
                "J,2024-02-30,1,,,,,,,",
                "K,02/01/2024,1,,,,,,,",
                "L,2024-01-02,1,,,,,,2024-01-02T25:00:00Z,",
                "M,2024-01-02,1,,,,,,2024-01-02T10:00:00.123456789Z,",
                "N,2024-01-02,1",
                "O,2024-01-02,1,,,,,,,,extra",
                "P,nope,x,1.5,maybe,{,],,yesterday,",
                "Q,2024-01-02,NaN,,,,,,,",
                "R,2024-01-02,1e400,,,,,,,",
                $"{longKey},2024-01-02,1,,,,,,,",
                $"{fitKey},2024-01-02,1,,,,,,,fits",
                $"S,2024-01-02,1,,,,,,,{longNote}",
                "T,2024-01-02,1,,,,,null,2024-01-02 10:00:00.5+05:30,any null",
                "",
                "U,2024-01-02,\"1\n2\",,,,,,,\"two\nlines\"",
                "V,2024-01-02, 7 , 8 ,TRUE,,,\"text, quoted\",2024-01-02T10:00,",
                "W,2024-01-02,1,,,,,,2024-01-02T10:00:00+14:30,",
                "X,2024-01-02,1,,,,,,0001-01-01T00:00:00+01:00,",
            ])
                Add(row + "\r\n");
            Add("Y,2024-01-02,1,,,,,,,\"never closed\n");
            return [.. body];
        }

        string[] records =
        [
            """{"symbol":"A","date":"2024-01-02","price":1.5,"volume":10,"active":true,"meta":{"a":1},"tags":[1],"misc":"x","ts":"2024-01-02T10:00:00Z","note":"ok"}""",
            """{"symbol":"B","date":"2024-01-02","price":"1"}""",
            """{"symbol":"C","date":"2024-01-02","price":1,"volume":1.5}""",
            """{"symbol":"D","date":"2024-01-02","price":1,"volume":1e30}""",
            """{"symbol":"E","date":"2024-01-02","price":1e400}""",
            """{"symbol":"F","date":"2024-01-02","price":1,"active":"true","meta":[1],"tags":{},"ts":5}""",
            """{"symbol":"G","date":"2024-01-02","price":null}""",
            """{"symbol":"H","date":null,"price":1}""",
            """{"symbol":"I","price":1}""",
            """{"symbol":"J","date":"2024-01-02","price":1,"extra":1}""",
            """{"symbol":"K","date":"2024-01-02","price":1,"PRICE":2}""",
            """{"symbol":"L","date":"2024-01-02","price":1,"_systemX":1,"bad name":2}""",
            """{"symbol":"M","date":"2024-01-02","price":1,"averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylongname":1}""",
            """{"symbol":"N","date":"2024-01-02","\u0070rice":1,"note":"escaped \"name\" \u00e9"}""",
            """{"symbol":"O","date":"2024-13-01","price":1,"ts":"2024-01-02t10:00:00Z"}""",
            """{"symbol":"P","date":"2024-01-02","price":1,"ts":"2024-01-02T10:00:00+0100"}""",
            """{"symbol":"Q","date":"2024-01-02","price":1,"ts":"2024-01-02T10:00:00.1234567-14:00"}""",
            """{"symbol":"R","date":"2024-01-02","price":1,"ts":"2024-01-02T10:00:00.12345678Z"}""",
            """{"symbol":"\u00e9","date":"\u0032024-01-02","price":1}""",
            $$"""{"symbol":"{{longKey}}","date":"2024-01-02","price":1}""",
            $$"""{"symbol":"{{string.Concat(Enumerable.Repeat("\\u00e9", limits.MaxIndexBytes / 2 + 1))}}","date":"2024-01-02","price":1}""",
            $$"""{"symbol":"{{fitKey}}","date":"2024-01-02","price":1}""",
            $$"""{"symbol":"S","date":"2024-01-02","price":1,"note":"{{longNote}}"}""",
            """{"symbol":"T","date":"2024-01-02","price":1,"note":"\ud800"}""",
            """{"symbol":"U","date":"2024-01-02","price":1,"\udc00":1}""",
            """{"symbol":"V","date":"nope","price":"x","volume":"y","active":1,"misc":null}""",
            """{"symbol":5,"date":"2024-01-02","price":1}""",
            """[1,2]""",
            "42",
            "\"text\"",
        ];
        if (format == IngestFormat.Json)
        {
            Add("[\n");
            foreach (var record in records) Add(" " + record.Replace(",\"price\"", ",\n  \"price\"") + ",\n");
            // Invalid UTF-8 inside a string: the JSON reader accepts it, the record is rejected.
            body.AddRange([.. "{\"symbol\":\"W\",\"date\":\"2024-01-02\",\"price\":1,\"note\":\"bad "u8, 0xFF, .. "\"}"u8]);
            Add("\n]\n");
            return [.. body];
        }

        foreach (var record in records) Add(record + "\n");
        Add("{\"symbol\":\"X\",\"date\":\"2024-01-02\",\r\n");
        Add("   \r\n\n");
        body.AddRange([.. "{\"symbol\":\"W\",\"date\":\"2024-01-02\",\"price\":1,\"note\":\"bad "u8, 0xFF, .. "\"}\r\n"u8]);
        Add("{\"symbol\":\"Z\",\"date\":\"2024-01-02\",\"price\":2}");
        return [.. body];
    }

    /// <summary>The rows and rejections as comparable text.</summary>
    public static string Describe(ReadResult result)
    {
        var sb = new StringBuilder();
        foreach (var row in result.Valid)
            sb.Append(row.Key).Append('|').Append(row.Subkey).Append('|').Append(row.Date).Append('|')
              .AppendJoin(',', row.Values.Select(v => v is null ? "null" : $"{v.GetType().Name}:{v}")).Append('|').Append(row.Extra).Append('\n');
        foreach (var bad in result.Invalid)
            sb.Append(bad).Append('\n');
        return sb.ToString();
    }
}
