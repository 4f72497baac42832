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
/// The job then validates the whole body against the inferred schema, so CSV is sampled by the job's own reader
/// (<see cref="IngestReader.CreateForCsvFields"/>: the same blank lines, delimiter, quotes and header names), and a
/// field's surrounding spaces and an empty field (null in any column but a string one) say nothing about its type.
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
    public static async Task<(DatasetSchema Schema, ColumnMapping Mapping)> InferAsync(byte[] head, IngestFormat format, CancellationToken cancellationToken)
    {
        using var sample = JsonDocument.Parse(await SampleJsonAsync(head, format, cancellationToken));
        if (sample.RootElement.GetArrayLength() == 0)
            throw ApperateException.Invalid("body", "no complete record could be read from the start of the body to infer a schema from; check the body or create the dataset first");
        return SchemaInference.Infer(sample.RootElement);
    }

    private static async Task<byte[]> SampleJsonAsync(byte[] head, IngestFormat format, CancellationToken cancellationToken)
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
                var (header, records) = await CsvSampleAsync(head, cancellationToken);
                foreach (var record in records)
                {
                    if (record.Length != header.Count) continue;
                    writer.WriteStartObject();
                    for (var i = 0; i < header.Count; i++)
                    {
                        writer.WritePropertyName(header[i]);
                        WriteCsvValue(writer, record[i]);
                    }
                    writer.WriteEndObject();
                }
                break;
        }
        writer.WriteEndArray();
        writer.Flush();
        return output.ToArray();
    }

    /// <summary>
    /// The header and the first records of a CSV head, read by the batch load's own reader; a head shorter than
    /// <see cref="HeadBytes"/> is the whole body, otherwise it is cut after its last line feed (a record cut inside a
    /// quoted field is then unclosed, rejected, and left out of the sample).
    /// </summary>
    private static async Task<(IReadOnlyList<string> Header, List<string[]> Records)> CsvSampleAsync(byte[] head, CancellationToken cancellationToken)
    {
        var length = head.Length < HeadBytes ? head.Length : Array.LastIndexOf(head, (byte)'\n') + 1;
        var records = new List<string[]>();
        await using var reader = IngestReader.CreateForCsvFields(new MemoryStream(head, 0, length, writable: false), RecordLimits.Default);
        await reader.ReadFieldsAsync(records, [], SampleRecords, cancellationToken);
        return (reader.Header, records);
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
