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
    public static bool TryParseDate(ReadOnlySpan<char> text, out long epochMs)
    {
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            epochMs = ToEpochMs(d);
            return true;
        }
        epochMs = 0;
        return false;
    }

    /// <summary>Parses an ISO 8601 date-time (with <c>T</c> or a space, optional fraction, optional offset or <c>Z</c>).</summary>
    public static bool TryParseDateTime(ReadOnlySpan<char> text, out long epochMs)
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
