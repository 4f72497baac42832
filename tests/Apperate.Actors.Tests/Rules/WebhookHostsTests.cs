using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Delivery;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Tests.Rules;

[Trait("Category", "Unit")]
public sealed class WebhookHostsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public async Task At_most_four_requests_per_host_are_in_flight_and_the_others_wait_in_order()
    {
        var hosts = Hosts();
        var leases = new List<HostLease>();
        for (var i = 0; i < 4; i++)
        {
            var entered = hosts.EnterAsync("hooks.example.com");
            Assert.True(entered.IsCompletedSuccessfully, $"request {i + 1} of 4 should get a slot at once");
            leases.Add(await entered);
        }
        Assert.All(leases, l => Assert.True(l.Granted));

        var fifth = hosts.EnterAsync("HOOKS.example.com").AsTask();
        var sixth = hosts.EnterAsync("hooks.example.com").AsTask();
        Assert.False(fifth.IsCompleted);
        Assert.Equal(new HostStatus(4, 2, 0, false, null), hosts.Status("hooks.example.com"));

        var other = await hosts.EnterAsync("other.example.com");
        Assert.True(other.Granted);

        leases[0].Complete(true);
        var fifthLease = await fifth.WaitAsync(Wait);
        Assert.True(fifthLease.Granted);
        Assert.False(sixth.IsCompleted);
        Assert.Equal(new HostStatus(4, 1, 0, false, null), hosts.Status("hooks.example.com"));

        leases[1].Dispose();
        Assert.True((await sixth.WaitAsync(Wait)).Granted);
    }

    [Fact]
    public async Task Under_contention_no_more_than_four_hold_a_slot_and_every_caller_gets_one()
    {
        var hosts = Hosts();
        var holding = 0;
        var peak = 0;
        var workers = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            for (var round = 0; round < 20; round++)
            {
                using var lease = await hosts.EnterAsync(i % 2 == 0 ? "busy.example.com" : "BUSY.example.com");
                var now = Interlocked.Increment(ref holding);
                InterlockedMax(ref peak, now);
                await Task.Yield();
                Interlocked.Decrement(ref holding);
                lease.Complete(true);
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(peak, 1, 4);
        Assert.Equal(new HostStatus(0, 0, 0, false, null), hosts.Status("busy.example.com"));
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_the_queue()
    {
        var hosts = Hosts(maxInFlight: 1);
        using var first = await hosts.EnterAsync("h");
        using var cancel = new CancellationTokenSource();
        var waiting = hosts.EnterAsync("h", cancel.Token).AsTask();
        var next = hosts.EnterAsync("h").AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait));
        Assert.Equal(1, hosts.Status("h").Waiting);

        first.Complete(true);
        Assert.True((await next.WaitAsync(Wait)).Granted);
    }

    [Fact]
    public async Task A_slot_given_back_twice_counts_once()
    {
        var hosts = Hosts(maxInFlight: 1);
        var lease = await hosts.EnterAsync("h");
        lease.Complete(false);
        lease.Complete(false);
        lease.Dispose();
        Assert.Equal(new HostStatus(0, 0, 1, false, null), hosts.Status("h"));
    }

    [Fact]
    public async Task The_breaker_opens_after_twenty_failures_and_probes_every_five_minutes_until_a_success()
    {
        var hosts = Hosts();
        await FailAsync(hosts, "down.example.com", 19);
        Assert.False(hosts.Status("down.example.com").Open);
        await FailAsync(hosts, "down.example.com", 1);
        var opened = _clock.GetUtcNow();
        Assert.Equal(new HostStatus(0, 0, 20, true, opened + TimeSpan.FromMinutes(5)), hosts.Status("down.example.com"));

        var refused = await hosts.EnterAsync("down.example.com");
        Assert.False(refused.Granted);
        Assert.Equal(opened + TimeSpan.FromMinutes(5), refused.RetryAt);
        refused.Complete(false);
        Assert.Equal(20, hosts.Status("down.example.com").ConsecutiveFailures);

        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.False((await hosts.EnterAsync("down.example.com")).Granted);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var probe = await hosts.EnterAsync("down.example.com");
        Assert.True(probe.Granted);
        Assert.True(probe.IsProbe);
        var duringProbe = await hosts.EnterAsync("down.example.com");
        Assert.False(duringProbe.Granted);
        probe.Complete(false);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(5), hosts.Status("down.example.com").NextProbeAt);

        _clock.Advance(TimeSpan.FromMinutes(5));
        probe = await hosts.EnterAsync("down.example.com");
        Assert.True(probe.IsProbe);
        probe.Complete(true);
        Assert.Equal(new HostStatus(0, 0, 0, false, null), hosts.Status("down.example.com"));

        var normal = await hosts.EnterAsync("down.example.com");
        Assert.True(normal.Granted);
        Assert.False(normal.IsProbe);
    }

    [Fact]
    public async Task A_success_resets_the_count()
    {
        var hosts = Hosts();
        await FailAsync(hosts, "h", 19);
        (await hosts.EnterAsync("h")).Complete(true);
        await FailAsync(hosts, "h", 19);
        Assert.Equal(new HostStatus(0, 0, 19, false, null), hosts.Status("h"));
    }

    [Fact]
    public async Task Requests_waiting_when_the_breaker_opens_are_postponed_not_sent()
    {
        var hosts = Hosts(maxInFlight: 1, threshold: 1);
        var first = await hosts.EnterAsync("h");
        var waiting = hosts.EnterAsync("h").AsTask();
        first.Complete(false);
        var postponed = await waiting.WaitAsync(Wait);
        Assert.False(postponed.Granted);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(5), postponed.RetryAt);
    }

    [Fact]
    public async Task A_probe_abandoned_without_a_verdict_lets_the_next_caller_probe()
    {
        var hosts = Hosts(threshold: 1);
        await FailAsync(hosts, "h", 1);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var probe = await hosts.EnterAsync("h");
        Assert.True(probe.IsProbe);
        probe.Dispose();
        Assert.True((await hosts.EnterAsync("h")).IsProbe);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(422)]
    [InlineData(302)]
    public async Task Answers_about_the_request_are_not_host_failures(int status)
    {
        var outcome = new DeliveryOutcome(status == 410 ? DeliveryOutcomeKind.Gone : DeliveryOutcomeKind.Failed, status, $"HTTP {status}", null);
        Assert.False(outcome.IsHostFailure);
        var hosts = Hosts();
        for (var i = 0; i < 25; i++) (await hosts.EnterAsync("h")).Complete(!outcome.IsHostFailure);
        Assert.Equal(new HostStatus(0, 0, 0, false, null), hosts.Status("h"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public void Timeouts_connection_errors_5xx_408_and_429_are_host_failures(int? status)
    {
        Assert.True(new DeliveryOutcome(DeliveryOutcomeKind.Failed, status, "failed", null).IsHostFailure);
        Assert.False(new DeliveryOutcome(DeliveryOutcomeKind.Delivered, 200, null, null).IsHostFailure);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen) seen = actual;
    }

    private WebhookHosts Hosts(int maxInFlight = 4, int threshold = 20) =>
        new(Options.Create(new RulesOptions { MaxConcurrencyPerHost = maxInFlight, BreakerThreshold = threshold }), _clock);

    private static async Task FailAsync(WebhookHosts hosts, string host, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var lease = await hosts.EnterAsync(host);
            Assert.True(lease.Granted, $"failure {i + 1} of {times} should be sent");
            lease.Complete(false);
        }
    }
}
