using System.Buffers;
using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Ingest;

/// <summary>
/// Streams a batch-load body (<c>POST /v1/data</c>: CSV, a JSON array or NDJSON) into validated
/// <see cref="RecordRow"/>s and per-record rejections, in file order, with memory that stays flat whatever the
/// body size.
/// </summary>
/// <remarks>
/// <para>The body is read in chunks into one pooled buffer that holds at most about two records' worth of bytes
/// beyond a 64 KB read window: consumed bytes are dropped before each read. A record larger than
/// <see cref="RecordLimits.MaxRecordBytes"/> (CSV: the record without its line ending; NDJSON: the line without
/// its line ending; JSON: the element) is not buffered: its first 8 KB are kept for the rejection, the rest is
/// skipped, and reading goes on with the next record.</para>
/// <para>Line numbers are 1-based physical lines (LF; CRLF counts once) of the first byte of a record, counting
/// the lines of quoted CSV fields and of multi-line JSON elements.</para>
/// <para>Failures of the whole body throw <see cref="ApperateException"/> with <see cref="ErrorKind.Invalid"/>:
/// a CSV header that names an unknown column (unless the schema allows additional properties), an invalid or
/// repeated column, or lacks a required or index column (field <c>header</c>, before any row is read); a JSON
/// body that is not an array or is malformed outside what a single element can absorb (field <c>body</c>, with
/// the line). Everything else is an <see cref="InvalidRecord"/>.</para>
/// <para>Not thread-safe. The stream is not disposed with the reader.</para>
/// </remarks>
public sealed partial class IngestReader : IAsyncDisposable
{
    /// <summary>Raw text kept for a rejected record.</summary>
    public const int RawLimitBytes = 8 * 1024;

    private const int InitialBufferBytes = 64 * 1024;
    private const int MinReadBytes = 16 * 1024;
    private const int SniffLimitBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly RecordValidator? _validator;
    private readonly long _nowMs;
    private readonly RecordLimits _limits;
    private readonly string[] _columns;
    private readonly List<FieldError> _errors = [];
    private IngestFormat? _format;
    private bool _started;
    private bool _done;
    private bool _disposed;
    private Exception? _failure;

    // The window: _buf[_start.._end) is read but not yet consumed; _base is the body offset of _buf[0].
    private byte[] _buf;
    private int _start;
    private int _end;
    private bool _eof;
    private long _base;

    // Line counting: _line is the line number of the byte at _linePos (<= _start); bytes are counted once, lazily.
    private int _linePos;
    private long _line = 1;

    // An oversized record being skipped: its bytes so far are dropped as they arrive.
    private bool _skipping;
    private long _skipBytes;
    private long _skipLine;
    private byte[]? _skipHead; // the first bytes of the skipped record, for its Raw text
    private int _skipHeadLength;

    // The bytes of the current record already scanned for its end (CSV, NDJSON), relative to _start.
    private int _scan;

    private long _records;

    private IngestReader(Stream body, IngestFormat? format, RecordValidator? validator, long nowMs, RecordLimits limits)
    {
        _stream = body;
        _format = format;
        _validator = validator;
        _nowMs = nowMs;
        _limits = limits;
        _columns = validator is null ? [] : Array.ConvertAll(validator.Schema.Properties, p => p.Name);
        _buf = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    }

    /// <summary>Starts reading a body.</summary>
    /// <param name="body">The body; read forward only (need not be seekable); not disposed by the reader.</param>
    /// <param name="format">The format, or null to sniff it from the first bytes (<see cref="IngestFormats.Sniff"/>).</param>
    /// <param name="validator">The dataset's validator (<see cref="RecordValidator.For"/>).</param>
    /// <param name="nowMs">The date of every record of a dataset without a date property, epoch ms.</param>
    /// <param name="limits">Record and index size limits.</param>
    public static IngestReader Create(Stream body, IngestFormat? format, RecordValidator validator, long nowMs, RecordLimits limits)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limits.MaxRecordBytes, nameof(limits));
        if (!body.CanRead) throw new ArgumentException("the body stream is not readable", nameof(body));
        return new IngestReader(body, format, validator, nowMs, limits);
    }

    /// <summary>
    /// Starts reading a CSV body as text fields, with no schema: <see cref="ReadFieldsAsync"/> returns the header and
    /// the fields of each record, read with exactly the rules of <see cref="Create"/>'s reader (blank lines, delimiter,
    /// quotes, size limits). For looking at a body before a dataset exists (inferring its schema).
    /// </summary>
    public static IngestReader CreateForCsvFields(Stream body, RecordLimits limits)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(limits);
        if (!body.CanRead) throw new ArgumentException("the body stream is not readable", nameof(body));
        return new IngestReader(body, IngestFormat.Csv, null, 0, limits);
    }

    /// <summary>
    /// The body format. When it was not given to <see cref="Create"/> it is sniffed from the first bytes, so it is
    /// known after the first <see cref="ReadBatchAsync"/> or <see cref="DetectFormatAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The format is to be sniffed and nothing was read yet.</exception>
    public IngestFormat Format => _format ?? throw new InvalidOperationException(
        "the format is sniffed from the body: call DetectFormatAsync or ReadBatchAsync first");

    /// <summary>Records read so far, valid and invalid.</summary>
    public long RecordsRead => _records;

    /// <summary>Bytes of the body consumed so far: up to the end of the last record read (the body length once the end was reached).</summary>
    public long BytesRead => _base + _start;

    /// <summary>
    /// The schema property names, in declaration order, that every <see cref="RecordRow.Values"/> is aligned with
    /// (as in <see cref="RecordValidator"/>'s batches). A fresh array on each call, so each batch may own one.
    /// </summary>
    public string[] Columns => (string[])_columns.Clone();

    /// <summary>Reads the first bytes if needed and returns the format (given or sniffed). Reads no record.</summary>
    public async ValueTask<IngestFormat> DetectFormatAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_started) await StartAsync(cancellationToken);
        return _format!.Value;
    }

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> more records in file order, appending the valid ones to
    /// <paramref name="valid"/> and the rejected ones to <paramref name="invalid"/>.
    /// </summary>
    /// <returns>True when at least one record was read; false once the end was reached and nothing more was read.</returns>
    /// <exception cref="ApperateException">The whole body is unusable (see the class remarks); later calls throw it again.</exception>
    public ValueTask<bool> ReadBatchAsync(List<RecordRow> valid, List<InvalidRecord> invalid, int maxRecords, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(valid);
        return ReadAsync(valid, invalid, maxRecords, cancellationToken);
    }

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> more records in file order like <see cref="ReadBatchAsync"/>, with
    /// the same rules and the same rejections, but builds no row for the valid ones: only the rejected ones are
    /// appended to <paramref name="invalid"/>. <see cref="RecordsRead"/> counts both.
    /// </summary>
    /// <remarks>For a pass that only validates and counts (a batch load's validating pass): valid records cost no allocation.</remarks>
    /// <returns>True when at least one record was read; false once the end was reached and nothing more was read.</returns>
    /// <exception cref="ApperateException">The whole body is unusable (see the class remarks); later calls throw it again.</exception>
    public ValueTask<bool> CheckBatchAsync(List<InvalidRecord> invalid, int maxRecords, CancellationToken cancellationToken) =>
        ReadAsync(null, invalid, maxRecords, cancellationToken);

    /// <summary>
    /// Reads up to <paramref name="maxRecords"/> more CSV records of a reader made by <see cref="CreateForCsvFields"/>,
    /// appending each record's fields (quotes removed, text as is) to <paramref name="records"/>; records that are
    /// over the size limit or end inside a quoted field go to <paramref name="invalid"/>.
    /// </summary>
    /// <returns>True when at least one record was read; false once the end was reached and nothing more was read.</returns>
    public async ValueTask<bool> ReadFieldsAsync(List<string[]> records, List<InvalidRecord> invalid, int maxRecords, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (_validator is not null) throw new InvalidOperationException("ReadFieldsAsync is for readers made by CreateForCsvFields");
        _fieldRecords = records;
        try
        {
            return await ReadAsync(null, invalid, maxRecords, cancellationToken);
        }
        finally
        {
            _fieldRecords = null;
        }
    }

    /// <summary>The header's column names (trimmed) once the first record was read; empty before.</summary>
    public IReadOnlyList<string> Header => _header?.Names ?? [];

    /// <param name="valid">Where valid rows go, or null to build none (<see cref="CheckBatchAsync"/>).</param>
    private async ValueTask<bool> ReadAsync(List<RecordRow>? valid, List<InvalidRecord> invalid, int maxRecords, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(invalid);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        if (_failure is not null) throw _failure;
        cancellationToken.ThrowIfCancellationRequested();

        try
        {
            if (!_started) await StartAsync(cancellationToken);
            var count = 0;
            while (count < maxRecords && !_done)
            {
                switch (Next(valid, invalid))
                {
                    case Step.Record:
                        _records++;
                        count++;
                        break;
                    case Step.NeedMore:
                        if (_eof) throw new InvalidOperationException("the reader asked for more data after the end of the body");
                        await FillAsync(cancellationToken);
                        break;
                    case Step.End:
                        _done = true;
                        break;
                }
            }
            return count > 0;
        }
        catch (ApperateException ex)
        {
            _failure = ex;
            throw;
        }
    }

    /// <summary>Returns the pooled buffers.</summary>
    public ValueTask DisposeAsync()
    {
        if (_disposed) return default;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
        if (_chars.Length > 0) ArrayPool<char>.Shared.Return(_chars);
        _chars = [];
        return default;
    }

    /// <summary>What one parsing step did.</summary>
    private enum Step
    {
        /// <summary>Consumed something that is not a record (a header, a blank line, punctuation): step again.</summary>
        Continue,
        /// <summary>Read one record (valid or invalid).</summary>
        Record,
        /// <summary>The window holds no complete next item: read more (never returned at the end of the body).</summary>
        NeedMore,
        /// <summary>The body is exhausted.</summary>
        End,
    }

    /// <summary>Parses the next item; <paramref name="valid"/> is null when only the verdict is wanted.</summary>
    private Step Next(List<RecordRow>? valid, List<InvalidRecord> invalid) => _format switch
    {
        IngestFormat.Csv => CsvNext(valid, invalid),
        IngestFormat.Ndjson => NdjsonNext(valid, invalid),
        _ => JsonNext(valid, invalid),
    };

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        while (!_eof && _end - _start < 3) await FillAsync(cancellationToken);
        if (_buf.AsSpan(_start, _end - _start).StartsWith("\uFEFF"u8)) _start += 3;
        if (_format is null)
        {
            while (!_eof && _end - _start < SniffLimitBytes && _buf.AsSpan(_start, _end - _start).IndexOfAnyExcept(" \t\r\n"u8) < 0)
                await FillAsync(cancellationToken);
            _format = IngestFormats.Sniff(_buf.AsSpan(_start, _end - _start));
        }
        _started = true;
    }

    /// <summary>
    /// Drops the consumed bytes, then reads at least as many new bytes as are still buffered (at least one read) or
    /// up to the end of the body, so a record that needs many small reads is re-examined a logarithmic number of
    /// times. The buffer keeps room for a 16 KB read.
    /// </summary>
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            CountLines(_start);
            var live = _end - _start;
            if (live > 0) Buffer.BlockCopy(_buf, _start, _buf, 0, live);
            _base += _start;
            _linePos = 0;
            _start = 0;
            _end = live;
        }

        var room = Math.Max(MinReadBytes, _end);
        if (_buf.Length - _end < room)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buf.Length * 2, _end + room));
            Buffer.BlockCopy(_buf, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }

        var target = _end + Math.Max(1, _end);
        while (_end < target)
        {
            var read = await _stream.ReadAsync(_buf.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _eof = true;
                return;
            }
            _end += read;
        }
    }

    /// <summary>Counts the line feeds between the last counted position and <paramref name="position"/>.</summary>
    private void CountLines(int position)
    {
        if (position <= _linePos) return;
        _line += _buf.AsSpan(_linePos, position - _linePos).Count((byte)'\n');
        _linePos = position;
    }

    /// <summary>The line number of the byte at <paramref name="position"/> (at or after <see cref="_start"/>).</summary>
    private long LineAt(int position)
    {
        CountLines(position);
        return _line;
    }

    /// <summary>Starts skipping the oversized record that begins at <see cref="_start"/>.</summary>
    private void BeginSkip()
    {
        _skipping = true;
        _skipLine = LineAt(_start);
        _skipBytes = 0;
        _skipHead ??= new byte[RawLimitBytes + 4];
        _skipHeadLength = 0;
    }

    /// <summary>Drops the whole window while skipping a record (keeping the record's first bytes).</summary>
    private void DropWindow()
    {
        KeepSkipHead(_start, _end);
        CountLines(_end);
        _skipBytes += _end - _start;
        _start = _end;
        _scan = 0;
    }

    private void KeepSkipHead(int from, int to)
    {
        var n = Math.Min(to - from, _skipHead!.Length - _skipHeadLength);
        if (n <= 0) return;
        Buffer.BlockCopy(_buf, from, _skipHead, _skipHeadLength, n);
        _skipHeadLength += n;
    }

    /// <summary>The Raw text of the skipped record, whose last bytes are <c>[_start, to)</c> and whose length is <paramref name="length"/>.</summary>
    private string SkipRaw(int to, long length)
    {
        KeepSkipHead(_start, to);
        return RawText(_skipHead.AsSpan(0, _skipHeadLength), length);
    }

    private void EndSkip()
    {
        _skipping = false;
        _skipBytes = 0;
        _skipHeadLength = 0;
    }

    /// <summary>The text of the bytes <c>[from, to)</c> of the window, cut to <see cref="RawLimitBytes"/>.</summary>
    private string Raw(int from, int to) => RawText(_buf.AsSpan(from, to - from), to - from);

    /// <summary>
    /// The text of the first bytes of a record of <paramref name="length"/> bytes, cut to
    /// <see cref="RawLimitBytes"/> at a character boundary.
    /// </summary>
    private static string RawText(ReadOnlySpan<byte> head, long length)
    {
        var n = (int)Math.Min(Math.Min(head.Length, length), RawLimitBytes);
        // Cut before a continuation byte, so no character is split.
        if (n < length && n < head.Length)
            while (n > 0 && (head[n] & 0xC0) == 0x80) n--;
        return Encoding.UTF8.GetString(head[..n]);
    }

    private string SizeReason(long bytes) => $"the record is {bytes} bytes, over the limit of {_limits.MaxRecordBytes} bytes";

    private int RecordIndex => (int)Math.Min(_records, int.MaxValue);

    /// <summary>The rejection of a record from the validator's errors (cleared).</summary>
    private InvalidRecord Reject(long line, string raw)
    {
        string? field;
        string reason;
        if (_errors.Count == 1)
        {
            field = _errors[0].Field;
            reason = _errors[0].Reason;
        }
        else
        {
            field = _errors.Count == 0 ? null : _errors[0].Field;
            var sb = new StringBuilder();
            foreach (var e in _errors)
            {
                if (sb.Length > 0) sb.Append("; ");
                if (e.Field is not null) sb.Append(e.Field).Append(": ");
                sb.Append(e.Reason);
            }
            reason = sb.Length == 0 ? "invalid record" : sb.ToString();
        }
        _errors.Clear();
        return new InvalidRecord(line, raw, field, reason);
    }

    private static ApperateException BodyError(string reason) => ApperateException.Invalid("body", reason);

    /// <summary>A JSON reader message without its relative position (the caller adds the line).</summary>
    private static string JsonMessage(System.Text.Json.JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).TrimEnd();
    }
}
