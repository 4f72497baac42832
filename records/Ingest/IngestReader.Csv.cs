using System.Buffers;
using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Ingest;

// CSV (RFC 4180): a header row, then one record per row. Scanning works on the UTF-8 bytes (delimiters, quotes and
// line feeds are ASCII); a quote opens a quoted field only at the start of a field; inside one, "" is a quote and
// delimiters and line breaks are data. A record ends at the first LF outside quotes; a CR before it is dropped.
public sealed partial class IngestReader
{
    private TextColumns? _header;

    // Where a schema-less reader (CreateForCsvFields) puts each record's fields instead of validating them.
    private List<string[]>? _fieldRecords;
    private byte _delimiter = (byte)',';

    // Resumable scan state of the current record (see CsvRow).
    private bool _inQuotes;
    private bool _afterClose;
    private byte _prev = (byte)',';

    // The decoded fields of the current record: _chars holds the text, _ranges where each field lies.
    private char[] _chars = [];
    private Range[] _ranges = new Range[16];

    private Step CsvNext(List<RecordRow>? valid, List<InvalidRecord> invalid) =>
        _header is null ? CsvHeader() : CsvRow(valid, invalid);

    /// <summary>
    /// Reads the header row (after any blank lines): picks the delimiter — the most frequent of <c>,</c>, tab and
    /// <c>|</c> outside quotes, <c>,</c> on a tie or when there is none — and binds the columns to the schema.
    /// </summary>
    private Step CsvHeader()
    {
        var span = _buf.AsSpan(_start, _end - _start);
        if (span.IsEmpty) return _eof ? Step.End : Step.NeedMore;

        var inQuotes = false;
        int commas = 0, tabs = 0, pipes = 0;
        var lf = -1;
        for (var i = 0; i < span.Length && lf < 0; i++)
        {
            var b = span[i];
            if (inQuotes)
            {
                if (b != (byte)'"') continue;
                if (i + 1 == span.Length && !_eof) return HeaderNeedsMore(span.Length);
                if (i + 1 < span.Length && span[i + 1] == (byte)'"') i++;
                else inQuotes = false;
                continue;
            }
            switch (b)
            {
                case (byte)'\n': lf = i; break;
                case (byte)'"': inQuotes = i == 0 || span[i - 1] is (byte)',' or (byte)'\t' or (byte)'|'; break;
                case (byte)',': commas++; break;
                case (byte)'\t': tabs++; break;
                case (byte)'|': pipes++; break;
            }
        }
        if (lf < 0 && !_eof) return HeaderNeedsMore(span.Length);

        var content = lf < 0 ? span.Length : lf;
        if (content > 0 && span[content - 1] == (byte)'\r') content--;
        var next = lf < 0 ? _end : _start + lf + 1;
        if (content == 0)
        {
            _start = next; // a blank line before the header
            return Step.Continue;
        }
        if (content > _limits.MaxRecordBytes)
            throw ApperateException.Invalid("header", $"the header row is {content} bytes, over the limit of {_limits.MaxRecordBytes} bytes");

        _delimiter = tabs > commas && tabs >= pipes ? (byte)'\t' : pipes > commas && pipes > tabs ? (byte)'|' : (byte)',';
        var count = Split(_start, content);
        var names = new string[count];
        for (var i = 0; i < count; i++) names[i] = new string(_chars.AsSpan(_ranges[i]));
        _header = _validator?.BindColumns(names) ?? TextColumns.Unbound(names);

        _start = next;
        ResetRecordState();
        return Step.Continue;
    }

    private Step HeaderNeedsMore(int buffered)
    {
        if (buffered > _limits.MaxRecordBytes + 2)
            throw ApperateException.Invalid("header", $"the header row is over the limit of {_limits.MaxRecordBytes} bytes");
        return Step.NeedMore;
    }

    private void ResetRecordState()
    {
        _scan = 0;
        _inQuotes = false;
        _afterClose = false;
        _prev = _delimiter;
    }

    /// <summary>
    /// Finds the end of the record at <see cref="_start"/>, resuming where the last call stopped, then validates it.
    /// </summary>
    private Step CsvRow(List<RecordRow>? valid, List<InvalidRecord> invalid)
    {
        if (_start == _end && !_skipping) return _eof ? Step.End : Step.NeedMore;

        var buf = _buf;
        var end = _end;
        var resume = _start + _scan;
        var p = resume;
        var inQuotes = _inQuotes;
        var afterClose = _afterClose;
        var delimiter = _delimiter;
        var lf = -1;
        while (p < end)
        {
            if (inQuotes)
            {
                var q = buf.AsSpan(p, end - p).IndexOf((byte)'"');
                if (q < 0)
                {
                    p = end;
                    break;
                }
                p += q + 1;
                inQuotes = false;
                afterClose = true;
                continue;
            }
            if (afterClose)
            {
                // A quote right after a closing quote is an escaped quote: back inside the field.
                afterClose = false;
                if (buf[p] == (byte)'"')
                {
                    inQuotes = true;
                    p++;
                    continue;
                }
            }
            var i = buf.AsSpan(p, end - p).IndexOfAny((byte)'"', (byte)'\n');
            if (i < 0)
            {
                p = end;
                break;
            }
            i += p;
            if (buf[i] == (byte)'\n')
            {
                lf = i;
                break;
            }
            // A quote opens a quoted field only at the start of a field; elsewhere it is data.
            if ((i > resume ? buf[i - 1] : _prev) == delimiter) inQuotes = true;
            p = i + 1;
        }

        if (lf < 0 && !_eof)
        {
            var prev = end > resume ? buf[end - 1] : _prev;
            _inQuotes = inQuotes;
            _afterClose = afterClose;
            _scan = end - _start;
            if (!_skipping && end - _start - (prev == (byte)'\r' ? 1 : 0) > _limits.MaxRecordBytes) BeginSkip();
            if (_skipping) DropWindow();
            _prev = prev;
            return Step.NeedMore;
        }

        // The record is [_start, contentEnd), plus _skipBytes already dropped.
        var recordEnd = lf < 0 ? end : lf;
        var next = lf < 0 ? end : lf + 1;
        var contentEnd = recordEnd;
        var droppedCr = 0;
        if (recordEnd > _start)
        {
            if (buf[recordEnd - 1] == (byte)'\r' && !inQuotes) contentEnd--;
        }
        else if (_skipping && _prev == (byte)'\r')
        {
            droppedCr = 1;
        }
        var length = _skipBytes + (contentEnd - _start) - droppedCr;

        Step result;
        if (!_skipping && length == 0)
        {
            result = Step.Continue; // an empty line
        }
        else
        {
            var line = _skipping ? _skipLine : LineAt(_start);
            result = Step.Record;
            if (length > _limits.MaxRecordBytes)
            {
                invalid.Add(new InvalidRecord(line, _skipping ? SkipRaw(contentEnd, length) : Raw(_start, contentEnd), null, SizeReason(length)));
            }
            else if (inQuotes)
            {
                invalid.Add(new InvalidRecord(line, Raw(_start, contentEnd), null, "a quoted field is not closed before the end of the body"));
            }
            else
            {
                var fields = _ranges.AsSpan(0, Split(_start, contentEnd - _start));
                bool accepted;
                if (_fieldRecords is not null)
                {
                    var texts = new string[fields.Length];
                    for (var f = 0; f < fields.Length; f++) texts[f] = new string(_chars.AsSpan(fields[f]));
                    _fieldRecords.Add(texts);
                    accepted = true;
                }
                else if (valid is null)
                {
                    accepted = _validator!.CheckFields(_header!, _chars, fields, RecordIndex, _limits, _errors, out _);
                }
                else if (_validator!.ValidateFields(_header!, _chars, fields, RecordIndex, _nowMs, _limits, _errors, out _) is { } row)
                {
                    valid.Add(row);
                    accepted = true;
                }
                else
                {
                    accepted = false;
                }
                if (!accepted) invalid.Add(Reject(line, Raw(_start, contentEnd)));
            }
        }

        _start = next;
        EndSkip();
        ResetRecordState();
        return result;
    }

    /// <summary>
    /// Splits the record bytes <c>[from, from + length)</c> into fields with the current delimiter, decoding them
    /// into <see cref="_chars"/> (quotes removed, <c>""</c> unescaped) and their places into <see cref="_ranges"/>.
    /// </summary>
    /// <returns>The number of fields.</returns>
    private int Split(int from, int length)
    {
        var record = _buf.AsSpan(from, length);
        // UTF-8 never decodes to more UTF-16 units than bytes, and removing quotes only shortens.
        if (_chars.Length < length)
        {
            if (_chars.Length > 0) ArrayPool<char>.Shared.Return(_chars);
            _chars = ArrayPool<char>.Shared.Rent(Math.Max(length, 4096));
        }
        var chars = _chars.AsSpan();
        var count = 0;

        if (record.IndexOf((byte)'"') < 0)
        {
            // No quotes (the common case): decode the whole record once and split the text.
            var total = Encoding.UTF8.GetChars(record, chars);
            var text = chars[..total];
            var delimiter = (char)_delimiter;
            var pos = 0;
            while (true)
            {
                var d = text[pos..].IndexOf(delimiter);
                if (d < 0)
                {
                    AddRange(ref count, pos, total);
                    return count;
                }
                AddRange(ref count, pos, pos + d);
                pos += d + 1;
            }
        }

        var p = 0;
        var c = 0;
        while (true)
        {
            var fieldStart = c;
            if (p < record.Length && record[p] == (byte)'"')
            {
                p++;
                while (true)
                {
                    var q = record[p..].IndexOf((byte)'"');
                    if (q < 0)
                    {
                        c += Encoding.UTF8.GetChars(record[p..], chars[c..]);
                        p = record.Length;
                        break;
                    }
                    c += Encoding.UTF8.GetChars(record.Slice(p, q), chars[c..]);
                    p += q + 1;
                    if (p < record.Length && record[p] == (byte)'"')
                    {
                        chars[c++] = '"';
                        p++;
                        continue;
                    }
                    break;
                }
            }
            // Unquoted text, or whatever follows a closing quote, up to the delimiter.
            var delimiterAt = record[p..].IndexOf(_delimiter);
            var fieldEnd = delimiterAt < 0 ? record.Length : p + delimiterAt;
            c += Encoding.UTF8.GetChars(record[p..fieldEnd], chars[c..]);
            AddRange(ref count, fieldStart, c);
            if (delimiterAt < 0) return count;
            p = fieldEnd + 1;
        }
    }

    private void AddRange(ref int count, int start, int end)
    {
        if (count == _ranges.Length) Array.Resize(ref _ranges, count * 2);
        _ranges[count++] = new Range(start, end);
    }
}
