using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Bench;

/// <summary>
/// The one record shape every scenario writes, and the bodies built from it (JSON, CSV, NDJSON).
/// </summary>
/// <remarks>
/// Row <c>i</c> of a dataset has key <c>symbol = S{i mod 500}</c> and <c>date = 2020-01-01T00:00:00Z + i ms</c>, so
/// every (key, date) is distinct and no record is a duplicate. Values are cheap to format and vary with <c>i</c>.
/// </remarks>
public static class Payloads
{
    public const int SymbolCount = 500;
    public const string Header = "symbol,date,price,size,bid,ask";
    public const string SchemaDescription =
        "symbol: string (key), date: string/date-time (date), price: number, size: integer, bid: number, ask: number";

    private static readonly long BaseMs = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly byte[][] Symbols = Enumerable.Range(0, SymbolCount).Select(i => Encoding.ASCII.GetBytes($"S{i:D4}")).ToArray();

    /// <summary>The key of row <paramref name="i"/>.</summary>
    public static string Symbol(long i) => $"S{i % SymbolCount:D4}";

    /// <summary>The date of row <paramref name="i"/> in epoch milliseconds (2020-01-01T00:00:00Z + i ms); a webhook's <c>data.date</c> names its row this way.</summary>
    public static long DateMs(long i) => BaseMs + i;

    /// <summary>The row whose date is <paramref name="epochMs"/> (the inverse of <see cref="DateMs"/>).</summary>
    public static long RowOfDate(long epochMs) => epochMs - BaseMs;

    /// <summary>The JSON schema and column mapping (the <c>dataset</c> object's <c>schema</c> and <c>columnMapping</c>).</summary>
    public const string SchemaJson =
        """{"type":"object","properties":{"symbol":{"type":"string"},"date":{"type":"string","format":"date-time"},"price":{"type":"number"},"size":{"type":"integer"},"bid":{"type":"number"},"ask":{"type":"number"}}}""";

    public const string MappingJson = """{"key":"symbol","date":"date"}""";

    /// <summary>The <c>POST /v1/datasets/:ws</c> body.</summary>
    public static string CreateBody(string datasetId) =>
        "{\"dataset\":{\"datasetId\":\"" + datasetId + "\",\"schema\":" + SchemaJson + ",\"columnMapping\":" + MappingJson + "}}";

    /// <summary>The schema as the product parses it (for the raw-store baseline's table and validator).</summary>
    public static (DatasetSchema Schema, ColumnMapping Mapping) ParsedSchema()
    {
        using var schema = JsonDocument.Parse(SchemaJson);
        using var mapping = JsonDocument.Parse(MappingJson);
        return Apperate.Actors.Schema.SchemaJson.Parse(schema.RootElement, mapping.RootElement);
    }

    /// <summary>A validator for the bench schema, as the gateway builds one.</summary>
    public static RecordValidator Validator()
    {
        var (schema, mapping) = ParsedSchema();
        return RecordValidator.For(schema, mapping);
    }

    /// <summary>Writes the JSON array of rows <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> - 1 (a bare object when <paramref name="bareObject"/>).</summary>
    /// <param name="symbols">Row i gets symbol <c>S(i mod symbols)</c>: the first <paramref name="symbols"/> of the <see cref="SymbolCount"/> keys (the rules group cycles over fewer).</param>
    public static void WriteJsonBody(ArrayBufferWriter<byte> output, long first, int count, bool bareObject = false, int symbols = SymbolCount)
    {
        output.ResetWrittenCount();
        if (!bareObject) Put(output, "["u8);
        for (var k = 0; k < count; k++)
        {
            if (k > 0) Put(output, ","u8);
            WriteJsonRecord(output, first + k, symbols);
        }
        if (!bareObject) Put(output, "]"u8);
    }

    /// <summary>One record as a JSON object: <c>{"symbol":"S0042","date":"2020-01-01T00:00:00.042Z","price":100.42,"size":43,"bid":100.41,"ask":100.43}</c>.</summary>
    public static void WriteJsonRecord(IBufferWriter<byte> output, long i, int symbols = SymbolCount)
    {
        var span = output.GetSpan(160);
        var n = 0;
        n += Copy("{\"symbol\":\""u8, span[n..]);
        n += Copy(Symbols[i % symbols], span[n..]);
        n += Copy("\",\"date\":\""u8, span[n..]);
        n += Date(i, span[n..]);
        n += Copy("\",\"price\":"u8, span[n..]);
        var cents = Cents(i);
        n += WriteCents(cents, span[n..]);
        n += Copy(",\"size\":"u8, span[n..]);
        n += Int(Size(i), span[n..]);
        n += Copy(",\"bid\":"u8, span[n..]);
        n += WriteCents(cents - 1, span[n..]);
        n += Copy(",\"ask\":"u8, span[n..]);
        n += WriteCents(cents + 1, span[n..]);
        span[n++] = (byte)'}';
        output.Advance(n);
    }

    /// <summary>One CSV line (with its newline) under <see cref="Header"/>.</summary>
    public static void WriteCsvLine(IBufferWriter<byte> output, long i)
    {
        var span = output.GetSpan(128);
        var n = 0;
        n += Copy(Symbols[i % SymbolCount], span[n..]);
        span[n++] = (byte)',';
        n += Date(i, span[n..]);
        span[n++] = (byte)',';
        var cents = Cents(i);
        n += WriteCents(cents, span[n..]);
        span[n++] = (byte)',';
        n += Int(Size(i), span[n..]);
        span[n++] = (byte)',';
        n += WriteCents(cents - 1, span[n..]);
        span[n++] = (byte)',';
        n += WriteCents(cents + 1, span[n..]);
        span[n++] = (byte)'\n';
        output.Advance(n);
    }

    /// <summary>Writes a file of <paramref name="rows"/> rows as CSV (with header) or NDJSON, streamed in 1 MB pieces.</summary>
    public static long WriteFile(string path, long rows, bool csv)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        if (csv)
        {
            Put(buffer, Encoding.ASCII.GetBytes(Header + "\n"));
        }
        for (long i = 0; i < rows; i++)
        {
            if (csv)
            {
                WriteCsvLine(buffer, i);
            }
            else
            {
                WriteJsonRecord(buffer, i);
                Put(buffer, "\n"u8);
            }
            if (buffer.WrittenCount > (1 << 20) - 512)
            {
                file.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }
        file.Write(buffer.WrittenSpan);
        return file.Length;
    }

    /// <summary>The first <paramref name="lines"/> lines of a file, for the report.</summary>
    public static string Head(string path, int lines)
    {
        using var reader = new StreamReader(path);
        var sb = new StringBuilder();
        for (var k = 0; k < lines && reader.ReadLine() is { } line; k++) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>The body of a request of <paramref name="count"/> records as text (for examples in the report); one record is sent as a bare object.</summary>
    public static string JsonExample(long first, int count)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteJsonBody(buffer, first, count, bareObject: count == 1);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static long Cents(long i) => 10_000 + i % 9_973;

    private static long Size(long i) => 1 + i % 1_000;

    private static int Date(long i, Span<byte> destination)
    {
        var date = DateTimeOffset.FromUnixTimeMilliseconds(BaseMs + i).UtcDateTime;
        if (!date.TryFormat(destination, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
            throw new InvalidOperationException("date buffer too small");
        return written;
    }

    private static int WriteCents(long cents, Span<byte> destination)
    {
        var n = Int(cents / 100, destination);
        destination[n++] = (byte)'.';
        var rest = cents % 100;
        destination[n++] = (byte)('0' + rest / 10);
        destination[n++] = (byte)('0' + rest % 10);
        return n;
    }

    private static int Int(long value, Span<byte> destination)
    {
        if (!Utf8Formatter.TryFormat(value, destination, out var written)) throw new InvalidOperationException("number buffer too small");
        return written;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static void Put(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
