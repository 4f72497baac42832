using System.Text.Json;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Ingest;

// NDJSON (one record per line) and JSON arrays (streamed element by element). Each record is parsed into a
// JsonDocument over its bytes in the window (no copy) and checked by RecordValidator.ValidateRecord (or CheckRecord
// when no row is wanted).
public sealed partial class IngestReader
{
    private enum JsonPhase
    {
        /// <summary>Before the opening bracket.</summary>
        Open,
        /// <summary>After <c>[</c>: an element or <c>]</c>.</summary>
        First,
        /// <summary>After <c>,</c>: an element.</summary>
        AfterComma,
        /// <summary>At the first byte of an element.</summary>
        Element,
        /// <summary>After an element: <c>,</c> or <c>]</c>.</summary>
        AfterElement,
        /// <summary>After <c>]</c>: only whitespace may follow.</summary>
        Close,
    }

    private JsonPhase _phase;

    // Resumable scan of an oversized element being skipped (not validated, only delimited).
    private int _skipKind; // 0 = not started, 1 = object or array, 2 = string, 3 = number or literal
    private int _skipDepth;
    private bool _skipInString;
    private bool _skipEscape;

    private Step NdjsonNext(List<RecordRow>? valid, List<InvalidRecord> invalid)
    {
        if (_start == _end && !_skipping) return _eof ? Step.End : Step.NeedMore;

        var scanFrom = _start + _scan;
        var i = _buf.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
        if (i < 0 && !_eof)
        {
            var prev = _end > scanFrom ? _buf[_end - 1] : _prev;
            _scan = _end - _start;
            if (!_skipping && _end - _start - (prev == (byte)'\r' ? 1 : 0) > _limits.MaxRecordBytes) BeginSkip();
            if (_skipping) DropWindow();
            _prev = prev;
            return Step.NeedMore;
        }

        var lineEnd = i < 0 ? _end : scanFrom + i;
        var next = i < 0 ? _end : lineEnd + 1;
        var contentEnd = lineEnd;
        var droppedCr = 0;
        if (lineEnd > _start)
        {
            if (_buf[lineEnd - 1] == (byte)'\r') contentEnd--;
        }
        else if (_skipping && _prev == (byte)'\r')
        {
            droppedCr = 1;
        }
        var length = _skipBytes + (contentEnd - _start) - droppedCr;

        Step result = Step.Record;
        if (_skipping || length > _limits.MaxRecordBytes)
        {
            var line = _skipping ? _skipLine : LineAt(_start);
            invalid.Add(new InvalidRecord(line, _skipping ? SkipRaw(contentEnd, length) : Raw(_start, contentEnd), null, SizeReason(length)));
        }
        else
        {
            var content = _buf.AsSpan(_start, contentEnd - _start);
            var first = content.IndexOfAnyExcept(" \t\r"u8);
            if (first < 0)
            {
                result = Step.Continue; // a blank line
            }
            else
            {
                var last = content.LastIndexOfAnyExcept(" \t\r"u8);
                var line = LineAt(_start);
                JsonDocument? document = null;
                try
                {
                    document = JsonDocument.Parse(_buf.AsMemory(_start + first, last - first + 1));
                }
                catch (JsonException ex)
                {
                    var at = ex.BytePositionInLine is { } position ? $" (at byte {position + first + 1} of the line)" : "";
                    invalid.Add(new InvalidRecord(line, Raw(_start, contentEnd), null, $"malformed JSON: {JsonMessage(ex)}{at}"));
                }
                if (document is not null)
                {
                    using (document) Validate(document, line, valid, invalid, _start, contentEnd);
                }
            }
        }

        _start = next;
        _scan = 0;
        _prev = (byte)'\n';
        EndSkip();
        return result;
    }

    private Step JsonNext(List<RecordRow>? valid, List<InvalidRecord> invalid)
    {
        if (_skipping) return JsonSkip(invalid);
        switch (_phase)
        {
            case JsonPhase.Open:
                if (!SkipWhitespace())
                {
                    if (!_eof) return Step.NeedMore;
                    throw BodyError("the body is empty; expected a JSON array of records");
                }
                if (_buf[_start] != (byte)'[')
                    throw BodyError($"expected a JSON array of records, found {Describe(_buf[_start])} at line {LineAt(_start)}");
                _start++;
                _phase = JsonPhase.First;
                return Step.Continue;

            case JsonPhase.First:
            case JsonPhase.AfterComma:
                if (!SkipWhitespace()) return NeedMoreInArray();
                if (_buf[_start] == (byte)']')
                {
                    if (_phase == JsonPhase.AfterComma) throw BodyError($"expected a record after ',' at line {LineAt(_start)}, found ']'");
                    _start++;
                    _phase = JsonPhase.Close;
                    return Step.Continue;
                }
                _phase = JsonPhase.Element;
                return Step.Continue;

            case JsonPhase.Element:
                return JsonElement(valid, invalid);

            case JsonPhase.AfterElement:
                if (!SkipWhitespace()) return NeedMoreInArray();
                switch (_buf[_start])
                {
                    case (byte)',':
                        _start++;
                        _phase = JsonPhase.AfterComma;
                        return Step.Continue;
                    case (byte)']':
                        _start++;
                        _phase = JsonPhase.Close;
                        return Step.Continue;
                    default:
                        throw BodyError($"expected ',' or ']' after a record at line {LineAt(_start)}, found {Describe(_buf[_start])}");
                }

            default:
                if (!SkipWhitespace()) return _eof ? Step.End : Step.NeedMore;
                throw BodyError($"unexpected {Describe(_buf[_start])} after the end of the array at line {LineAt(_start)}");
        }
    }

    /// <summary>Reads the element at <see cref="_start"/> when the window holds all of it.</summary>
    private Step JsonElement(List<RecordRow>? valid, List<InvalidRecord> invalid)
    {
        int length;
        try
        {
            // Never a final block: a well-formed element is always followed by "," or "]", and a body that ends inside
            // one is reported as such rather than as malformed.
            var reader = new Utf8JsonReader(_buf.AsSpan(_start, _end - _start), isFinalBlock: false, default);
            if (!reader.Read() || (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip()))
            {
                if (_eof) throw BodyError($"the body ends inside the record at line {LineAt(_start)}");
                if (_end - _start <= _limits.MaxRecordBytes) return Step.NeedMore;
                BeginSkip();
                _skipKind = 0;
                _skipDepth = 0;
                _skipInString = false;
                _skipEscape = false;
                return JsonSkip(invalid);
            }
            length = checked((int)reader.BytesConsumed);
        }
        catch (JsonException ex)
        {
            // The array cannot be followed past a malformed element: the load fails.
            throw BodyError($"malformed JSON at line {LineAt(_start) + (ex.LineNumber ?? 0)}: {JsonMessage(ex)}");
        }

        var line = LineAt(_start);
        if (length > _limits.MaxRecordBytes)
        {
            invalid.Add(new InvalidRecord(line, Raw(_start, _start + length), null, SizeReason(length)));
        }
        else
        {
            using var document = JsonDocument.Parse(_buf.AsMemory(_start, length));
            Validate(document, line, valid, invalid, _start, _start + length);
        }
        _start += length;
        _phase = JsonPhase.AfterElement;
        return Step.Record;
    }

    /// <summary>Skips the rest of an oversized element, dropping the window as it goes.</summary>
    private Step JsonSkip(List<InvalidRecord> invalid)
    {
        var span = _buf.AsSpan(_start, _end - _start);
        var end = ScanSkippedElement(span);
        if (end < 0 && _eof && _skipKind == 3) end = span.Length;
        if (end < 0)
        {
            if (_eof) throw BodyError($"the body ends inside the record at line {_skipLine}");
            DropWindow();
            return Step.NeedMore;
        }
        invalid.Add(new InvalidRecord(_skipLine, SkipRaw(_start + end, _skipBytes + end), null, SizeReason(_skipBytes + end)));
        _start += end;
        EndSkip();
        _phase = JsonPhase.AfterElement;
        return Step.Record;
    }

    /// <summary>
    /// Advances the skip scan over <paramref name="span"/>: brackets are counted outside strings. Returns the
    /// offset just past the element, or -1 when it goes on past the span.
    /// </summary>
    private int ScanSkippedElement(ReadOnlySpan<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            if (_skipKind == 0)
            {
                switch (span[i])
                {
                    case (byte)'"':
                        _skipKind = 2;
                        _skipInString = true;
                        break;
                    case (byte)'{' or (byte)'[':
                        _skipKind = 1;
                        _skipDepth = 1;
                        break;
                    default:
                        _skipKind = 3;
                        break;
                }
                continue;
            }
            if (_skipInString)
            {
                if (_skipEscape)
                {
                    _skipEscape = false;
                    continue;
                }
                var j = span[i..].IndexOfAny((byte)'"', (byte)'\\');
                if (j < 0) return -1;
                i += j;
                if (span[i] == (byte)'\\')
                {
                    _skipEscape = true;
                    continue;
                }
                _skipInString = false;
                if (_skipKind == 2) return i + 1;
                continue;
            }
            if (_skipKind == 3)
            {
                var k = span[i..].IndexOfAny(",]} \t\r\n"u8);
                return k < 0 ? -1 : i + k;
            }
            var s = span[i..].IndexOfAny("\"{}[]"u8);
            if (s < 0) return -1;
            i += s;
            switch (span[i])
            {
                case (byte)'"':
                    _skipInString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    _skipDepth++;
                    break;
                default:
                    if (--_skipDepth == 0) return i + 1;
                    break;
            }
        }
        return -1;
    }

    /// <summary>Validates a parsed record and appends it to the right list (only a rejection when <paramref name="valid"/> is null).</summary>
    private void Validate(JsonDocument document, long line, List<RecordRow>? valid, List<InvalidRecord> invalid, int from, int to)
    {
        bool accepted;
        if (valid is null)
        {
            accepted = _validator!.CheckRecord(document.RootElement, RecordIndex, _limits, _errors, out _);
        }
        else if (_validator!.ValidateRecord(document.RootElement, RecordIndex, _nowMs, _limits, _errors, out _) is { } row)
        {
            valid.Add(row);
            accepted = true;
        }
        else
        {
            accepted = false;
        }
        if (!accepted) invalid.Add(Reject(line, Raw(from, to)));
    }

    /// <summary>Moves <see cref="_start"/> past whitespace; false when the window holds nothing else.</summary>
    private bool SkipWhitespace()
    {
        var i = _buf.AsSpan(_start, _end - _start).IndexOfAnyExcept(" \t\r\n"u8);
        if (i < 0)
        {
            _start = _end;
            return false;
        }
        _start += i;
        return true;
    }

    private Step NeedMoreInArray() =>
        _eof ? throw BodyError($"the body ends inside the array at line {LineAt(_start)} (missing ']')") : Step.NeedMore;

    private static string Describe(byte b) => b is >= 0x20 and < 0x7F ? $"'{(char)b}'" : $"byte 0x{b:X2}";
}
