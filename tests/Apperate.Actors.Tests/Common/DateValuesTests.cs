using Apperate.Actors.Common;

namespace Apperate.Actors.Tests.Common;

/// <summary>
/// <see cref="DateValues"/> reads common shapes directly; these tests hold its answers equal to the general parsers'
/// (<see cref="DateValues.TryParseDateExact"/>, <see cref="DateValues.TryParseDateTimeExact"/>) for valid and invalid
/// text alike.
/// </summary>
[Trait("Category", "Unit")]
public sealed class DateValuesTests
{
    [Theory]
    [InlineData("2020-01-01T00:00:00Z", 1_577_836_800_000)]
    [InlineData("2020-01-01T00:00:00.042Z", 1_577_836_800_042)]
    [InlineData("2020-01-01 00:00:00.0429999", 1_577_836_800_042)]
    [InlineData("2020-01-01T05:30:00+05:30", 1_577_836_800_000)]
    [InlineData("2019-12-31T23:00:00-01:00", 1_577_836_800_000)]
    [InlineData("1969-12-31T23:59:59.999Z", -1)]
    [InlineData("1969-12-31T23:59:59.9999Z", -1)]
    [InlineData("2020-01-01T00:00", 1_577_836_800_000)]
    [InlineData("2020-01-01T00:00:00+0100", 1_577_833_200_000)]
    [InlineData("2020-01-01T00:00:00.Z", 1_577_836_800_000)]
    public void Date_times_parse_to_epoch_milliseconds(string text, long expected)
    {
        Assert.True(DateValues.TryParseDateTime(text, out var ms));
        Assert.Equal(expected, ms);
    }

    [Theory]
    [InlineData("2020-01-01T24:00:00Z")]
    [InlineData("2020-01-01T00:00:60Z")]
    [InlineData("2020-02-30T00:00:00Z")]
    [InlineData("2020-01-01t00:00:00Z")]
    [InlineData("2020-01-01T00:00:00z")]
    [InlineData("2020-01-01T00:00:00.12345678Z")]
    [InlineData("2020-01-01T00:00:00+14:01")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-00:01")]
    [InlineData("2020-01-01T00:00:00 ")]
    [InlineData("2020-01-01")]
    public void Impossible_or_malformed_date_times_are_rejected(string text) => Assert.False(DateValues.TryParseDateTime(text, out _));

    [Fact]
    public void Generated_date_times_parse_exactly_as_the_general_parser_parses_them()
    {
        string[] years = ["0000", "0001", "1969", "1970", "2000", "2023", "2024", "2100", "9999", "+024", "20a4", "202"];
        string[] months = ["00", "01", "02", "04", "12", "13", "1", "1a"];
        string[] days = ["00", "01", "28", "29", "30", "31", "32", "3"];
        string[] separators = ["T", " ", "t", "_", "T ", ""];
        string[] hours = ["00", "09", "23", "24", "7", "99"];
        string[] minutes = ["00", "59", "60", "5"];
        string[] seconds = [":00", ":59", ":60", ":5", "", ":"];
        string[] fractions = ["", ".", ".0", ".5", ".04", ".123", ".1234", ".12345", ".123456", ".1234567", ".9999999", ".12345678", ".x", ",5", ".٥"];
        string[] zones = ["", "Z", "z", "+00:00", "-00:00", "+05:30", "+14:00", "+14:01", "-14:00", "-13:59", "-14:30", "+0530", "+5:30", "+05:60", "+05",
            "+24:00", " Z", "Z ", "ZZ", "+05:30Z", "-", "+"];

        var random = new Random(20_241_123);
        string Pick(string[] parts) => parts[random.Next(parts.Length)];
        var checkedCount = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var text = $"{Pick(years)}-{Pick(months)}-{Pick(days)}{Pick(separators)}{Pick(hours)}:{Pick(minutes)}{Pick(seconds)}{Pick(fractions)}{Pick(zones)}";
            Same(text);
            checkedCount++;
        }
        // Every valid shape near the edges of the range, exhaustively.
        foreach (var year in (string[])["0001", "1970", "2024", "9999"])
            foreach (var day in (string[])["01-01", "02-29", "12-31"])
                foreach (var time in (string[])["00:00:00", "23:59:59", "12:30"])
                    foreach (var fraction in fractions)
                        foreach (var zone in zones)
                        {
                            Same($"{year}-{day}T{time}{fraction}{zone}");
                            Same($"{year}-{day} {time}{fraction}{zone}");
                            checkedCount += 2;
                        }
        Assert.True(checkedCount > 200_000);

        static void Same(string text)
        {
            var exact = DateValues.TryParseDateTimeExact(text, out var expected);
            var fast = DateValues.TryParseDateTime(text, out var actual);
            if (exact != fast || expected != actual)
                Assert.Fail($"'{text}': the general parser says {exact} {expected}, TryParseDateTime says {fast} {actual}");
        }
    }

    [Fact]
    public void Generated_dates_parse_exactly_as_the_general_parser_parses_them()
    {
        var count = 0;
        foreach (var year in (string[])["0000", "0001", "1900", "1969", "1970", "2000", "2023", "2024", "2100", "9999", "+024", "20a4", " 202", "٢٠٢٤"])
            for (var month = 0; month <= 13; month++)
                for (var day = 0; day <= 32; day++)
                {
                    foreach (var text in (string[])[$"{year}-{month:00}-{day:00}", $"{year}-{month}-{day:00}", $"{year}/{month:00}/{day:00}", $"{year}-{month:00}-{day:00} "])
                    {
                        var exact = DateValues.TryParseDateExact(text, out var expected);
                        var fast = DateValues.TryParseDate(text, out var actual);
                        if (exact != fast || expected != actual)
                            Assert.Fail($"'{text}': the general parser says {exact} {expected}, TryParseDate says {fast} {actual}");
                        count++;
                    }
                }
        Assert.True(DateValues.TryParseDate("2024-02-29", out var leap));
        Assert.Equal(1_709_164_800_000, leap);
        Assert.False(DateValues.TryParseDate("2023-02-29", out _));
        Assert.True(count > 20_000);
    }
}
