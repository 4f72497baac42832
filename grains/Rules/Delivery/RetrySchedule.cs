using System.Globalization;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// When each attempt of a webhook delivery happens: entry <c>i</c> of the list is the delay before attempt <c>i + 1</c>,
/// counted from the failure of the attempt before it (the first entry, normally <c>0</c>, from the alert).
/// </summary>
/// <remarks>
/// Delays get ±10 % jitter so that alerts that failed together (a receiver down for a while) do not all come back in
/// the same second; a receiver's <c>Retry-After</c> is a floor, since retrying earlier would only be refused again.
/// </remarks>
public sealed class RetrySchedule
{
    /// <summary>Standard Webhooks' schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each failure.</summary>
    public const string Default = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h";

    private const double Jitter = 0.1;

    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(30);

    private readonly TimeSpan[] _delays;

    private RetrySchedule(TimeSpan[] delays) => _delays = delays;

    /// <summary>The delays as parsed, without jitter.</summary>
    public IReadOnlyList<TimeSpan> Delays => _delays;

    /// <summary>How many attempts an alert gets before it is given up.</summary>
    public int Attempts => _delays.Length;

    /// <summary>Parses a comma list such as <see cref="Default"/>: numbers with a unit (<c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>), or a bare <c>0</c>.</summary>
    /// <exception cref="FormatException">An entry is not a non-negative number with a unit; the message names it.</exception>
    public static RetrySchedule Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new FormatException("The retry schedule is empty; give at least one delay, like 0,5s,5m.");
        var entries = text.Split(',', StringSplitOptions.TrimEntries);
        var delays = new TimeSpan[entries.Length];
        for (var i = 0; i < entries.Length; i++) delays[i] = ParseDelay(entries[i], i + 1);
        return new RetrySchedule(delays);
    }

    /// <summary>
    /// The delay before attempt <paramref name="attempt"/> (1 is the first), with ±10 % jitter and at least
    /// <paramref name="retryAfter"/>; null when the schedule has no such attempt, that is, when the alert is to be given up.
    /// </summary>
    public TimeSpan? DelayBefore(int attempt, TimeSpan? retryAfter, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        if (attempt > _delays.Length) return null;
        var factor = 1 + ((random.NextDouble() * 2) - 1) * Jitter;
        var delay = TimeSpan.FromTicks((long)(_delays[attempt - 1].Ticks * factor));
        return retryAfter is { } floor && floor > delay ? floor : delay;
    }

    private static TimeSpan ParseDelay(string entry, int position)
    {
        if (entry == "0") return TimeSpan.Zero;
        var unitStart = entry.AsSpan().IndexOfAnyInRange('a', 'z');
        if (unitStart < 0)
            throw new FormatException($"Retry schedule entry {position} ('{entry}') needs a unit: ms, s, m, h or d (like 5s).");
        if (!double.TryParse(entry.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            throw new FormatException($"Retry schedule entry {position} ('{entry}') is not a number with a unit (like 5s).");
        var unit = entry[unitStart..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            _ => throw new FormatException($"Retry schedule entry {position} ('{entry}') has an unknown unit; use ms, s, m, h or d."),
        };
        // Longer is a typo more likely than a plan, and would outlive any sensible alert retention.
        if (number * unit.Ticks > MaxDelay.Ticks)
            throw new FormatException($"Retry schedule entry {position} ('{entry}') is longer than {MaxDelay.TotalDays} days.");
        return TimeSpan.FromTicks((long)(number * unit.Ticks));
    }
}
