using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

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
public sealed partial class RecordValidator
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

    private int IndexOf(string name, string role)
    {
        if (_byName.TryGetValue(name, out var i)) return i;
        throw new ArgumentException($"the column mapping's {role} '{name}' is not a declared property", "mapping");
    }
}
