using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Rules, their throttle and their pending deliveries across restarts of the real process (graceful and kill -9).</summary>
public sealed class RuleRestartTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>Enough attempts, two seconds apart, to outlast a restart.</summary>
    private static readonly string[] Arguments =
    [
        "--Apperate:Rules:AllowedWebhookHosts:0=127.0.0.1",
        "--Apperate:Rules:RetrySchedule=0,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s",
    ];

    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Tick(int n) => $$"""{"symbol":"AAPL","seq":{{n}},"price":{{100 + n}}}""";

    private async Task<(string Dataset, string RuleId)> Setup(Api api, string path, JsonObject? output = null)
    {
        var dataset = Api.UniqueId("TICKS");
        await api.CreateDataset(dataset, "symbol", null, "seq", ("symbol", "string"), ("seq", "integer"), ("price", "number"));
        var created = await api.Create(RuleApi.Body("restart", dataset, ["price"], """[["$index[0]",">",0]]""", output ?? RuleApi.Webhook(_receiver.Url(path))));
        if (created["outputs"]![0]!["secret"] is { } secret) _receiver.Register(path, secret.GetValue<string>());
        return (dataset, created["id"]!.GetValue<string>());
    }

    /// <summary>The webhook ids answered 2xx, with how many times each was.</summary>
    private Dictionary<string, int> Delivered(string path) =>
        _receiver.Received(path).Where(r => r.AnsweredWith is >= 200 and < 300).GroupBy(r => r.WebhookId!).ToDictionary(g => g.Key, g => g.Count());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pending_deliveries_resume_after_a_restart_and_every_alert_arrives(bool kill)
    {
        const int alerts = 10;
        var path = "/restart/" + Guid.NewGuid().ToString("N");
        _receiver.Answer(path, WebhookAnswer.Unavailable());
        await using var first = new SiloProcess(extraArguments: Arguments);
        await first.StartAsync();
        var (dataset, _) = await Setup(first.Api, path);
        for (var n = 0; n < alerts; n++) await first.Api.WriteNow(dataset, Tick(n));
        var failed = await _receiver.WaitForAsync(path, alerts, Wait);
        var expected = failed.Select(r => r.WebhookId!).ToHashSet();
        Assert.Equal(alerts, expected.Count);

        if (kill)
        {
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
        }
        else
        {
            Assert.Equal(0, await first.StopGracefullyAsync());
        }
        _receiver.Answer(path, WebhookAnswer.Ok);

        await using var second = new SiloProcess(first.DataDirectory, first.Token, extraArguments: Arguments);
        await second.StartAsync();
        await Eventually.Until(() => Task.FromResult(Delivered(path).Count == alerts), Wait,
            $"all {alerts} alerts delivered after the restart{Environment.NewLine}{second.Tail()}");
        var delivered = Delivered(path);
        Assert.Equal(expected, delivered.Keys.ToHashSet());
        // Nothing was delivered before the restart, so nothing may be delivered twice.
        Assert.All(delivered, d => Assert.Equal(1, d.Value));
        Assert.All(_receiver.Received(path), r => Assert.True(r.SignatureValid, r.VerificationError));
    }

    [Fact]
    public async Task The_throttle_holds_across_a_restart_and_an_edit_that_keeps_the_conditions_and_resets_when_they_change()
    {
        await using var first = new SiloProcess(extraArguments: Arguments);
        await first.StartAsync();
        var (dataset, ruleId) = await Setup(first.Api, "", RuleApi.Logs(3600));
        async Task<int> Logged(Api api) => (await api.Get($"/v1/rules/output/{ruleId}?last=100")).Expect(200).Json.AsArray().Count;

        await first.Api.WriteNow(dataset, Tick(1));
        Assert.Equal(1, await Logged(first.Api));
        Assert.Equal(0, await first.StopGracefullyAsync());

        await using var second = new SiloProcess(first.DataDirectory, first.Token, extraArguments: Arguments);
        await second.StartAsync();
        var api = second.Api;
        await api.WriteNow(dataset, Tick(2));
        Assert.Equal((2L, 2L, 0L, 1L, 1L), await api.Counters(ruleId));

        // An edit that keeps the conditions (a new name, another frequency) keeps the throttle's memory.
        var edit = RuleApi.Body("renamed", dataset, ["price"], """[["$index[0]",">",0]]""", RuleApi.Logs(7200));
        edit["id"] = ruleId;
        await api.Create(edit);
        await api.WriteNow(dataset, Tick(3));
        Assert.Equal(1, await Logged(api));
        Assert.Equal((3L, 3L, 0L, 1L, 2L), await api.Counters(ruleId));

        // An edit that changes what is evaluated starts over.
        edit = RuleApi.Body("renamed", dataset, ["price"], """[["$index[0]",">",1]]""", RuleApi.Logs(7200));
        edit["id"] = ruleId;
        await api.Create(edit);
        await api.WriteNow(dataset, Tick(4));
        Assert.Equal(2, await Logged(api));
        Assert.Equal((4L, 4L, 0L, 2L, 2L), await api.Counters(ruleId));
    }
}
