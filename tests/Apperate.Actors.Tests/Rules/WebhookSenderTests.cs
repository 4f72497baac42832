using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Apperate.Actors.Rules.Delivery;
using Apperate.Actors.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Apperate.Actors.Tests.Rules;

/// <summary>One attempt at a time against a real receiver on 127.0.0.1, through the client <c>AddWebhookDelivery</c> registers.</summary>
public sealed class WebhookSenderTests
{
    private const string Path = "/hooks/a";
    private const string AllowHint = "list it in Apperate:Rules:AllowedWebhookHosts";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"type":"rule.triggered","timestamp":"2026-01-01T00:00:00Z","data":{"ruleName":"price ☕ alert","price":50000.12}}""");

    private readonly string _secret = WebhookSignature.NewSecret();

    [Fact]
    public async Task A_delivered_webhook_carries_the_standard_headers_the_extra_ones_and_a_signature_that_verifies()
    {
        await using var receiver = await StartAsync();
        await using var services = Services(["127.0.0.1"]);
        var headers = new Dictionary<string, string>
        {
            ["X-Api-Key"] = "k-123",
            ["webhook-id"] = "forged",
            ["Content-Type"] = "text/plain",
            ["WEBHOOK-SIGNATURE"] = "v1,forged",
            ["X-Bad"] = "line\r\nInjected: yes",
        };
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var outcome = await Sender(services).SendAsync(new WebhookRequest(receiver.Url(Path), "alert-1", _secret, headers, Body));

        Assert.Equal(new DeliveryOutcome(DeliveryOutcomeKind.Delivered, 200, null, null), outcome);
        var got = Assert.Single(receiver.Received(Path));
        Assert.True(got.SignatureValid, got.VerificationError);
        Assert.Equal("alert-1", got.WebhookId);
        Assert.InRange(long.Parse(got.Timestamp!, CultureInfo.InvariantCulture), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.StartsWith("v1,", got.Signature);
        Assert.Equal("application/json", got.Headers["Content-Type"]);
        Assert.Equal("k-123", got.Headers["X-Api-Key"]);
        Assert.False(got.Headers.ContainsKey("X-Bad"));
        Assert.False(got.Headers.ContainsKey("Injected"));
        Assert.Equal(Body, got.Body);
    }

    [Fact]
    public async Task The_timestamp_comes_from_the_time_provider_and_is_what_is_signed()
    {
        await using var receiver = await StartAsync();
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var services = Services(["127.0.0.1"], time: clock);

        await Sender(services).SendAsync(new WebhookRequest(receiver.Url(Path), "alert-2", _secret, null, Body));

        var got = Assert.Single(receiver.Received(Path));
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(timestamp.ToString(CultureInfo.InvariantCulture), got.Timestamp);
        Assert.Equal(WebhookSignature.Sign(_secret, "alert-2", timestamp, Body), got.Signature);
        Assert.Contains("too old", got.VerificationError);
    }

    [Fact]
    public async Task A_server_error_fails_with_status_reason_and_the_start_of_the_body()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.ServerError("database\nunavailable " + new string('x', 2000)));
        await using var services = Services(["127.0.0.1"]);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(DeliveryOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(500, outcome.HttpStatus);
        Assert.StartsWith("HTTP 500 Internal Server Error: database unavailable xxx", outcome.Error);
        Assert.Equal("HTTP 500 Internal Server Error: ".Length + 200, outcome.Error!.Length);
        Assert.Null(outcome.RetryAfter);
        Assert.True(outcome.IsHostFailure);
    }

    [Fact]
    public async Task Gone_is_its_own_outcome()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Gone);
        await using var services = Services(["127.0.0.1"]);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(new DeliveryOutcome(DeliveryOutcomeKind.Gone, 410, "HTTP 410 Gone: gone for good", null), outcome);
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("100000", 24 * 3600)]
    public async Task Too_many_requests_reports_retry_after_in_seconds_capped_at_a_day(string header, int seconds)
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.TooManyRequests(header));
        await using var services = Services(["127.0.0.1"]);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(DeliveryOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(429, outcome.HttpStatus);
        Assert.Equal(TimeSpan.FromSeconds(seconds), outcome.RetryAfter);
        Assert.True(outcome.IsHostFailure);
    }

    [Fact]
    public async Task Unavailable_reports_retry_after_given_as_a_date()
    {
        await using var receiver = await StartAsync();
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var at = clock.GetUtcNow().AddMinutes(2);
        receiver.Answer(Path, WebhookAnswer.Unavailable(at.ToString("R", CultureInfo.InvariantCulture)));
        await using var services = Services(["127.0.0.1"], time: clock);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(503, outcome.HttpStatus);
        Assert.InRange(outcome.RetryAfter!.Value, TimeSpan.FromSeconds(119), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task Unavailable_without_retry_after_leaves_it_to_the_schedule()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Unavailable());
        await using var services = Services(["127.0.0.1"]);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(new DeliveryOutcome(DeliveryOutcomeKind.Failed, 503, "HTTP 503 Service Unavailable", null), outcome);
    }

    [Fact]
    public async Task Redirects_fail_and_are_not_followed()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Redirect("/hooks/elsewhere"));
        await using var services = Services(["127.0.0.1"]);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(DeliveryOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(302, outcome.HttpStatus);
        Assert.Equal("HTTP 302 Found: redirects are not followed (Location: /hooks/elsewhere)", outcome.Error);
        Assert.False(outcome.IsHostFailure);
        Assert.Single(receiver.Received(Path));
        Assert.Empty(receiver.Received("/hooks/elsewhere"));
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_times_out()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Hanging);
        await using var services = Services(["127.0.0.1"], timeout: "00:00:01");

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(new DeliveryOutcome(DeliveryOutcomeKind.Failed, null, "timed out after 1 s", null), outcome);
        Assert.True(outcome.IsHostFailure);
        Assert.Single(receiver.Received(Path));
        await Eventually.Until(() => Task.FromResult(receiver.Active(Path) == 0), Wait, "the receiver to see the timed-out request aborted");
    }

    [Fact]
    public async Task A_slow_answer_within_the_timeout_is_delivered()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Slow(TimeSpan.FromMilliseconds(300)));
        await using var services = Services(["127.0.0.1"], timeout: "00:00:05");

        Assert.Equal(DeliveryOutcomeKind.Delivered, (await SendAsync(services, receiver)).Kind);
    }

    [Fact]
    public async Task Failing_the_next_requests_then_succeeding()
    {
        await using var receiver = await StartAsync();
        receiver.FailNext(Path, 2);
        await using var services = Services(["127.0.0.1"]);

        var outcomes = new List<DeliveryOutcomeKind>();
        for (var i = 0; i < 3; i++) outcomes.Add((await SendAsync(services, receiver)).Kind);

        Assert.Equal([DeliveryOutcomeKind.Failed, DeliveryOutcomeKind.Failed, DeliveryOutcomeKind.Delivered], outcomes);
        var got = await receiver.WaitForAsync(Path, 3, Wait);
        Assert.Equal([500, 500, 200], got.Select(r => r.AnsweredWith));
        Assert.All(got, r => Assert.Equal("alert-1", r.WebhookId));
    }

    [Fact]
    public async Task Sent_through_host_slots_a_receiver_sees_at_most_the_limit_at_once()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Slow(TimeSpan.FromMilliseconds(200)));
        await using var services = Services(["127.0.0.1"], perHost: 4);
        var hosts = services.GetRequiredService<WebhookHosts>();
        var sender = Sender(services);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            var request = new WebhookRequest(receiver.Url(Path), $"alert-{i}", _secret, null, Body);
            using var lease = await hosts.EnterAsync(request.Url.IdnHost);
            var outcome = await sender.SendAsync(request);
            lease.Complete(!outcome.IsHostFailure);
            return outcome.Kind;
        }));

        Assert.All(outcomes, kind => Assert.Equal(DeliveryOutcomeKind.Delivered, kind));
        Assert.InRange(receiver.PeakActive(Path), 1, 4);
        Assert.Equal(10, (await receiver.WaitForAsync(Path, 10, Wait)).Select(r => r.WebhookId).Distinct().Count());
    }

    [Fact]
    public async Task A_loopback_receiver_is_refused_when_not_listed_and_never_reached()
    {
        await using var receiver = await StartAsync();
        await using var services = Services([]);

        var outcome = await SendAsync(services, receiver);

        Assert.Equal(DeliveryOutcomeKind.Failed, outcome.Kind);
        Assert.Null(outcome.HttpStatus);
        Assert.Contains($"webhook address 127.0.0.1 is not public (loopback, link-local, private or reserved); {AllowHint}", outcome.Error);
        Assert.Empty(receiver.Received(Path));
    }

    [Fact]
    public async Task A_name_that_resolves_only_to_loopback_is_refused_when_not_listed_and_allowed_when_listed()
    {
        await using var receiver = await StartAsync();
        var url = new Uri($"http://localhost:{receiver.BaseUrl.Port}{Path}");
        await using (var strict = Services([]))
        {
            var outcome = await Sender(strict).SendAsync(new WebhookRequest(url, "alert-1", _secret, null, Body));
            Assert.Contains($"webhook host localhost resolves only to private addresses; {AllowHint}", outcome.Error);
            Assert.Empty(receiver.Received(Path));
        }
        await using (var listed = Services(["localhost"]))
        {
            var outcome = await Sender(listed).SendAsync(new WebhookRequest(url, "alert-1", _secret, null, Body));
            Assert.Equal(DeliveryOutcomeKind.Delivered, outcome.Kind);
            Assert.Single(receiver.Received(Path));
        }
    }

    [Fact]
    public async Task A_closed_port_fails_as_a_connection_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var services = Services(["127.0.0.1"]);

        var outcome = await Sender(services).SendAsync(new WebhookRequest(new Uri($"http://127.0.0.1:{port}/x"), "alert-1", _secret, null, Body));

        Assert.Equal(DeliveryOutcomeKind.Failed, outcome.Kind);
        Assert.Null(outcome.HttpStatus);
        Assert.Contains("refused", outcome.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_an_outcome()
    {
        await using var receiver = await StartAsync();
        receiver.Answer(Path, WebhookAnswer.Hanging);
        await using var services = Services(["127.0.0.1"]);
        using var cancel = new CancellationTokenSource();

        var sending = Sender(services).SendAsync(new WebhookRequest(receiver.Url(Path), "alert-1", _secret, null, Body), cancel.Token);
        await receiver.WaitForAsync(Path, 1, Wait);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    private async Task<WebhookReceiver> StartAsync()
    {
        var receiver = await WebhookReceiver.StartAsync();
        receiver.Register(Path, _secret);
        return receiver;
    }

    private Task<DeliveryOutcome> SendAsync(ServiceProvider services, WebhookReceiver receiver) =>
        Sender(services).SendAsync(new WebhookRequest(receiver.Url(Path), "alert-1", _secret, null, Body));

    private static WebhookSender Sender(ServiceProvider services) => services.GetRequiredService<WebhookSender>();

    private static ServiceProvider Services(string[] allowed, string timeout = "00:00:15", TimeProvider? time = null, int? perHost = null)
    {
        var settings = new Dictionary<string, string?> { ["Apperate:Rules:Timeout"] = timeout };
        if (perHost is { } limit) settings["Apperate:Rules:MaxConcurrencyPerHost"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < allowed.Length; i++) settings[$"Apperate:Rules:AllowedWebhookHosts:{i}"] = allowed[i];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        if (time is not null) services.AddSingleton(time);
        return services.AddWebhookDelivery(configuration.GetSection("Apperate:Rules")).BuildServiceProvider();
    }
}
