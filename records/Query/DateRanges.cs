using System.Globalization;
using Apperate.Actors.Common;

namespace Apperate.Actors.Query;

/// <summary>Turns the <c>range</c> query parameter into an inclusive epoch-ms window.</summary>
/// <remarks>
/// <para>All windows are computed in UTC and both ends are inclusive; a window that ends with a whole day or
/// period ends at its last millisecond (<see cref="DateValues.EndOfDayEpochMs"/>). Forms are matched
/// case-insensitively:</para>
/// <list type="bullet">
/// <item><c>today</c>: midnight today → now.</item>
/// <item><c>yesterday</c>: the whole previous day.</item>
/// <item><c>ytd</c>: January 1 of the current year → now.</item>
/// <item><c>last-week</c>, <c>last-month</c>, <c>last-quarter</c>: the previous complete calendar week
/// (Monday–Sunday), month or quarter. The current, incomplete period is never included, so on a Monday
/// <c>last-week</c> is the week that ended the day before.</item>
/// <item><c>Nd</c>, <c>Nw</c>, <c>Nm</c> (months), <c>Nq</c> (quarters), <c>Ny</c>: a rolling window from now
/// minus N units to now, N ≥ 1. Months, quarters and years are calendar arithmetic (May 31 minus one month
/// is April 30), not fixed lengths. A window reaching before year 1 starts at year 1.</item>
/// <item><c>Q1YYYY</c>…<c>Q4YYYY</c>, <c>H1YYYY</c>, <c>H2YYYY</c>, <c>YYYY</c>: that whole calendar quarter,
/// half year or year (YYYY is exactly four digits, 0001–9999), whether past, current or future.</item>
/// </list>
/// </remarks>
public static class DateRanges
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string AcceptedForms =
        "today, yesterday, ytd, last-week, last-month, last-quarter, Nd, Nw, Nm, Nq, Ny (N ≥ 1), Q1YYYY…Q4YYYY, H1YYYY, H2YYYY, YYYY";

    private static readonly long MinEpochMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    /// <summary>Parses a <c>range</c> value into an inclusive [<paramref name="from"/>, <paramref name="to"/>] window of epoch ms.</summary>
    /// <param name="range">The parameter value.</param>
    /// <param name="now">The current time; converted to UTC.</param>
    /// <param name="from">Inclusive start, epoch ms.</param>
    /// <param name="to">Inclusive end, epoch ms.</param>
    /// <returns>False when the form is unknown (both outputs are then 0).</returns>
    public static bool TryParse(string range, DateTimeOffset now, out long from, out long to)
    {
        from = to = 0;
        if (string.IsNullOrEmpty(range)) return false;
        now = now.ToUniversalTime();
        var nowMs = now.ToUnixTimeMilliseconds();
        var today = DateOnly.FromDateTime(now.UtcDateTime);

        switch (range.ToLowerInvariant())
        {
            case "today":
                return Set(DateValues.ToEpochMs(today), nowMs, out from, out to);
            case "yesterday":
                if (today == DateOnly.MinValue) return false;
                return Days(today.AddDays(-1), today.AddDays(-1), out from, out to);
            case "ytd":
                return Set(DateValues.ToEpochMs(new DateOnly(today.Year, 1, 1)), nowMs, out from, out to);
            case "last-week":
                return PreviousWeek(today, out from, out to);
            case "last-month":
                return PreviousPeriod(today, 1, out from, out to);
            case "last-quarter":
                return PreviousPeriod(today, 3, out from, out to);
        }

        var text = range.AsSpan();
        if (TryYear(text, out var wholeYear))
            return Months(wholeYear, 1, 12, out from, out to);

        if (text.Length == 6 && TryYear(text[2..], out var year))
        {
            switch (char.ToLowerInvariant(text[0]), text[1])
            {
                case ('q', >= '1' and <= '4'):
                    return Months(year, (text[1] - '1') * 3 + 1, 3, out from, out to);
                case ('h', '1' or '2'):
                    return Months(year, (text[1] - '1') * 6 + 1, 6, out from, out to);
                default:
                    return false;
            }
        }

        return TryRolling(text, now, nowMs, out from, out to);
    }

    private static bool TryRolling(ReadOnlySpan<char> text, DateTimeOffset now, long nowMs, out long from, out long to)
    {
        from = to = 0;
        if (text.Length < 2) return false;
        var digits = text[..^1];
        foreach (var c in digits)
            if (c is < '0' or > '9') return false;
        // Anything too large for a long reaches past year 1 anyway, so it clamps like any other huge N.
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            n = long.MaxValue;
        if (n < 1) return false;

        long start;
        switch (char.ToLowerInvariant(text[^1]))
        {
            case 'd': start = SubtractDays(nowMs, n, 1); break;
            case 'w': start = SubtractDays(nowMs, n, 7); break;
            case 'm': start = SubtractMonths(now, n, 1); break;
            case 'q': start = SubtractMonths(now, n, 3); break;
            case 'y': start = SubtractMonths(now, n, 12); break;
            default: return false;
        }
        return Set(start, nowMs, out from, out to);
    }

    private static long SubtractDays(long nowMs, long n, long daysPerUnit)
    {
        var maxUnits = (nowMs - MinEpochMs) / TimeSpan.MillisecondsPerDay / daysPerUnit;
        return n > maxUnits ? MinEpochMs : nowMs - n * daysPerUnit * TimeSpan.MillisecondsPerDay;
    }

    private static long SubtractMonths(DateTimeOffset now, long n, long monthsPerUnit)
    {
        // Months since January of year 1: subtracting more than that would leave the calendar.
        var monthsAvailable = (now.Year - 1) * 12L + now.Month - 1;
        if (n > monthsAvailable / monthsPerUnit) return MinEpochMs;
        return now.AddMonths(-(int)(n * monthsPerUnit)).ToUnixTimeMilliseconds();
    }

    private static bool TryYear(ReadOnlySpan<char> text, out int year)
    {
        year = 0;
        if (text.Length != 4) return false;
        foreach (var c in text)
            if (c is < '0' or > '9') return false;
        year = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return year >= 1;
    }

    private static bool PreviousWeek(DateOnly today, out long from, out long to)
    {
        // DayOfWeek counts from Sunday; the API's weeks start on Monday.
        var sinceMonday = ((int)today.DayOfWeek + 6) % 7;
        var thisMonday = today.DayNumber - sinceMonday;
        if (thisMonday - 7 < DateOnly.MinValue.DayNumber)
        {
            from = to = 0;
            return false;
        }
        return Days(DateOnly.FromDayNumber(thisMonday - 7), DateOnly.FromDayNumber(thisMonday - 1), out from, out to);
    }

    /// <summary>The calendar period of <paramref name="months"/> months before the one containing <paramref name="today"/>.</summary>
    private static bool PreviousPeriod(DateOnly today, int months, out long from, out long to)
    {
        var periodStartMonth = (today.Month - 1) / months * months + 1;
        var year = today.Year;
        var month = periodStartMonth - months;
        if (month < 1)
        {
            month += 12;
            year--;
        }
        if (year < 1)
        {
            from = to = 0;
            return false;
        }
        return Months(year, month, months, out from, out to);
    }

    private static bool Months(int year, int firstMonth, int count, out long from, out long to)
    {
        var first = new DateOnly(year, firstMonth, 1);
        var lastMonth = firstMonth + count - 1;
        var last = new DateOnly(year, lastMonth, DateTime.DaysInMonth(year, lastMonth));
        return Days(first, last, out from, out to);
    }

    private static bool Days(DateOnly first, DateOnly last, out long from, out long to)
    {
        from = DateValues.ToEpochMs(first);
        // The last day of year 9999 has no following midnight to count back from.
        to = last == DateOnly.MaxValue ? DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() : DateValues.EndOfDayEpochMs(last);
        return true;
    }

    private static bool Set(long start, long end, out long from, out long to)
    {
        from = start;
        to = end;
        return true;
    }
}
