using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;

namespace Apperate.Actors.Tests.Rules;

/// <summary>
/// One real silo whose rules may call webhooks on loopback (<c>127.0.0.1</c> and <c>localhost</c> are allowed) with a
/// fast retry schedule, and a webhook receiver; shared by the rule tests, each with its own datasets and paths.
/// </summary>
public sealed class RulesSiloFixture : IAsyncLifetime
{
    /// <summary>Attempts at once, 300 ms and 600 ms after a failure: the third failure is a dead letter.</summary>
    public const string RetrySchedule = "0,300ms,600ms";

    /// <summary>Requests in flight per destination host: few, so a hanging receiver fills its slots quickly.</summary>
    public const int MaxConcurrencyPerHost = 4;

    /// <summary>The silo arguments that allow loopback receivers and shorten the retry schedule.</summary>
    public static readonly string[] Arguments =
    [
        "--Apperate:Rules:AllowedWebhookHosts:0=127.0.0.1",
        "--Apperate:Rules:AllowedWebhookHosts:1=localhost",
        $"--Apperate:Rules:RetrySchedule={RetrySchedule}",
        "--Apperate:Rules:Timeout=00:00:03",
        $"--Apperate:Rules:MaxConcurrencyPerHost={MaxConcurrencyPerHost}",
    ];

    public SiloProcess Silo { get; } = new(extraArguments: Arguments);

    public WebhookReceiver Receiver { get; private set; } = null!;

    public Api Api => Silo.Api;

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        await Silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RulesSiloCollection : ICollectionFixture<RulesSiloFixture>
{
    public const string Name = "Rules silo";
}

/// <summary>Rule bodies and calls shared by the rule tests.</summary>
public static class RuleApi
{
    /// <summary>A rule body: <c>conditions</c> as JSON text (e.g. <c>[["$index[0]","&gt;",150]]</c>) over <paramref name="index"/> facts of DEMO.</summary>
    public static JsonObject Body(string name, string dataset, string[] index, string conditions, params JsonObject[] outputs)
    {
        var facts = new JsonArray();
        foreach (var property in index) facts.Add($"{Api.Workspace}:DATASET:{dataset}:{property}");
        var list = new JsonArray();
        foreach (var output in outputs) list.Add(output);
        return new JsonObject
        {
            ["ruleName"] = name,
            ["type"] = "all",
            ["index"] = facts,
            ["conditions"] = JsonNode.Parse(conditions),
            ["outputs"] = list,
        };
    }

    public static JsonObject Webhook(Uri url, int frequency = 0, string? secret = null)
    {
        var output = new JsonObject { ["method"] = "webhook", ["url"] = url.ToString(), ["frequency"] = frequency };
        if (secret is not null) output["secret"] = secret;
        return output;
    }

    public static JsonObject Logs(int frequency = 0) => new() { ["method"] = "logs", ["frequency"] = frequency };

    public static JsonObject ToDataset(string datasetId, int frequency = 0) => new() { ["method"] = "dataset", ["datasetId"] = datasetId, ["frequency"] = frequency };

    /// <summary>Creates (or with an id in the body, edits) a rule; returns the response.</summary>
    public static async Task<JsonNode> Create(this Api api, JsonObject body)
    {
        var reply = await api.Post("/v1/rules/create", body.ToJsonString());
        reply.Expect(200);
        return reply.Json;
    }

    /// <summary>The rule's entry in <c>GET /v1/rules/info/:id</c>.</summary>
    public static async Task<JsonNode> Info(this Api api, string id)
    {
        var reply = await api.Get($"/v1/rules/info/{id}");
        reply.Expect(200);
        return reply.Json.AsArray().Single()!;
    }

    /// <summary>The rule's counters as (ran, passed, failed, sent, throttled).</summary>
    public static async Task<(long Ran, long Passed, long Failed, long Sent, long Throttled)> Counters(this Api api, string id)
    {
        var info = await api.Info(id);
        return (N(info, "ran"), N(info, "passed"), N(info, "failed"), N(info, "sent"), N(info, "throttled"));
        static long N(JsonNode n, string name) => n[name]!.GetValue<long>();
    }
}
