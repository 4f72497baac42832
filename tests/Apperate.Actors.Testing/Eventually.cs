using System.Diagnostics;

namespace Apperate.Actors.Tests.Infrastructure;

/// <summary>Polls a condition instead of sleeping: the only place these tests wait for time to pass.</summary>
public static class Eventually
{
    /// <summary>How often the condition is polled.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Polls <paramref name="condition"/> every ~50 ms until it returns true; throws <see cref="TimeoutException"/>
    /// naming <paramref name="what"/> when <paramref name="timeout"/> passes first. Exceptions from the condition propagate.
    /// </summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return;
            if (clock.Elapsed >= timeout)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
            await Task.Delay(PollEvery);
        }
    }
}
