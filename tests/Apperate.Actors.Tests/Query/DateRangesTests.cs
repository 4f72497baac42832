using Apperate.Actors.Query;

namespace Apperate.Actors.Tests.Query;

[Trait("Category", "Unit")]
public sealed class DateRangesTests
{
    // A Wednesday, mid-quarter, mid-month, in a leap year.
    private static readonly DateTimeOffset Now = new(2024, 5, 15, 12, 34, 56, TimeSpan.Zero);
    private static readonly long NowMs = Now.ToUnixTimeMilliseconds();

    private static long Ms(int year, int month, int day, int hour = 0, int minute = 0, int second = 0, int ms = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, second, ms, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long EndOfDay(int year, int month, int day) => Ms(year, month, day, 23, 59, 59, 999);

    private static (long From, long To) Parse(string range, DateTimeOffset? now = null)
    {
        Assert.True(DateRanges.TryParse(range, now ?? Now, out var from, out var to), $"'{range}' should parse");
        return (from, to);
    }

    [Fact]
    public void Today_runs_from_midnight_to_now()
    {
        Assert.Equal((Ms(2024, 5, 15), NowMs), Parse("today"));
    }

    [Fact]
    public void Yesterday_is_the_whole_previous_day()
    {
        Assert.Equal((Ms(2024, 5, 14), EndOfDay(2024, 5, 14)), Parse("yesterday"));
        Assert.Equal((Ms(2024, 2, 29), EndOfDay(2024, 2, 29)), Parse("yesterday", new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Ytd_runs_from_january_first_to_now()
    {
        Assert.Equal((Ms(2024, 1, 1), NowMs), Parse("ytd"));
    }

    [Fact]
    public void Last_week_is_the_previous_complete_monday_to_sunday_week()
    {
        var expected = (Ms(2024, 5, 6), EndOfDay(2024, 5, 12));
        Assert.Equal(expected, Parse("last-week"));
        // Monday at midnight: the week that just started is not complete, so it is still the week before.
        Assert.Equal(expected, Parse("last-week", new DateTimeOffset(2024, 5, 13, 0, 0, 0, TimeSpan.Zero)));
        // Sunday's last millisecond: the current week is still running.
        Assert.Equal(expected, Parse("last-week", new DateTimeOffset(2024, 5, 19, 23, 59, 59, 999, TimeSpan.Zero)));
        // Across a year boundary.
        Assert.Equal((Ms(2023, 12, 25), EndOfDay(2023, 12, 31)), Parse("last-week", new DateTimeOffset(2024, 1, 3, 8, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Last_month_is_the_previous_calendar_month()
    {
        Assert.Equal((Ms(2024, 4, 1), EndOfDay(2024, 4, 30)), Parse("last-month"));
        Assert.Equal((Ms(2023, 12, 1), EndOfDay(2023, 12, 31)), Parse("last-month", new DateTimeOffset(2024, 1, 10, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal((Ms(2024, 2, 1), EndOfDay(2024, 2, 29)), Parse("last-month", new DateTimeOffset(2024, 3, 31, 23, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Last_quarter_is_the_previous_calendar_quarter()
    {
        Assert.Equal((Ms(2024, 1, 1), EndOfDay(2024, 3, 31)), Parse("last-quarter"));
        Assert.Equal((Ms(2023, 10, 1), EndOfDay(2023, 12, 31)), Parse("last-quarter", new DateTimeOffset(2024, 2, 20, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal((Ms(2024, 7, 1), EndOfDay(2024, 9, 30)), Parse("last-quarter", new DateTimeOffset(2024, 10, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Rolling_windows_end_now_and_start_n_units_earlier()
    {
        Assert.Equal((Ms(2024, 5, 10, 12, 34, 56), NowMs), Parse("5d"));
        Assert.Equal((Ms(2024, 5, 14, 12, 34, 56), NowMs), Parse("1d"));
        Assert.Equal((Ms(2024, 5, 1, 12, 34, 56), NowMs), Parse("2w"));
        Assert.Equal((Ms(2024, 2, 15, 12, 34, 56), NowMs), Parse("3m"));
        Assert.Equal((Ms(2024, 2, 15, 12, 34, 56), NowMs), Parse("1q"));
        Assert.Equal((Ms(2023, 5, 15, 12, 34, 56), NowMs), Parse("4q"));
        Assert.Equal((Ms(2022, 5, 15, 12, 34, 56), NowMs), Parse("2y"));
        Assert.Equal((Ms(2024, 1, 16, 12, 34, 56), NowMs), Parse("120d"));
    }

    [Fact]
    public void Month_arithmetic_is_calendar_based()
    {
        var may31 = new DateTimeOffset(2024, 5, 31, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal((Ms(2024, 4, 30, 10, 0, 0), may31.ToUnixTimeMilliseconds()), Parse("1m", may31));
        var leapDay = new DateTimeOffset(2024, 2, 29, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal((Ms(2023, 2, 28, 10, 0, 0), leapDay.ToUnixTimeMilliseconds()), Parse("1y", leapDay));
    }

    [Fact]
    public void Windows_reaching_before_year_one_start_at_year_one()
    {
        var min = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
        Assert.Equal((min, NowMs), Parse("5000y"));
        Assert.Equal((min, NowMs), Parse("99999999999999999999999d"));
        Assert.Equal((min, NowMs), Parse("3000000w"));
        Assert.Equal((min, NowMs), Parse("2147483647q"));
    }

    [Theory]
    [InlineData("Q12024", 2024, 1, 2024, 3, 31)]
    [InlineData("Q22024", 2024, 4, 2024, 6, 30)]
    [InlineData("Q32024", 2024, 7, 2024, 9, 30)]
    [InlineData("Q42024", 2024, 10, 2024, 12, 31)]
    [InlineData("Q12023", 2023, 1, 2023, 3, 31)]
    [InlineData("H12024", 2024, 1, 2024, 6, 30)]
    [InlineData("H22024", 2024, 7, 2024, 12, 31)]
    [InlineData("2024", 2024, 1, 2024, 12, 31)]
    [InlineData("1999", 1999, 1, 1999, 12, 31)]
    [InlineData("2030", 2030, 1, 2030, 12, 31)]
    public void Named_periods_cover_the_whole_period(string range, int fromYear, int fromMonth, int toYear, int toMonth, int toDay)
    {
        Assert.Equal((Ms(fromYear, fromMonth, 1), EndOfDay(toYear, toMonth, toDay)), Parse(range));
    }

    [Fact]
    public void The_last_year_ends_at_the_last_representable_millisecond()
    {
        Assert.Equal((Ms(9999, 10, 1), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()), Parse("Q49999"));
        Assert.Equal((Ms(1, 1, 1), EndOfDay(1, 12, 31)), Parse("0001"));
    }

    [Theory]
    [InlineData("TODAY")]
    [InlineData("Yesterday")]
    [InlineData("YTD")]
    [InlineData("Last-Week")]
    [InlineData("LAST-MONTH")]
    [InlineData("Last-Quarter")]
    [InlineData("5D")]
    [InlineData("2W")]
    [InlineData("3M")]
    [InlineData("1Q")]
    [InlineData("2Y")]
    [InlineData("q22024")]
    [InlineData("h12024")]
    public void Forms_are_case_insensitive(string range)
    {
        var lower = Parse(range.ToLowerInvariant());
        Assert.Equal(lower, Parse(range));
    }

    [Fact]
    public void Now_is_taken_in_utc()
    {
        // 01:00 at +03:00 is still the previous day in UTC.
        var now = new DateTimeOffset(2024, 5, 15, 1, 0, 0, TimeSpan.FromHours(3));
        Assert.Equal((Ms(2024, 5, 14), now.ToUnixTimeMilliseconds()), Parse("today", now));
        Assert.Equal((Ms(2024, 5, 13), EndOfDay(2024, 5, 13)), Parse("yesterday", now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tomorrow")]
    [InlineData("this-week")]
    [InlineData("0d")]
    [InlineData("00w")]
    [InlineData("d")]
    [InlineData("-1d")]
    [InlineData("+1d")]
    [InlineData("1.5d")]
    [InlineData("5x")]
    [InlineData("5 d")]
    [InlineData(" 5d")]
    [InlineData("Q52024")]
    [InlineData("Q02024")]
    [InlineData("H32024")]
    [InlineData("Q1 2024")]
    [InlineData("Q124")]
    [InlineData("Q10000")]
    [InlineData("0000")]
    [InlineData("20245")]
    [InlineData("202")]
    [InlineData("1mm")]
    public void Unknown_forms_are_rejected(string range)
    {
        Assert.False(DateRanges.TryParse(range, Now, out var from, out var to));
        Assert.Equal(0, from);
        Assert.Equal(0, to);
    }
}
