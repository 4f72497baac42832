using Apperate.Actors.Rules.Delivery;

namespace Apperate.Actors.Tests.Rules;

[Trait("Category", "Unit")]
public sealed class RetryScheduleTests
{
    [Fact]
    public void The_default_is_the_Standard_Webhooks_schedule()
    {
        var schedule = RetrySchedule.Parse(RetrySchedule.Default);
        Assert.Equal(10, schedule.Attempts);
        Assert.Equal(
            [
                TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
                TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24),
            ],
            schedule.Delays);
    }

    [Fact]
    public void Every_unit_parses_and_spaces_are_ignored()
    {
        var schedule = RetrySchedule.Parse(" 0, 250ms ,1.5s,2m,3h,1d");
        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1.5), TimeSpan.FromMinutes(2), TimeSpan.FromHours(3), TimeSpan.FromDays(1)],
            schedule.Delays);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("0,5", "'5'")]
    [InlineData("0,5x", "'5x'")]
    [InlineData("0,-5s", "'-5s'")]
    [InlineData("0,,5m", "entry 2")]
    [InlineData("0,s", "'s'")]
    [InlineData("0,5S", "'5S'")]
    [InlineData("0,1.2.3s", "'1.2.3s'")]
    [InlineData("0,40d", "'40d'")]
    public void Bad_entries_are_named(string text, string named)
    {
        var ex = Assert.Throws<FormatException>(() => RetrySchedule.Parse(text));
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public void Delays_have_ten_percent_jitter_both_ways()
    {
        var schedule = RetrySchedule.Parse(RetrySchedule.Default);
        var random = new Random(42);
        var delays = Enumerable.Range(0, 2000).Select(_ => schedule.DelayBefore(2, null, random)!.Value).ToArray();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(5.5)));
        Assert.Contains(delays, d => d < TimeSpan.FromSeconds(4.6));
        Assert.Contains(delays, d => d > TimeSpan.FromSeconds(5.4));
        Assert.Equal(TimeSpan.Zero, schedule.DelayBefore(1, null, random));
    }

    [Fact]
    public void Retry_after_is_a_floor_not_a_replacement()
    {
        var schedule = RetrySchedule.Parse(RetrySchedule.Default);
        var random = new Random(7);
        Assert.Equal(TimeSpan.FromMinutes(1), schedule.DelayBefore(2, TimeSpan.FromMinutes(1), random));
        Assert.InRange(schedule.DelayBefore(3, TimeSpan.FromSeconds(1), random)!.Value, TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5.5));
        Assert.Equal(TimeSpan.FromSeconds(30), schedule.DelayBefore(1, TimeSpan.FromSeconds(30), random));
    }

    [Fact]
    public void After_the_last_attempt_there_is_no_delay_only_giving_up()
    {
        var schedule = RetrySchedule.Parse("0,1s,2s");
        var random = new Random(1);
        Assert.NotNull(schedule.DelayBefore(3, null, random));
        Assert.Null(schedule.DelayBefore(4, null, random));
        Assert.Null(schedule.DelayBefore(4, TimeSpan.FromSeconds(1), random));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.DelayBefore(0, null, random));
    }
}
