namespace Apperate.Actors.Tests.Rules;

/// <summary>A clock that moves only when the test says so; timers still run on the real clock.</summary>
/// <remarks>Only <see cref="GetUtcNow"/> is manual: the code under test reads time to decide, and real timers keep cancellation timeouts working.</remarks>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    /// <summary>Moves the clock forward by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
