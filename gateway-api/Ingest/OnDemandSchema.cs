using System.Text;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Gateway.Ingest;

/// <summary>
/// Infers a dataset schema for <c>createDatasetOnDemand</c> from the first rows of a batch load (at most the first
/// 1 MB or 1,000 records), with the same rules as <c>POST /record</c>: CSV fields that are valid JSON numbers,
/// booleans, objects or arrays count as those; everything else is text.
/// </summary>
/// <remarks>
/// The job then validates the whole body against the inferred schema, so CSV is sampled as the job reads it
/// (<see cref="IngestReader"/>): blank lines are skipped, the delimiter is the most frequent of <c>,</c>, tab and
/// <c>|</c> outside quotes in the header line, a quote opens a quoted field only at the start of a field, header names
/// are trimmed, and a field's surrounding spaces and an empty field (null in any column but a string one) say nothing
/// about its type.
/// </remarks>
public static class OnDemandSchema
{
    public const int HeadBytes = 1 << 20;
    private const int SampleRecords = 1_000;

    /// <summary>Reads the head of <paramref name="body"/>; returns it and a stream that replays it before the rest.</summary>
    public static async Task<(byte[] Head, Stream Replay)> PeekAsync(Stream body, CancellationToken cancellationToken)
    {
        var head = new byte[HeadBytes];
        var length = 0;
        while (length < head.Length)
        {
            var read = await body.ReadAsync(head.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
        }
        Array.Resize(ref head, length);
        return (head, new ReplayStream(head, body));
    }

    /// <summary>Infers the schema and mapping from the head of a body.</summary>
    public static (DatasetSchema Schema, ColumnMapping Mapping) Infer(byte[] head, IngestFormat format)
    {
        using var sample = JsonDocument.Parse(SampleJson(head, format));
        if (sample.RootElement.GetArrayLength() == 0)
            throw ApperateException.Invalid("body", "no complete record could be read from the start of the body to infer a schema from; check the body or create the dataset first");
        return SchemaInference.Infer(sample.RootElement);
    }

    private static byte[] SampleJson(byte[] head, IngestFormat format)
    {
        var output = new MemoryStream();
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        var text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF');
        var count = 0;
        switch (format)
        {
            case IngestFormat.Json:
                // Complete elements of the array only: the head may end inside one.
                var start = text.AsSpan().TrimStart();
                if (start.Length > 0 && start[0] != '[')
                    throw ApperateException.Invalid("body", $"expected a JSON array of records, found '{start[0]}' at line 1");
                var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), isFinalBlock: false, default);
                if (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (count < SampleRecords && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        if (!JsonDocument.TryParseValue(ref reader, out var element)) break;
                        using (element) element.RootElement.WriteTo(writer);
                        count++;
                    }
                }
                break;
            case IngestFormat.Ndjson:
                foreach (var line in CompleteLines(text, complete: head.Length < HeadBytes))
                {
                    if (count >= SampleRecords) break;
                    if (line.Trim().Length == 0) continue;
                    try
                    {
                        using var doc = JsonDocument.Parse(line);
                        if (doc.RootElement.ValueKind != JsonValueKind.Object) continue;
                        doc.RootElement.WriteTo(writer);
                        count++;
                    }
                    catch (JsonException)
                    {
                        // A malformed sample line is rejected later with its line number; it does not shape the schema.
                    }
                }
                break;
            default:
                // A head shorter than HeadBytes is the whole body: its last line is complete even without a line feed.
                var rows = CsvSample(text, complete: head.Length < HeadBytes);
                if (rows.Count > 0)
                {
                    var header = rows[0];
                    foreach (var row in rows.Skip(1).Take(SampleRecords))
                    {
                        if (row.Count != header.Count) continue;
                        writer.WriteStartObject();
                        for (var i = 0; i < header.Count; i++)
                        {
                            writer.WritePropertyName(header[i]);
                            WriteCsvValue(writer, row[i]);
                        }
                        writer.WriteEndObject();
                    }
                }
                break;
        }
        writer.WriteEndArray();
        writer.Flush();
        return output.ToArray();
    }

    private static void WriteCsvValue(Utf8JsonWriter writer, string field)
    {
        var trimmed = field.Trim();
        if (trimmed.Length == 0)
        {
            writer.WriteNullValue();
            return;
        }
        if (char.IsDigit(trimmed[0]) || trimmed[0] is '-' or '{' or '[' || trimmed is "true" or "false")
        {
            try
            {
                using var doc = JsonDocument.Parse(trimmed);
                doc.RootElement.WriteTo(writer);
                return;
            }
            catch (JsonException)
            {
                // Not JSON (e.g. a date): text.
            }
        }
        // Dates are read trimmed, like every field of a non-string column.
        writer.WriteStringValue(DateValues.TryParseDateOrDateTime(trimmed, out _, out _) ? trimmed : field);
    }

    private static IEnumerable<string> CompleteLines(string text, bool complete)
    {
        if (complete) return text.Split('\n');
        var end = text.LastIndexOf('\n');
        if (end < 0) return text.Length > 0 ? [text] : [];
        return text[..end].Split('\n');
    }

    /// <summary>
    /// The header (names trimmed) and rows of the head, read with the job's CSV rules (see the remarks); a row the head
    /// may end inside is dropped unless the head is the <paramref name="complete"/> body.
    /// </summary>
    private static List<List<string>> CsvSample(string text, bool complete)
    {
        var rows = new List<List<string>>();
        var pos = 0;
        char? delimiter = null;
        while (pos < text.Length)
        {
            var start = pos;
            if (ReadCsvRecord(text, ref pos, delimiter ??= HeaderDelimiter(text, pos), complete) is not { } row) break;
            var raw = text.AsSpan(start, pos - start);
            if (raw.EndsWith("\n")) raw = raw[..^1];
            if (raw.EndsWith("\r")) raw = raw[..^1];
            if (raw.IsEmpty) continue; // a blank line
            if (rows.Count == 0) row = row.ConvertAll(name => name.Trim());
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// The delimiter of the header line at <paramref name="start"/> (the first that is not blank): the most frequent of
    /// <c>,</c>, tab and <c>|</c> outside quotes; a comma on a tie or when there is none.
    /// </summary>
    private static char HeaderDelimiter(string text, int start)
    {
        while (start < text.Length && text[start] is '\n' or '\r') start++;
        int commas = 0, tabs = 0, pipes = 0;
        var inQuotes = false;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c != '"') continue;
                if (i + 1 < text.Length && text[i + 1] == '"') i++;
                else inQuotes = false;
                continue;
            }
            if (c == '\n') break;
            switch (c)
            {
                case '"': inQuotes = i == start || text[i - 1] is ',' or '\t' or '|'; break;
                case ',': commas++; break;
                case '\t': tabs++; break;
                case '|': pipes++; break;
            }
        }
        return tabs > commas && tabs >= pipes ? '\t' : pipes > commas && pipes > tabs ? '|' : ',';
    }

    /// <summary>
    /// The fields of the record at <paramref name="pos"/> (RFC 4180: a quote opens a quoted field only at the start of
    /// a field, <c>""</c> inside one is a quote, a line feed outside quotes ends the record and a carriage return before
    /// it is dropped); null, with <paramref name="pos"/> unchanged, when the head ends inside it and may be cut.
    /// </summary>
    private static List<string>? ReadCsvRecord(string text, ref int pos, char delimiter, bool complete)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var fieldStart = true;
        for (var i = pos; ; i++)
        {
            if (i == text.Length)
            {
                if (inQuotes || !complete) return null;
                fields.Add(field.ToString());
                pos = i;
                return fields;
            }
            var c = text[i];
            if (inQuotes)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else inQuotes = false;
                continue;
            }
            if (c == '\n')
            {
                if (i > pos && text[i - 1] == '\r' && field.Length > 0) field.Length--;
                fields.Add(field.ToString());
                pos = i + 1;
                return fields;
            }
            if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                fieldStart = true;
                continue;
            }
            if (c == '"' && fieldStart) inQuotes = true;
            else field.Append(c);
            fieldStart = false;
        }
    }

    /// <summary>Replays the peeked head, then reads the rest of the body.</summary>
    private sealed class ReplayStream(byte[] head, Stream rest) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < head.Length)
            {
                var n = Math.Min(buffer.Length, head.Length - _position);
                head.AsMemory(_position, n).CopyTo(buffer);
                _position += n;
                return ValueTask.FromResult(n);
            }
            return rest.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
