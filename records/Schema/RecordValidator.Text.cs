using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>Text records: the fields of a CSV row, bound to the schema through a header.</summary>
public sealed partial class RecordValidator
{
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
}
