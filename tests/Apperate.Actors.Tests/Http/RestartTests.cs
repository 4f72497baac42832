using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary>Restarts of the real process on the same data directory (each test runs its own processes).</summary>
public sealed class RestartTests
{
    private const string Ws = Api.Workspace;

    private const string Records = """
        [{"sym":"AAPL","ex":"NYSE","d":"2024-01-01T10:00:00Z","px":1.25,"n":1,"ok":true,"meta":{"a":[1,2]}},
         {"sym":"AAPL","ex":"NYSE","d":"2024-01-02T10:00:00Z","px":2.5,"n":2,"ok":false,"meta":null},
         {"sym":"AAPL","ex":"LSE","d":"2024-01-01T10:00:00Z","px":3,"n":3,"ok":true},
         {"sym":"MSFT","ex":"NYSE","d":"2024-01-03T10:00:00Z","px":-4.75,"n":4,"ok":false,"meta":{"b":"x"}},
         {"sym":"MSFT","ex":"NYSE","d":"2024-01-04T10:00:00Z","px":5,"n":5,"ok":true}]
        """;

    private static async Task<string> CreateAndFill(Api api)
    {
        var id = Api.UniqueId("restart");
        await api.CreateDataset(id, "sym", "d", "ex",
            ("sym", "string"), ("ex", "string"), ("d", "string:date-time"), ("px", "number"), ("n", "integer"), ("ok", "boolean"), ("meta", "object"));
        await api.WriteNow(id, Records);
        return id;
    }

    private static async Task<(string Definition, string Data)> Snapshot(Api api, string id)
    {
        var definition = (await api.Get($"/v1/datasets/{Ws}/{id}")).Expect(200).Json;
        var shape = new JsonObject
        {
            ["datasetId"] = definition["datasetId"]!.DeepClone(),
            ["schema"] = definition["schema"]!.DeepClone(),
            ["columnMapping"] = definition["columnMapping"]!.DeepClone(),
            ["date"] = definition["date"]!.DeepClone(),
            ["records"] = definition["records"]!.DeepClone(),
        };
        var data = (await api.Data($"{id}?last=100&sort=asc&includeSystemRecordProperties=true")).ToJsonString();
        return (shape.ToJsonString(), data);
    }

    [Fact]
    public async Task The_dataset_its_records_and_both_tokens_survive_a_graceful_restart()
    {
        await using var first = new SiloProcess();
        await first.StartAsync();

        // First start of a fresh data directory: the workspace and its token are printed and saved.
        var stdout = first.StandardOutput;
        Assert.True(Regex.IsMatch(stdout, @"Workspace:\s+DEMO\b"), $"the workspace name was not printed{Environment.NewLine}{first.Tail()}");
        Assert.True(stdout.Contains(first.Token, StringComparison.Ordinal), $"the token was not printed{Environment.NewLine}{first.Tail()}");
        var credentialsPath = Path.Combine(first.DataDirectory, "credentials.json");
        Assert.True(File.Exists(credentialsPath), $"{credentialsPath} was not written");
        var credentials = JsonNode.Parse(await File.ReadAllTextAsync(credentialsPath))!;
        Assert.Equal("DEMO", credentials["workspace"]!.GetValue<string>());
        Assert.Equal(first.Token, credentials["token"]!.GetValue<string>());

        var id = await CreateAndFill(first.Api);
        var created = (await first.Api.Post($"/v1/tokens/{Ws}", $$$"""{"type":"publishable","permissions":{"{{{id}}}":["read"]}}""")).Expect(201).Json;
        var pk = created["token"]!.GetValue<string>();
        var before = await Snapshot(first.Api, id);
        Assert.Contains("\"records\":5", before.Definition);

        Assert.Equal(0, await first.StopGracefullyAsync());

        await using var second = new SiloProcess(first.DataDirectory, first.Token);
        await second.StartAsync();
        Assert.False(second.StandardOutput.Contains("Secret token:", StringComparison.Ordinal),
            $"the existing token was printed again{Environment.NewLine}{second.Tail()}");

        var after = await Snapshot(second.Api, id);
        Assert.Equal(before.Definition, after.Definition);
        Assert.Equal(before.Data, after.Data);
        Assert.Equal(
            """[{"sym":"MSFT","ex":"NYSE","d":"2024-01-04T10:00:00Z","px":5,"n":5,"ok":true,"meta":null},{"sym":"MSFT","ex":"NYSE","d":"2024-01-03T10:00:00Z","px":-4.75,"n":4,"ok":false,"meta":{"b":"x"}}]""",
            (await second.Api.Data($"{id}/MSFT?last=10")).ToJsonString());

        // Both tokens still work, with the same rights.
        (await second.Api.Get($"/v1/tokens/{Ws}")).Expect(200);
        var reader = second.Api.As(pk);
        Assert.Equal(5, (await reader.Data($"{id}?last=100")).Count);
        (await reader.Post($"/v1/record/{Ws}/{id}?wait=true", """{"sym":"X","ex":"Y","d":"2024-01-01T00:00:00Z"}""")).ExpectProblem(403);

        // And the dataset takes writes again, both ways.
        await second.Api.WriteNow(id, """{"sym":"IBM","ex":"NYSE","d":"2024-02-01T00:00:00Z","px":7,"n":7}""");
        (await second.Api.Post($"/v1/record/{Ws}/{id}", """{"sym":"IBM","ex":"NYSE","d":"2024-02-02T00:00:00Z","px":8,"n":8}""")).Expect(200);
        await Eventually.Until(async () => await second.Api.RecordCount(id) == 7, TimeSpan.FromSeconds(15), $"the async write after the restart to be stored in {id}");
    }

    [Fact]
    public async Task The_secret_token_is_stored_so_a_restart_without_the_bootstrap_token_accepts_it()
    {
        await using var first = new SiloProcess();
        await first.StartAsync();
        var id = await CreateAndFill(first.Api);
        var credentials = await File.ReadAllTextAsync(Path.Combine(first.DataDirectory, "credentials.json"));
        Assert.Equal(0, await first.StopGracefullyAsync());

        await using var second = new SiloProcess(first.DataDirectory, first.Token, passBootstrapToken: false);
        await second.StartAsync();
        Assert.Equal(5, await second.Api.RecordCount(id));
        (await second.Api.As("sk_" + Guid.NewGuid().ToString("N")).Get($"/v1/datasets/{Ws}")).ExpectProblem(401);
        Assert.Equal(credentials, await File.ReadAllTextAsync(Path.Combine(first.DataDirectory, "credentials.json")));
    }

    [Fact]
    public async Task Records_written_with_wait_true_survive_a_kill()
    {
        await using var first = new SiloProcess();
        await first.StartAsync();
        var id = await CreateAndFill(first.Api);
        var before = await Snapshot(first.Api, id);
        first.Kill();
        Assert.NotEqual(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL"));

        await using var second = new SiloProcess(first.DataDirectory, first.Token);
        await second.StartAsync();
        Assert.Equal(before, await Snapshot(second.Api, id));
    }
}
