using System.Globalization;

namespace Apperate.Actors.Common;

/// <summary>Parses the date forms the API accepts into epoch milliseconds (UTC).</summary>
/// <remarks>
/// <c>YYYY-MM-DD</c> is midnight UTC of that day. An ISO 8601 date-time without an offset is taken as UTC.
/// </remarks>
public static class DateValues
{
    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd HH:mmK",
    ];

    /// <summary>Parses <c>YYYY-MM-DD</c>.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> text, out long epochMs) =>
        TryParseDateFast(text, out epochMs) || TryParseDateExact(text, out epochMs);

    /// <summary>Parses an ISO 8601 date-time (with <c>T</c> or a space, optional fraction, optional offset or <c>Z</c>).</summary>
    public static bool TryParseDateTime(ReadOnlySpan<char> text, out long epochMs) =>
        TryParseDateTimeFast(text, out epochMs) || TryParseDateTimeExact(text, out epochMs);

    /// <summary>The general date parser: what <see cref="TryParseDate"/> accepts, by definition.</summary>
    internal static bool TryParseDateExact(ReadOnlySpan<char> text, out long epochMs)
    {
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            epochMs = ToEpochMs(d);
            return true;
        }
        epochMs = 0;
        return false;
    }

    /// <summary>The general date-time parser: what <see cref="TryParseDateTime"/> accepts, by definition.</summary>
    internal static bool TryParseDateTimeExact(ReadOnlySpan<char> text, out long epochMs)
    {
        if (text.Length >= 16 && DateTimeOffset.TryParseExact(text, DateTimeFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            epochMs = dto.ToUnixTimeMilliseconds();
            return true;
        }
        epochMs = 0;
        return false;
    }

    // The fast paths below read the common shapes directly: the general parsers cost about a microsecond each (format
    // matching through DateTimeFormatInfo), which made date parsing the largest cost of validating a batch load. A
    // fast path accepts only text the general parser accepts, with the same result; everything else, valid or not,
    // goes to the general parser.

    private const long UnixEpochMs = 62_135_596_800_000; // 0001-01-01 to 1970-01-01

    private static readonly int[] FractionScale = [1, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary><c>YYYY-MM-DD</c> of a valid day.</summary>
    private static bool TryParseDateFast(ReadOnlySpan<char> s, out long epochMs)
    {
        epochMs = 0;
        if (s.Length != 10 || s[4] != '-' || s[7] != '-' || !TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month)
            || !TryDigits(s.Slice(8, 2), out var day) || !IsDay(year, month, day))
            return false;
        epochMs = ToEpochMs(new DateOnly(year, month, day));
        return true;
    }

    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS</c> (or a space for <c>T</c>) of a valid time, then a fraction of 1 to 7 digits, then
    /// nothing, <c>Z</c> or <c>±HH:MM</c> within ±14:00, with the UTC instant within years 1 to 9999.
    /// </summary>
    private static bool TryParseDateTimeFast(ReadOnlySpan<char> s, out long epochMs)
    {
        epochMs = 0;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] is not ('T' or ' ') || s[13] != ':' || s[16] != ':'
            || !TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second)
            || !IsDay(year, month, day) || hour > 23 || minute > 59 || second > 59)
            return false;

        var pos = 19;
        long fraction = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            var first = ++pos;
            while (pos < s.Length && pos - first < 7 && IsDigit(s[pos])) fraction = fraction * 10 + (s[pos++] - '0');
            if (pos == first) return false;
            fraction *= FractionScale[pos - first];
        }

        long offsetTicks = 0;
        if (pos < s.Length && s[pos] == 'Z')
        {
            pos++;
        }
        else if (pos < s.Length && s[pos] is '+' or '-')
        {
            if (s.Length - pos != 6 || s[pos + 3] != ':' || !TryDigits(s.Slice(pos + 1, 2), out var offsetHours)
                || !TryDigits(s.Slice(pos + 4, 2), out var offsetMinutes) || offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60)
                return false;
            offsetTicks = (offsetHours * 60 + offsetMinutes) * TimeSpan.TicksPerMinute;
            if (s[pos] == '-') offsetTicks = -offsetTicks;
            pos += 6;
        }
        if (pos != s.Length) return false;

        var utcTicks = new DateTime(year, month, day, hour, minute, second).Ticks + fraction - offsetTicks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks) return false;
        epochMs = utcTicks / TimeSpan.TicksPerMillisecond - UnixEpochMs;
        return true;
    }

    private static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    /// <summary>Reads ASCII digits only (no sign, no spaces).</summary>
    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!IsDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static bool IsDay(int year, int month, int day) =>
        year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month);

    /// <summary>Parses either a date or a date-time.</summary>
    public static bool TryParseDateOrDateTime(ReadOnlySpan<char> text, out long epochMs, out bool isDateOnly)
    {
        isDateOnly = TryParseDate(text, out epochMs);
        return isDateOnly || TryParseDateTime(text, out epochMs);
    }

    private static readonly long MinEpochMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxEpochMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>
    /// Parses an inclusive range bound (<c>from</c>/<c>to</c>): <c>YYYY-MM-DD</c> (with <paramref name="endOfDay"/>,
    /// the last millisecond of that day), an ISO date-time, or epoch ms within what a date can represent.
    /// </summary>
    public static bool TryParseBound(string text, bool endOfDay, out long epochMs)
    {
        if (TryParseDateOrDateTime(text, out epochMs, out var isDateOnly))
        {
            if (isDateOnly && endOfDay) epochMs += 86_400_000 - 1;
            return true;
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out epochMs)
            && epochMs >= MinEpochMs && epochMs <= MaxEpochMs;
    }

    /// <summary>Midnight UTC of a day, epoch ms.</summary>
    public static long ToEpochMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>The last millisecond of a day (UTC), epoch ms.</summary>
    public static long EndOfDayEpochMs(DateOnly day) => ToEpochMs(day.AddDays(1)) - 1;
}
