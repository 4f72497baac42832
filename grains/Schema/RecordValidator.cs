using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>Size limits applied to each record.</summary>
/// <param name="MaxRecordBytes">The largest record, in UTF-8 bytes of its JSON as written.</param>
/// <param name="MaxIndexBytes">The largest key or subkey value, in UTF-8 bytes.</param>
public sealed record RecordLimits(int MaxRecordBytes = RecordLimits.DefaultMaxRecordBytes, int MaxIndexBytes = RecordLimits.DefaultMaxIndexBytes)
{
    /// <summary>64 KB, the documented record limit.</summary>
    public const int DefaultMaxRecordBytes = 65_536;

    /// <summary>1,500 bytes, the documented limit of an indexed value.</summary>
    public const int DefaultMaxIndexBytes = 1_500;

    /// <summary>The documented limits.</summary>
    public static RecordLimits Default { get; } = new();
}

/// <summary>
/// The result of validating a write body: either a batch ready for the dataset grain, or every problem found.
/// </summary>
/// <param name="Batch">
/// The records in store form when every record is valid, else null. <see cref="RecordBatch.Duplicates"/> is a
/// placeholder (<see cref="DuplicateKeyHandling.Ignore"/>); the caller sets it with <c>with</c>.
/// </param>
/// <param name="Errors">Every problem, in record order; empty when valid.</param>
/// <param name="HasSizeError">True when any problem is a size limit (the gateway answers 413 rather than 400).</param>
/// <param name="HasUnknownProperty">
/// True when any problem is an undeclared property: a caller validating against a cached schema may refresh it
/// (the schema may have grown) and validate again.
/// </param>
public sealed record ValidationOutcome(RecordBatch? Batch, IReadOnlyList<FieldError> Errors, bool HasSizeError, bool HasUnknownProperty = false)
{
    /// <summary>Errors listed in an exception message; the rest are counted (all stay in <see cref="ApperateException.Errors"/>).</summary>
    private const int MessageErrorLimit = 20;

    /// <summary>True when every record is valid and <see cref="Batch"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Batch))]
    public bool IsValid => Batch is not null;

    /// <summary>The exception that rejects the whole request: <see cref="ErrorKind.TooLarge"/> when a size limit was hit, else <see cref="ErrorKind.Invalid"/>.</summary>
    public ApperateException ToException()
    {
        var sb = new StringBuilder();
        var bad = 0;
        int? last = -1;
        foreach (var e in Errors)
            if (e.Index != last) { bad++; last = e.Index; }
        sb.Append(bad == 1 ? "the request was rejected: " : $"the request was rejected ({bad} invalid records): ");
        for (var i = 0; i < Errors.Count && i < MessageErrorLimit; i++)
        {
            if (i > 0) sb.Append("; ");
            sb.Append(Errors[i]);
        }
        if (Errors.Count > MessageErrorLimit) sb.Append($"; and {Errors.Count - MessageErrorLimit} more");
        return new ApperateException(HasSizeError ? ErrorKind.TooLarge : ErrorKind.Invalid, sb.ToString(), Errors);
    }
}

/// <summary>
/// Validates write bodies against one dataset schema and turns them into <see cref="RecordBatch"/> rows.
/// </summary>
/// <remarks>
/// <para>This is the write hot path. An instance precomputes a case-insensitive property index once per
/// schema and is immutable and thread-safe, so callers cache it per schema version
/// (<see cref="For"/>). Each record is read in one pass; property names are matched without allocating
/// (the raw UTF-8 name is widened onto the stack and looked up through a span-keyed alternate lookup).</para>
/// <para>Rules: each record is a JSON object; every property name passes <see cref="Names.Check"/>; property
/// names match the schema ignoring case and a record may not name one property twice; an undeclared property is
/// an error unless the schema allows additional properties (then it is kept, as written, in
/// <see cref="RecordRow.Extra"/>); required and index properties must be present and non-null; values must match
/// their types (an integer may be written <c>5.0</c> but not <c>5.5</c> or beyond 64 bits; a number must be
/// finite; a date is <c>YYYY-MM-DD</c>; a date-time is ISO 8601). A record is at most
/// <see cref="RecordLimits.MaxRecordBytes"/> as written; a key or subkey at most
/// <see cref="RecordLimits.MaxIndexBytes"/> in UTF-8. A JSON record must be valid UTF-8, and its names and string
/// values must not hold escaped lone surrogates.</para>
/// <para>Every rule is written once, generic over what a validation produces: <c>Validate…</c> methods build rows,
/// <c>Check…</c> methods report the same errors without building anything (for a pass that only needs the verdict).</para>
/// </remarks>
public sealed class RecordValidator
{
    /// <summary>Schemas up to this many properties track per-record state on the stack.</summary>
    private const int StackPropertyLimit = 256;

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    private readonly PropertyDefinition[] _properties;
    private readonly string[] _columns;
    private readonly Dictionary<string, int> _byName;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _byNameSpan;
    private readonly bool[] _mustBePresent;
    private readonly int _key;
    private readonly int _subkey;
    private readonly int _date;

    private RecordValidator(DatasetSchema schema, ColumnMapping mapping)
    {
        Schema = schema;
        Mapping = mapping;
        _properties = schema.Properties;
        _columns = new string[_properties.Length];
        _byName = new Dictionary<string, int>(_properties.Length, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _properties.Length; i++)
        {
            _columns[i] = _properties[i].Name;
            if (!_byName.TryAdd(_properties[i].Name, i))
                throw new ArgumentException($"schema declares '{_properties[i].Name}' twice", nameof(schema));
        }
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();

        _key = IndexOf(mapping.Key, "key");
        _subkey = mapping.Subkey is null ? -1 : IndexOf(mapping.Subkey, "subkey");
        _date = mapping.Date is null ? -1 : IndexOf(mapping.Date, "date");

        _mustBePresent = new bool[_properties.Length];
        foreach (var r in schema.Required)
            if (_byName.TryGetValue(r, out var i)) _mustBePresent[i] = true;
        _mustBePresent[_key] = true;
        if (_subkey >= 0) _mustBePresent[_subkey] = true;
        if (_date >= 0) _mustBePresent[_date] = true;
    }

    /// <summary>The schema this validator checks against.</summary>
    public DatasetSchema Schema { get; }

    /// <summary>The column mapping this validator indexes by.</summary>
    public ColumnMapping Mapping { get; }

    /// <summary>Builds a reusable validator for a schema and mapping; cache it for as long as the schema does not change.</summary>
    /// <exception cref="ArgumentException">The mapping names an undeclared property (the schema was not built by <see cref="SchemaJson.Parse"/>).</exception>
    public static RecordValidator For(DatasetSchema schema, ColumnMapping mapping) => new(schema, mapping);

    /// <summary>One-shot validation; prefer a cached <see cref="For"/> instance on hot paths.</summary>
    public static ValidationOutcome Validate(JsonElement body, DatasetSchema schema, ColumnMapping mapping, long nowMs, RecordLimits limits)
        => For(schema, mapping).Validate(body, nowMs, limits);

    /// <summary>
    /// Validates a write body: a JSON array of record objects, or one record object.
    /// </summary>
    /// <param name="body">The request body.</param>
    /// <param name="nowMs">The write time, epoch ms: the date of every record when the dataset has no date property.</param>
    /// <param name="limits">Size limits.</param>
    public ValidationOutcome Validate(JsonElement body, long nowMs, RecordLimits limits)
    {
        var errors = new List<FieldError>();
        RecordRow[] rows;
        var problems = Problems.None;
        if (body.ValueKind == JsonValueKind.Object)
        {
            ValidateRecord<BuildRow>(body, 0, nowMs, limits, errors, ref problems, out var row);
            rows = row is null ? [] : [row];
        }
        else if (body.ValueKind == JsonValueKind.Array)
        {
            var count = body.GetArrayLength();
            if (count == 0) return new ValidationOutcome(null, [new FieldError(null, null, "no records")], false);
            rows = new RecordRow[count];
            var i = 0;
            foreach (var record in body.EnumerateArray())
            {
                if (ValidateRecord<BuildRow>(record, i, nowMs, limits, errors, ref problems, out var row)) rows[i] = row!;
                i++;
            }
        }
        else
        {
            return new ValidationOutcome(null, [new FieldError(null, null, "the body must be a JSON array of record objects or one record object")], false);
        }

        return errors.Count > 0
            ? new ValidationOutcome(null, errors, (problems & Problems.Size) != 0, (problems & Problems.UnknownProperty) != 0)
            // A fresh Columns array per batch: batches travel on and must not share mutable state.
            : new ValidationOutcome(new RecordBatch((string[])_columns.Clone(), rows, DuplicateKeyHandling.Ignore), [], false);
    }

    /// <summary>
    /// Validates one record. For callers that skip bad records (batch jobs) rather than reject the request.
    /// </summary>
    /// <param name="record">The record; anything but a JSON object is an error.</param>
    /// <param name="index">The record index reported in errors.</param>
    /// <param name="nowMs">The date used when the dataset has no date property.</param>
    /// <param name="limits">Size limits.</param>
    /// <param name="errors">Problems are appended here.</param>
    /// <param name="sizeError">True when a size limit was hit.</param>
    /// <returns>The row aligned with the schema's properties, or null when the record is invalid (then errors were added).</returns>
    public RecordRow? ValidateRecord(JsonElement record, int index, long nowMs, RecordLimits limits, List<FieldError> errors, out bool sizeError)
    {
        var problems = Problems.None;
        ValidateRecord<BuildRow>(record, index, nowMs, limits, errors, ref problems, out var row);
        sizeError = (problems & Problems.Size) != 0;
        return row;
    }

    /// <summary>
    /// Checks one record exactly as <see cref="ValidateRecord(JsonElement, int, long, RecordLimits, List{FieldError}, out bool)"/>
    /// does (the same rules, the same errors) without building its row.
    /// </summary>
    /// <remarks>For a pass that only needs the verdict, such as a batch load's validating pass: valid records allocate nothing.</remarks>
    /// <returns>True when the record is valid; else false and errors were added.</returns>
    public bool CheckRecord(JsonElement record, int index, RecordLimits limits, List<FieldError> errors, out bool sizeError)
    {
        var problems = Problems.None;
        var valid = ValidateRecord<VerdictOnly>(record, index, 0, limits, errors, ref problems, out _);
        sizeError = (problems & Problems.Size) != 0;
        return valid;
    }

    /// <summary>Kinds of problems the caller reacts to differently.</summary>
    [Flags]
    private enum Problems
    {
        None = 0,
        Size = 1,
        UnknownProperty = 2,
    }

    /// <summary>
    /// What a validation produces besides its verdict: the rules are written once, generic over this, and the
    /// JIT compiles one copy per output with the other's work removed.
    /// </summary>
    private interface IOutput
    {
        /// <summary>True to build the row (values, key, extra properties); false for the verdict and errors only.</summary>
        static abstract bool BuildsRow { get; }
    }

    private readonly struct BuildRow : IOutput
    {
        public static bool BuildsRow => true;
    }

    private readonly struct VerdictOnly : IOutput
    {
        public static bool BuildsRow => false;
    }

    private bool ValidateRecord<TOutput>(JsonElement record, int index, long nowMs, RecordLimits limits, List<FieldError> errors, ref Problems problems,
        out RecordRow? row)
        where TOutput : struct, IOutput
    {
        row = null;
        if (record.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(index, null, $"a record must be a JSON object, not {Describe(record.ValueKind)}"));
            return false;
        }

        var raw = JsonMarshal.GetRawUtf8Value(record);
        if (raw.Length > limits.MaxRecordBytes)
        {
            // Not validated further: the record is rejected anyway, and its size is the first thing to fix.
            errors.Add(new FieldError(index, null, $"the record is {raw.Length} bytes, over the limit of {limits.MaxRecordBytes} bytes"));
            problems |= Problems.Size;
            return false;
        }
        // The JSON reader does not check the bytes inside strings; text is decoded (or kept as written) only below.
        if (!Utf8.IsValid(raw))
        {
            errors.Add(new FieldError(index, null, "the record is not valid UTF-8"));
            return false;
        }

        var errorsBefore = errors.Count;
        var n = _properties.Length;
        var values = TOutput.BuildsRow ? new object?[n] : null;
        Span<bool> seen = n <= StackPropertyLimit ? stackalloc bool[n] : new bool[n];
        seen.Clear();
        Span<char> nameBuffer = stackalloc char[64];
        Span<char> textBuffer = stackalloc char[TextBufferChars];
        var next = 0;
        string? key = null, subkey = null;
        var date = nowMs;
        ArrayBufferWriter<byte>? extraBuffer = null;
        Utf8JsonWriter? extraWriter = null;
        HashSet<string>? extraNames = null;

        try
        {
            foreach (var prop in record.EnumerateObject())
            {
                int idx;
                scoped ReadOnlySpan<char> name;
                var rawName = JsonMarshal.GetRawUtf8PropertyName(prop);
                if (IsPlainName(rawName))
                {
                    // Common case: a valid unescaped ASCII name; no string is made for it.
                    var chars = nameBuffer[..rawName.Length];
                    for (var i = 0; i < rawName.Length; i++) chars[i] = (char)rawName[i];
                    if (chars.StartsWith(Names.ReservedPrefix, StringComparison.OrdinalIgnoreCase))
                    {
                        var s = chars.ToString();
                        errors.Add(new FieldError(index, s, "invalid property name: " + Names.Check(s)));
                        continue;
                    }
                    name = chars;
                    // Records usually list properties in schema order: try the one after the last match before hashing.
                    if (next < n && chars.Equals(_columns[next], StringComparison.OrdinalIgnoreCase)) idx = next;
                    else if (!_byNameSpan.TryGetValue(chars, out idx)) idx = -1;
                }
                else
                {
                    // Escaped, too long or with other characters: decode and let the shared rule say why.
                    if (DecodeName(prop) is not { } s)
                    {
                        errors.Add(new FieldError(index, null, "a property name is not valid Unicode (it holds an escaped lone surrogate)"));
                        continue;
                    }
                    if (Names.Check(s) is { } reason)
                    {
                        errors.Add(new FieldError(index, s, "invalid property name: " + reason));
                        continue;
                    }
                    name = s;
                    if (!_byName.TryGetValue(s, out idx)) idx = -1;
                }

                if (idx < 0)
                {
                    if (!Schema.AdditionalProperties)
                    {
                        errors.Add(new FieldError(index, name.ToString(), "unknown property (the dataset does not allow additional properties)"));
                        problems |= Problems.UnknownProperty;
                        continue;
                    }
                    var extraName = name.ToString();
                    extraNames ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    if (!extraNames.Add(extraName))
                    {
                        errors.Add(new FieldError(index, extraName, "the property appears more than once (property names are case-insensitive)"));
                        continue;
                    }
                    if (TOutput.BuildsRow)
                    {
                        if (extraWriter is null)
                        {
                            extraBuffer = new ArrayBufferWriter<byte>(256);
                            extraWriter = new Utf8JsonWriter(extraBuffer);
                            extraWriter.WriteStartObject();
                        }
                        extraWriter.WritePropertyName(extraName);
                        // The value exactly as written: it came from a parsed document, so it needs no re-validation.
                        extraWriter.WriteRawValue(JsonMarshal.GetRawUtf8Value(prop.Value), skipInputValidation: true);
                    }
                    continue;
                }

                next = idx + 1;
                if (seen[idx])
                {
                    errors.Add(new FieldError(index, name.ToString(), "the property appears more than once (property names are case-insensitive)"));
                    continue;
                }
                seen[idx] = true;

                var value = prop.Value;
                if (value.ValueKind == JsonValueKind.Null)
                {
                    if (_mustBePresent[idx]) errors.Add(new FieldError(index, name.ToString(), "must not be null"));
                    continue;
                }

                var type = _properties[idx].Type;
                if (!TryConvert<TOutput>(value, type, textBuffer, out var converted, out var number))
                {
                    errors.Add(new FieldError(index, name.ToString(), TypeError(value, type)));
                    continue;
                }
                if (TOutput.BuildsRow) values![idx] = converted;
                if (idx == _key || idx == _subkey)
                {
                    if (!AcceptIndexSize(idx, value.ValueKind == JsonValueKind.String ? StringBytes(value) : IntegerBytes(number), name, index, limits, errors, ref problems))
                        continue;
                    if (TOutput.BuildsRow) SetKey(idx, converted, number, ref key, ref subkey);
                }
                else if (idx == _date)
                {
                    date = number;
                }
            }

            for (var i = 0; i < n; i++)
                if (_mustBePresent[i] && !seen[i])
                    errors.Add(new FieldError(index, _properties[i].Name, "the property is required"));

            if (errors.Count > errorsBefore) return false;

            if (TOutput.BuildsRow) row = new RecordRow(key!, subkey ?? "", date, values!, FinishExtra(extraWriter, extraBuffer));
            return true;
        }
        finally
        {
            extraWriter?.Dispose();
        }
    }

    /// <summary>Chars of string text a check decodes on the stack (longer text is decoded into a string).</summary>
    private const int TextBufferChars = 64;

    /// <summary>
    /// Converts a non-null JSON value to its store form (only when <typeparamref name="TOutput"/> builds rows; the
    /// checks are the same either way). <paramref name="number"/> carries the integer value or, for dates, the epoch
    /// ms, so index handling needs no second parse.
    /// </summary>
    private static bool TryConvert<TOutput>(JsonElement value, PropertyType type, Span<char> textBuffer, out object? result, out long number)
        where TOutput : struct, IOutput
    {
        number = 0;
        result = null;
        var kind = value.ValueKind;
        switch (type)
        {
            case PropertyType.String:
                if (kind != JsonValueKind.String) return false;
                // Unescaped text was checked as UTF-8 with the record, so only escapes can fail to decode.
                if (TOutput.BuildsRow || HasEscapes(value))
                {
                    if (DecodeString(value) is not { } s) return false;
                    result = s;
                }
                return true;
            case PropertyType.Integer:
                if (kind != JsonValueKind.Number || !TryGetIntegral(value, out number)) return false;
                if (TOutput.BuildsRow) result = number;
                return true;
            case PropertyType.Number:
                // TryGetDouble accepts 1e400 as infinity; infinities cannot be stored or returned as JSON.
                if (kind != JsonValueKind.Number || !value.TryGetDouble(out var d) || !double.IsFinite(d)) return false;
                if (TOutput.BuildsRow) result = d;
                return true;
            case PropertyType.Boolean:
                if (kind == JsonValueKind.True) result = BoxedTrue;
                else if (kind == JsonValueKind.False) result = BoxedFalse;
                else return false;
                return true;
            case PropertyType.Date:
            case PropertyType.DateTime:
                {
                    if (kind != JsonValueKind.String) return false;
                    string? s = null;
                    if (TOutput.BuildsRow || !TryAsciiText(value, textBuffer, out var text))
                    {
                        if ((s = DecodeString(value)) is null) return false;
                        text = s;
                    }
                    if (!(type == PropertyType.Date ? DateValues.TryParseDate(text, out number) : DateValues.TryParseDateTime(text, out number))) return false;
                    if (TOutput.BuildsRow) result = s;
                    return true;
                }
            case PropertyType.Object:
                if (kind != JsonValueKind.Object) return false;
                if (TOutput.BuildsRow) result = value.GetRawText();
                return true;
            case PropertyType.Array:
                if (kind != JsonValueKind.Array) return false;
                if (TOutput.BuildsRow) result = value.GetRawText();
                return true;
            default:
                if (TOutput.BuildsRow) result = value.GetRawText();
                return true;
        }
    }

    /// <summary>True when the JSON string value is written with escapes (its raw text holds a backslash).</summary>
    private static bool HasEscapes(JsonElement value) => JsonMarshal.GetRawUtf8Value(value).IndexOf((byte)'\\') >= 0;

    /// <summary>
    /// The text of an unescaped ASCII JSON string value widened into <paramref name="buffer"/>; false when it is
    /// escaped, not ASCII or longer than the buffer (then decode it as a string).
    /// </summary>
    private static bool TryAsciiText(JsonElement value, Span<char> buffer, out ReadOnlySpan<char> text)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var inner = raw[1..^1];
        if (inner.Length <= buffer.Length && inner.IndexOf((byte)'\\') < 0 && Ascii.ToUtf16(inner, buffer, out var written) == OperationStatus.Done)
        {
            text = buffer[..written];
            return true;
        }
        text = default;
        return false;
    }

    /// <summary>A string value's text, or null when its escapes do not decode to valid Unicode (a lone surrogate such as <c>\ud800</c>).</summary>
    private static string? DecodeString(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A property's name, or null when its escapes do not decode to valid Unicode.</summary>
    private static string? DecodeName(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The UTF-8 length of a string value's text: its raw length when unescaped (the record was checked as UTF-8).</summary>
    private static int StringBytes(JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        return raw.IndexOf((byte)'\\') < 0 ? raw.Length - 2 : Encoding.UTF8.GetByteCount(value.GetString()!);
    }

    /// <summary>The length of an integer's decimal text, as an index value is stored.</summary>
    private static int IntegerBytes(long number)
    {
        Span<char> digits = stackalloc char[20];
        number.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>
    /// Reads an integral number in the 64-bit range, also when written as <c>5.0</c> or <c>1e3</c>; rejects
    /// <c>5.5</c> and <c>1e30</c>.
    /// </summary>
    internal static bool TryGetIntegral(JsonElement value, out long result)
    {
        if (value.TryGetInt64(out result)) return true;
        // decimal holds every long exactly and anything it cannot hold (1e30) is outside the long range anyway.
        // It rounds beyond 28 digits, so a plain fraction must be all zeros to be sure nothing was rounded away.
        if (value.TryGetDecimal(out var m) && m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue
            && !HasNonZeroPlainFraction(JsonMarshal.GetRawUtf8Value(value)))
        {
            result = (long)m;
            return true;
        }
        result = 0;
        return false;
    }

    private static bool HasNonZeroPlainFraction(ReadOnlySpan<byte> number)
    {
        if (number.IndexOfAny((byte)'e', (byte)'E') >= 0) return false;
        var dot = number.IndexOf((byte)'.');
        if (dot < 0) return false;
        foreach (var b in number[(dot + 1)..])
            if (b != (byte)'0') return true;
        return false;
    }

    /// <summary>True for 1–64 bytes of <c>[A-Za-z0-9_]</c>: a valid name that needs no decoding (the reserved prefix is checked separately).</summary>
    private static bool IsPlainName(ReadOnlySpan<byte> raw)
    {
        if (raw.Length is 0 or > 64) return false;
        foreach (var b in raw)
            if (!((uint)(b - 'a') <= 'z' - 'a' || (uint)(b - 'A') <= 'Z' - 'A' || (uint)(b - '0') <= 9 || b == '_'))
                return false;
        return true;
    }

    private static string TypeError(JsonElement value, PropertyType type)
    {
        var kind = value.ValueKind;
        if (kind == JsonValueKind.String && type is PropertyType.String or PropertyType.Date or PropertyType.DateTime && DecodeString(value) is null)
            return "the string is not valid Unicode (it holds an escaped lone surrogate)";
        return type switch
        {
            PropertyType.Integer when kind == JsonValueKind.Number => $"expected an integer (a whole number within the 64-bit range), got {value.GetRawText()}",
            PropertyType.Number when kind == JsonValueKind.Number => $"the number {value.GetRawText()} is out of range",
            PropertyType.Date when kind == JsonValueKind.String => $"expected a date as YYYY-MM-DD, got \"{value.GetString()}\"",
            PropertyType.DateTime when kind == JsonValueKind.String => $"expected an ISO 8601 date-time, got \"{value.GetString()}\"",
            PropertyType.Boolean => $"expected true or false, got {Describe(kind)}",
            _ => $"expected {Article(type)}, got {Describe(kind)}",
        };
    }

    private static string Article(PropertyType type) => type switch
    {
        PropertyType.String => "a string",
        PropertyType.Number => "a number",
        PropertyType.Integer => "an integer",
        PropertyType.Object => "an object",
        PropertyType.Array => "an array",
        PropertyType.Date => "a date string (YYYY-MM-DD)",
        PropertyType.DateTime => "a date-time string (ISO 8601)",
        _ => "a value",
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>
    /// Checks the size limit of a key or subkey value, given the UTF-8 length of its stored text. The one place
    /// index rules live, for JSON records and text fields alike.
    /// </summary>
    /// <returns>False when the value is too large (an error was added).</returns>
    private bool AcceptIndexSize(int idx, int bytes, ReadOnlySpan<char> name, int index, RecordLimits limits, List<FieldError> errors, ref Problems problems)
    {
        if (bytes <= limits.MaxIndexBytes) return true;
        errors.Add(new FieldError(index, name.ToString(), $"the {(idx == _key ? "key" : "subkey")} is {bytes} bytes, over the limit of {limits.MaxIndexBytes} bytes"));
        problems |= Problems.Size;
        return false;
    }

    /// <summary>Keeps the stored text of a key or subkey: a string as is, an integer in decimal.</summary>
    private void SetKey(int idx, object? converted, long number, ref string? key, ref string? subkey)
    {
        var text = converted as string ?? number.ToString(CultureInfo.InvariantCulture);
        if (idx == _key) key = text;
        else subkey = text;
    }

    /// <summary>
    /// Binds the column names of a text header (a CSV header row) to this schema, for <see cref="ValidateFields"/>.
    /// </summary>
    /// <remarks>
    /// Names are trimmed and matched ignoring case. A column naming an undeclared property is kept in
    /// <see cref="RecordRow.Extra"/> (as a string) when the schema allows additional properties; otherwise the header
    /// is rejected, as it is for an invalid or repeated name and for a missing required or index column: every
    /// row would fail the same way, so the whole load fails before any row is read.
    /// </remarks>
    /// <exception cref="ApperateException"><see cref="ErrorKind.Invalid"/>, naming the field <c>header</c>, listing every problem.</exception>
    public TextColumns BindColumns(IReadOnlyList<string> header)
    {
        var names = new string[header.Count];
        var targets = new int[header.Count];
        var bound = new bool[_properties.Length];
        HashSet<string>? extras = null;
        List<FieldError>? problems = null;

        void Problem(string reason) => (problems ??= []).Add(new FieldError(null, "header", reason));

        for (var c = 0; c < header.Count; c++)
        {
            var name = names[c] = header[c].Trim();
            targets[c] = -1;
            if (Names.Check(name) is { } invalid)
            {
                Problem($"column {c + 1} '{Shorten(name)}' is not a valid property name: {invalid}");
                continue;
            }
            if (_byName.TryGetValue(name, out var idx))
            {
                if (bound[idx]) Problem($"the column '{name}' appears more than once (column names are case-insensitive)");
                bound[idx] = true;
                targets[c] = idx;
            }
            else if (!Schema.AdditionalProperties)
            {
                Problem($"unknown column '{name}' (the dataset does not allow additional properties)");
            }
            else if (!(extras ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(name))
            {
                Problem($"the column '{name}' appears more than once (column names are case-insensitive)");
            }
        }
        for (var i = 0; i < _properties.Length; i++)
            if (_mustBePresent[i] && !bound[i])
                Problem($"the required column '{_properties[i].Name}' is missing");

        if (problems is not null)
            throw new ApperateException(ErrorKind.Invalid, "header: " + string.Join("; ", problems.Select(p => p.Reason)), problems);
        return new TextColumns(names, targets);
    }

    /// <summary>
    /// Validates one record given as text fields (a CSV row) and turns it into a row aligned with the schema's
    /// properties, with the same rules as JSON records: types, required and index properties, index sizes.
    /// </summary>
    /// <remarks>
    /// Conversion by property type: a string is the text as is (an empty field is <c>""</c>); an integer is a
    /// whole number in the 64-bit range (invariant, no thousands separators; <c>5.0</c> and <c>1e3</c> allowed as
    /// in JSON); a number is a finite double (invariant); a boolean is <c>true</c>/<c>false</c> (any case) or
    /// <c>1</c>/<c>0</c>; a date or date-time is checked as in JSON; an object or array field must be JSON text of
    /// that kind; an any field is kept as JSON text when it parses as JSON, else as a JSON string. Surrounding
    /// whitespace is ignored for all but strings. An empty field in a non-string column is null (an error for a
    /// required or index column). The caller checks the record size.
    /// </remarks>
    /// <param name="columns">The header binding from <see cref="BindColumns"/>.</param>
    /// <param name="text">The decoded field text.</param>
    /// <param name="fields">Where each field lies in <paramref name="text"/>, in header order.</param>
    /// <param name="index">The record index reported in errors.</param>
    /// <param name="nowMs">The date used when the dataset has no date property.</param>
    /// <param name="limits">Size limits (index sizes).</param>
    /// <param name="errors">Problems are appended here.</param>
    /// <param name="sizeError">True when a size limit was hit.</param>
    /// <returns>The row, or null when the record is invalid (then errors were added).</returns>
    public RecordRow? ValidateFields(TextColumns columns, ReadOnlySpan<char> text, ReadOnlySpan<Range> fields, int index, long nowMs,
        RecordLimits limits, List<FieldError> errors, out bool sizeError)
    {
        ValidateFields<BuildRow>(columns, text, fields, index, nowMs, limits, errors, out sizeError, out var row);
        return row;
    }

    /// <summary>
    /// Checks one record of text fields exactly as <see cref="ValidateFields(TextColumns, ReadOnlySpan{char}, ReadOnlySpan{Range}, int, long, RecordLimits, List{FieldError}, out bool)"/>
    /// does (the same rules, the same errors) without building its row.
    /// </summary>
    /// <remarks>For a pass that only needs the verdict, such as a batch load's validating pass: valid records allocate nothing.</remarks>
    /// <returns>True when the record is valid; else false and errors were added.</returns>
    public bool CheckFields(TextColumns columns, ReadOnlySpan<char> text, ReadOnlySpan<Range> fields, int index, RecordLimits limits,
        List<FieldError> errors, out bool sizeError) =>
        ValidateFields<VerdictOnly>(columns, text, fields, index, 0, limits, errors, out sizeError, out _);

    private bool ValidateFields<TOutput>(TextColumns columns, ReadOnlySpan<char> text, ReadOnlySpan<Range> fields, int index, long nowMs,
        RecordLimits limits, List<FieldError> errors, out bool sizeError, out RecordRow? row)
        where TOutput : struct, IOutput
    {
        sizeError = false;
        row = null;
        if (fields.Length != columns.Count)
        {
            errors.Add(new FieldError(index, null, $"expected {columns.Count} fields, found {fields.Length}"));
            return false;
        }

        var problems = Problems.None;
        var errorsBefore = errors.Count;
        var values = TOutput.BuildsRow ? new object?[_properties.Length] : null;
        string? key = null, subkey = null;
        var date = nowMs;
        var targets = columns.Targets;
        ArrayBufferWriter<byte>? extraBuffer = null;
        Utf8JsonWriter? extraWriter = null;
        try
        {
            for (var c = 0; c < fields.Length; c++)
            {
                var field = text[fields[c]];
                var idx = targets[c];
                if (idx < 0)
                {
                    if (TOutput.BuildsRow)
                    {
                        if (extraWriter is null)
                        {
                            extraBuffer = new ArrayBufferWriter<byte>(256);
                            extraWriter = new Utf8JsonWriter(extraBuffer);
                            extraWriter.WriteStartObject();
                        }
                        extraWriter.WriteString(columns.NameArray[c], field);
                    }
                    continue;
                }

                var type = _properties[idx].Type;
                if (type != PropertyType.String)
                {
                    field = field.Trim();
                    if (field.IsEmpty)
                    {
                        if (_mustBePresent[idx]) errors.Add(new FieldError(index, columns.NameArray[c], "must not be empty"));
                        continue;
                    }
                }

                var conversion = TryConvertText<TOutput>(field, type, out var converted, out var number);
                if (conversion == TextConversion.Invalid)
                {
                    errors.Add(new FieldError(index, columns.NameArray[c], TextTypeError(field, type)));
                    continue;
                }
                if (conversion == TextConversion.Null)
                {
                    // JSON null in an any column: absent, as in a JSON record.
                    if (_mustBePresent[idx]) errors.Add(new FieldError(index, columns.NameArray[c], "must not be null"));
                    continue;
                }
                if (TOutput.BuildsRow) values![idx] = converted;
                if (idx == _key || idx == _subkey)
                {
                    var bytes = type == PropertyType.Integer ? IntegerBytes(number) : Encoding.UTF8.GetByteCount(field);
                    if (!AcceptIndexSize(idx, bytes, columns.NameArray[c], index, limits, errors, ref problems)) continue;
                    if (TOutput.BuildsRow) SetKey(idx, converted, number, ref key, ref subkey);
                }
                else if (idx == _date)
                {
                    date = number;
                }
            }

            sizeError = (problems & Problems.Size) != 0;
            if (errors.Count > errorsBefore) return false;

            if (TOutput.BuildsRow) row = new RecordRow(key!, subkey ?? "", date, values!, FinishExtra(extraWriter, extraBuffer));
            return true;
        }
        finally
        {
            extraWriter?.Dispose();
        }
    }

    /// <summary>Closes the object of undeclared properties and returns its text, or null when there were none.</summary>
    private static string? FinishExtra(Utf8JsonWriter? writer, ArrayBufferWriter<byte>? buffer)
    {
        if (writer is null) return null;
        writer.WriteEndObject();
        writer.Flush();
        return Encoding.UTF8.GetString(buffer!.WrittenSpan);
    }

    private const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign;
    private const NumberStyles FloatStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>What became of a text field.</summary>
    private enum TextConversion
    {
        /// <summary>The text does not fit the property type.</summary>
        Invalid,
        /// <summary>JSON <c>null</c> in an any column: the property is absent.</summary>
        Null,
        /// <summary>A value (in its store form when rows are built).</summary>
        Value,
    }

    /// <summary>
    /// Converts trimmed, non-empty field text (any text for strings) to its store form (only when
    /// <typeparamref name="TOutput"/> builds rows; the checks are the same either way); see <see cref="ValidateFields(TextColumns, ReadOnlySpan{char}, ReadOnlySpan{Range}, int, long, RecordLimits, List{FieldError}, out bool)"/>.
    /// </summary>
    private static TextConversion TryConvertText<TOutput>(ReadOnlySpan<char> s, PropertyType type, out object? result, out long number)
        where TOutput : struct, IOutput
    {
        number = 0;
        result = null;
        switch (type)
        {
            case PropertyType.String:
                if (TOutput.BuildsRow) result = s.IsEmpty ? "" : s.ToString();
                return TextConversion.Value;
            case PropertyType.Integer:
                if (!long.TryParse(s, IntegerStyle, CultureInfo.InvariantCulture, out number))
                {
                    // As in JSON: 5.0 and 1e3 are integers, 5.5 and 1e30 are not.
                    if (!decimal.TryParse(s, FloatStyle, CultureInfo.InvariantCulture, out var m) || m != decimal.Truncate(m)
                        || m < long.MinValue || m > long.MaxValue || HasNonZeroPlainFraction(s))
                        return TextConversion.Invalid;
                    number = (long)m;
                }
                if (TOutput.BuildsRow) result = number;
                return TextConversion.Value;
            case PropertyType.Number:
                // double.TryParse reads NaN, Infinity and 1e400 (as infinity); none can be stored.
                if (!double.TryParse(s, FloatStyle, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d)) return TextConversion.Invalid;
                if (TOutput.BuildsRow) result = d;
                return TextConversion.Value;
            case PropertyType.Boolean:
                if (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s is "1") result = BoxedTrue;
                else if (s.Equals("false", StringComparison.OrdinalIgnoreCase) || s is "0") result = BoxedFalse;
                else return TextConversion.Invalid;
                return TextConversion.Value;
            case PropertyType.Date:
                if (!DateValues.TryParseDate(s, out number)) return TextConversion.Invalid;
                if (TOutput.BuildsRow) result = s.ToString();
                return TextConversion.Value;
            case PropertyType.DateTime:
                if (!DateValues.TryParseDateTime(s, out number)) return TextConversion.Invalid;
                if (TOutput.BuildsRow) result = s.ToString();
                return TextConversion.Value;
            case PropertyType.Object:
                if (s[0] != '{' || JsonTextKind(s) != JsonValueKind.Object) return TextConversion.Invalid;
                if (TOutput.BuildsRow) result = s.ToString();
                return TextConversion.Value;
            case PropertyType.Array:
                if (s[0] != '[' || JsonTextKind(s) != JsonValueKind.Array) return TextConversion.Invalid;
                if (TOutput.BuildsRow) result = s.ToString();
                return TextConversion.Value;
            default:
                switch (JsonTextKind(s))
                {
                    case JsonValueKind.Undefined:
                        // Not JSON: the text as a JSON string.
                        if (TOutput.BuildsRow) result = string.Concat("\"", JsonEncodedText.Encode(s).Value, "\"");
                        return TextConversion.Value;
                    case JsonValueKind.Null:
                        return TextConversion.Null;
                    default:
                        if (TOutput.BuildsRow) result = s.ToString();
                        return TextConversion.Value;
                }
        }
    }

    /// <summary>The kind of the single JSON value <paramref name="text"/> holds, or <see cref="JsonValueKind.Undefined"/> when it is not JSON.</summary>
    private static JsonValueKind JsonTextKind(ReadOnlySpan<char> text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var bytes = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, bytes);
            var reader = new Utf8JsonReader(bytes[..length], isFinalBlock: true, state: default);
            if (!reader.Read()) return JsonValueKind.Undefined;
            var kind = reader.TokenType switch
            {
                JsonTokenType.StartObject => JsonValueKind.Object,
                JsonTokenType.StartArray => JsonValueKind.Array,
                JsonTokenType.String => JsonValueKind.String,
                JsonTokenType.Number => JsonValueKind.Number,
                JsonTokenType.True => JsonValueKind.True,
                JsonTokenType.False => JsonValueKind.False,
                JsonTokenType.Null => JsonValueKind.Null,
                _ => JsonValueKind.Undefined,
            };
            reader.Skip();
            return reader.Read() ? JsonValueKind.Undefined : kind;
        }
        catch (JsonException)
        {
            return JsonValueKind.Undefined;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool HasNonZeroPlainFraction(ReadOnlySpan<char> number)
    {
        if (number.IndexOfAny('e', 'E') >= 0) return false;
        var dot = number.IndexOf('.');
        if (dot < 0) return false;
        foreach (var c in number[(dot + 1)..])
            if (c != '0') return true;
        return false;
    }

    private static string TextTypeError(ReadOnlySpan<char> field, PropertyType type)
    {
        var shown = Shorten(field);
        return type switch
        {
            PropertyType.Integer => $"expected an integer (a whole number within the 64-bit range), got \"{shown}\"",
            PropertyType.Number => $"expected a finite number, got \"{shown}\"",
            PropertyType.Boolean => $"expected true or false (or 1 or 0), got \"{shown}\"",
            PropertyType.Date => $"expected a date as YYYY-MM-DD, got \"{shown}\"",
            PropertyType.DateTime => $"expected an ISO 8601 date-time, got \"{shown}\"",
            PropertyType.Object => $"expected a JSON object, got \"{shown}\"",
            PropertyType.Array => $"expected a JSON array, got \"{shown}\"",
            _ => $"expected {Article(type)}, got \"{shown}\"",
        };
    }

    /// <summary>Text quoted in an error message, cut to 100 characters.</summary>
    private static string Shorten(ReadOnlySpan<char> text) => text.Length <= 100 ? text.ToString() : string.Concat(text[..100], "…");

    private int IndexOf(string name, string role)
    {
        if (_byName.TryGetValue(name, out var i)) return i;
        throw new ArgumentException($"the column mapping's {role} '{name}' is not a declared property", "mapping");
    }
}

/// <summary>
/// How the columns of a text header (a CSV header row) map onto a schema: made by
/// <see cref="RecordValidator.BindColumns"/>, used by <see cref="RecordValidator.ValidateFields"/>.
/// </summary>
public sealed class TextColumns
{
    internal TextColumns(string[] names, int[] targets)
    {
        NameArray = names;
        Targets = targets;
    }

    /// <summary>The column names, trimmed, in header order.</summary>
    public IReadOnlyList<string> Names => NameArray;

    /// <summary>The number of columns: every row must have this many fields.</summary>
    public int Count => NameArray.Length;

    internal string[] NameArray { get; }

    /// <summary>Per column: the schema property index, or -1 for an additional property kept in <see cref="RecordRow.Extra"/>.</summary>
    internal int[] Targets { get; }
}
