using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Apperate.Actors.Tests.Rules;
using Xunit.Abstractions;

namespace Apperate.Actors.Tests.Cluster;

/// <summary>
/// Three real silos in <c>Cluster</c> mode on MariaDB, a rule with a webhook to a real receiver, and a SIGKILL of the
/// silo that holds the rule's dataset grain while matching <c>wait=true</c> writes go on.
/// </summary>
public sealed class RuleFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ws = Api.Workspace;
    private const int Writers = 4;
    private static readonly TimeSpan KeepWorking = TimeSpan.FromSeconds(120);

    private readonly MariaDbServer _server = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Every_acknowledged_matching_write_is_delivered_after_the_silo_holding_its_dataset_is_killed()
    {
        var database = await _server.CreateDatabaseAsync("rulefailover");
        var connectionString = _server.ConnectionString(database);
        var clusterId = "rules-" + Guid.NewGuid().ToString("N")[..8];
        string[] arguments =
        [
            "--Apperate:Mode=Cluster", $"--Apperate:ConnectionString={connectionString}", $"--Apperate:ClusterId={clusterId}",
            .. RulesSiloFixture.Arguments.Where(a => !a.Contains("RetrySchedule", StringComparison.Ordinal)),
            "--Apperate:Rules:RetrySchedule=0,1s,2s,2s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s",
        ];
        var token = "sk_test_" + Guid.NewGuid().ToString("N");
        var silos = new[] { new SiloProcess(token: token, extraArguments: arguments), new SiloProcess(token: token, extraArguments: arguments), new SiloProcess(token: token, extraArguments: arguments) };
        try
        {
            await Task.WhenAll(silos.Select(s => s.StartAsync()));
            string Diagnostics() => string.Join(Environment.NewLine, silos.Select((s, i) => $"silo {i} (pid {(s.IsRunning ? s.ProcessId : -1)}):{Environment.NewLine}{s.Tail(40)}"));
            await Eventually.Until(async () => await Membership.ActiveSilos(connectionString, clusterId) == 3, SiloProcess.ReadyTimeout, "three active silos in the membership table");

            var dataset = Api.UniqueId("TRADES");
            await silos[0].Api.CreateDataset(dataset, "id", null, null, ("id", "string"), ("n", "integer"));
            var path = "/failover/" + Guid.NewGuid().ToString("N");
            var created = await silos[0].Api.Create(RuleApi.Body("every trade", dataset, ["n"], """[["$index[0]",">=",0]]""", RuleApi.Webhook(_receiver.Url(path))));
            var ruleId = created["id"]!.GetValue<string>();
            _receiver.Register(path, created["outputs"]![0]!["secret"]!.GetValue<string>());

            // The silo whose dataset grain took the rule is the one to kill.
            await Eventually.Until(() => Task.FromResult(silos.Any(s => s.StandardOutput.Contains($"Rule {ruleId} (version 1", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10), "a silo to log that the dataset grain took the rule");
            var victim = silos.Single(s => s.StandardOutput.Contains($"Rule {ruleId} (version 1", StringComparison.Ordinal));
            var survivors = silos.Where(s => s != victim).ToArray();

            var acknowledged = new ConcurrentDictionary<string, bool>();
            var afterKill = new ConcurrentDictionary<int, int>();
            var killed = 0;
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var targets = Volatile.Read(ref killed) == 0 ? silos : survivors;
                    var record = $"w{w}-{n}";
                    try
                    {
                        var reply = await targets[n % targets.Length].Api.Post($"/v1/record/{Ws}/{dataset}?wait=true", $$"""{"id":"{{record}}","n":{{n}}}""");
                        if (reply.Status != 200) continue;
                        acknowledged[record] = true;
                        if (Volatile.Read(ref killed) == 1) afterKill.AddOrUpdate(w, 1, (_, c) => c + 1);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                    }
                }
            })).ToArray();

            await Eventually.Until(() => Task.FromResult(acknowledged.Count >= 200), KeepWorking, "200 acknowledged writes before the kill");
            victim.Kill();
            Volatile.Write(ref killed, 1);
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");
            await Eventually.Until(() => Task.FromResult(Enumerable.Range(0, Writers).All(w => afterKill.GetValueOrDefault(w) >= 20)), KeepWorking,
                $"20 acknowledged writes per writer after the kill{Environment.NewLine}{Diagnostics()}");
            stop.Cancel();
            await Task.WhenAll(load);

            // Every acknowledged record's alert arrives; a webhook-id seen twice (the crash may repeat one) is the same alert.
            Dictionary<string, string> delivered = [];
            try
            {
                await Eventually.Until(() =>
                {
                    delivered = DeliveredRecords(path);
                    return Task.FromResult(acknowledged.Keys.All(delivered.ContainsKey));
                }, KeepWorking, $"the alerts of all {acknowledged.Count} acknowledged records");
            }
            catch (TimeoutException ex)
            {
                var missingNow = acknowledged.Keys.Where(k => !delivered.ContainsKey(k)).ToList();
                var deliveries = await survivors[0].Api.Get($"/v1/rules/deliveries/{ruleId}?limit=10000");
                var statuses = deliveries.Status == 200
                    ? string.Join(", ", deliveries.Json.AsArray().GroupBy(a => a!["status"]!.GetValue<string>()).Select(g => $"{g.Key}: {g.Count()}"))
                    : deliveries.Describe();
                var active = await Membership.ActiveSilos(connectionString, clusterId);
                throw new TimeoutException($"{ex.Message} {missingNow.Count} missing ({string.Join(", ", missingNow.Take(10))}); {active} silos active in the membership table; " +
                    $"{_receiver.Received(path).Count} requests received; delivery attempts by status: {statuses}{Environment.NewLine}{Diagnostics()}", ex);
            }
            var missing = acknowledged.Keys.Where(k => !delivered.ContainsKey(k)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records have no alert: {string.Join(", ", missing.Take(20))}");
            var received = _receiver.Received(path);
            Assert.All(received, r => Assert.True(r.SignatureValid, r.VerificationError));
            foreach (var same in received.GroupBy(r => r.WebhookId))
                Assert.Single(same.Select(r => JsonNode.Parse(r.BodyText)!["data"]!["record"]!["id"]!.GetValue<string>()).Distinct());
            var repeated = received.Where(r => r.AnsweredWith == 200).GroupBy(r => r.WebhookId).Count(g => g.Count() > 1);
            output.WriteLine($"{acknowledged.Count} acknowledged writes ({afterKill.Values.Sum()} after the kill), {delivered.Count} records alerted, " +
                $"{received.Count} requests, {repeated} webhook-ids delivered more than once (only a crash may cause that)");
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    /// <summary>The records whose alert the receiver answered 2xx, with the webhook-id.</summary>
    private Dictionary<string, string> DeliveredRecords(string path)
    {
        var delivered = new Dictionary<string, string>();
        foreach (var r in _receiver.Received(path).Where(r => r.AnsweredWith is >= 200 and < 300))
            delivered[JsonNode.Parse(r.BodyText)!["data"]!["record"]!["id"]!.GetValue<string>()] = r.WebhookId!;
        return delivered;
    }
}
