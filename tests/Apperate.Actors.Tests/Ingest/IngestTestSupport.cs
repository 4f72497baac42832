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
