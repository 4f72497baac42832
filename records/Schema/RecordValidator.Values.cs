using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>Converting and checking JSON values, and the index helpers both record forms share.</summary>
public sealed partial class RecordValidator
{
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
}
