using System.Text.Json.Nodes;

namespace Apperate.Actors.Tests.Http;

/// <summary><c>/v1/views/:workspace</c> and views read with <c>GET /v1/data</c>, against the real process.</summary>
[Collection(SiloCollection.Name)]
public sealed class ViewHttpTests(SiloFixture fixture)
{
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;

    /// <summary>A CARS and a CAR_ACCIDENTS dataset of this test, with V1 (two accidents), V2 (one) and V3 (none).</summary>
    private async Task<(string Cars, string Accidents)> SeedAsync()
    {
        var cars = Api.UniqueId("cars");
        var accidents = Api.UniqueId("acc");
        await _api.CreateDataset(cars, "vin", null, null, ("vin", "string"), ("make", "string"), ("year", "integer"));
        await _api.CreateDataset(accidents, "vin", "date", null, ("vin", "string"), ("date", "string:date"), ("cost", "number"));
        await _api.WriteNow(cars, """[{"vin":"V1","make":"Volvo","year":2019},{"vin":"V2","make":"Saab","year":2001},{"vin":"V3","make":"Fiat","year":2022}]""");
        await _api.WriteNow(accidents, """[{"vin":"V1","date":"2024-01-02","cost":1200.5},{"vin":"V1","date":"2024-03-04","cost":800},{"vin":"V2","date":"2024-02-01","cost":150.25}]""");
        return (cars, accidents);
    }

    private static string ViewBody(string viewId, string sql, string? mapping = null) =>
        new JsonObject { ["viewId"] = viewId, ["sql"] = sql, ["columnMapping"] = mapping is null ? null : JsonNode.Parse(mapping) }.ToJsonString();

    private static string Join(string cars, string accidents) =>
        $"SELECT a.vin, a.make, c.date, c.cost FROM {Ws}.`{cars}` a JOIN {Ws}.`{accidents}` c ON c.`vin` = a.`vin`;";

    [Fact]
    public async Task A_view_joins_datasets_and_is_queried_and_listed_like_a_dataset()
    {
        var (cars, accidents) = await SeedAsync();
        var viewId = Api.UniqueId("joined");
        (await _api.Post($"/v1/views/{Ws}", ViewBody(viewId, Join(cars, accidents))))
            .ExpectJson(201, $$"""{"success":true,"message":"View has been created","viewId":"{{viewId}}"}""");

        var latest = Assert.Single(await _api.Data($"{viewId}/V1?last=1"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"vin":"V1","make":"Volvo","date":"2024-03-04","cost":800}"""), latest), latest!.ToJsonString());
        Assert.Equal(3, (await _api.Data($"{viewId}?last=100")).Count);
        Assert.Equal(["2024-01-02"], (await _api.Data($"{viewId}/V1?from=2024-01-01&to=2024-01-31")).Select(r => r!["date"]!.GetValue<string>()));

        var got = (await _api.Get($"/v1/views/{Ws}/{viewId}")).Expect(200).Json;
        Assert.Equal("valid", got["status"]!.GetValue<string>());
        Assert.Equal("view", got["type"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"vin","date":"date"}"""), got["columnMapping"]), got.ToJsonString());
        Assert.Equal([accidents, cars], got["datasets"]!.AsArray().Select(d => d!.GetValue<string>()).Order(StringComparer.OrdinalIgnoreCase));

        (await _api.Get($"/v1/data/{Ws}/{viewId}?queryId=q1")).ExpectProblem(400, "queryId");

        var listed = (await _api.Get($"/v1/datasets/{Ws}")).Expect(200).Json.AsArray();
        Assert.Contains(listed, d => d!["viewId"]?.GetValue<string>() == viewId && d["type"]!.GetValue<string>() == "view");
        Assert.Contains(listed, d => d!["datasetId"]?.GetValue<string>() == cars);
    }

    [Fact]
    public async Task Validate_answers_the_columns_or_a_400_with_the_position()
    {
        var (cars, accidents) = await SeedAsync();
        var ok = (await _api.Post($"/v1/views/{Ws}/validate", new JsonObject { ["sql"] = Join(cars, accidents) }.ToJsonString())).Expect(200).Json;
        Assert.Equal(["vin:string", "make:string", "date:date", "cost:number"],
            ok["columns"]!.AsArray().Select(c => $"{c!["name"]}:{c["type"]}"));

        var star = (await _api.Post($"/v1/views/{Ws}/validate", """{"sql":"SELECT * FROM X"}""")).Expect(400);
        Assert.Contains("SELECT * is not allowed", star.Body, StringComparison.Ordinal);
        var where = (await _api.Post($"/v1/views/{Ws}/validate", new JsonObject { ["sql"] = $"SELECT vin FROM `{cars}`\nWHERE make = 'Saab'" }.ToJsonString())).Expect(400);
        Assert.Contains("cannot select by 'make' (at line 2, column 7", where.Body, StringComparison.Ordinal);
        (await _api.Post($"/v1/views/{Ws}", """{"sql":"SELECT vin FROM X"}""")).Expect(400);
        var missing = (await _api.Post($"/v1/views/{Ws}", """{"viewId":"V_NOSQL"}""")).Expect(400);
        Assert.Contains("sql", missing.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_statements_are_400s_naming_the_sql_and_save_nothing()
    {
        var sample = Views.ViewCompilerTests.HostileCorpus().Where((_, i) => i % 10 == 0).ToList();
        Assert.True(sample.Count >= 50, $"{sample.Count} statements");
        foreach (var sql in sample)
        {
            var reply = (await _api.Post($"/v1/views/{Ws}/validate", new JsonObject { ["sql"] = sql }.ToJsonString())).Expect(400);
            Assert.Equal("sql", reply.Json["errors"]![0]!["field"]!.GetValue<string>());
        }
        var id = Api.UniqueId("hostile");
        (await _api.Post($"/v1/views/{Ws}", ViewBody(id, "SELECT vin FROM X; DROP TABLE X"))).Expect(400);
        (await _api.Get($"/v1/views/{Ws}/{id}")).Expect(404);
        (await _api.Get($"/v1/data/{Ws}/{id}")).Expect(404);
    }

    [Fact]
    public async Task Deleting_a_dataset_a_view_reads_is_409_naming_the_view_unless_cascade()
    {
        var (cars, accidents) = await SeedAsync();
        var viewId = Api.UniqueId("dep");
        (await _api.Post($"/v1/views/{Ws}", ViewBody(viewId, Join(cars, accidents)))).Expect(201);

        var refused = (await _api.Delete($"/v1/datasets/{Ws}/{accidents}")).Expect(409);
        Assert.Contains(viewId, refused.Body, StringComparison.Ordinal);
        Assert.Single(await _api.Data($"{viewId}/V2"));

        (await _api.Delete($"/v1/datasets/{Ws}/{accidents}?cascade=true")).Expect(200);
        (await _api.Get($"/v1/views/{Ws}/{viewId}")).Expect(404);
        (await _api.Get($"/v1/data/{Ws}/{viewId}/V2")).Expect(404);
    }

    [Fact]
    public async Task A_renamed_dataset_is_still_read_and_a_replaced_inner_view_invalidates_the_outer_one()
    {
        var (cars, accidents) = await SeedAsync();
        var inner = Api.UniqueId("inner");
        var outer = Api.UniqueId("outer");
        (await _api.Post($"/v1/views/{Ws}", ViewBody(inner, Join(cars, accidents)))).Expect(201);
        (await _api.Post($"/v1/views/{Ws}", ViewBody(outer, $"SELECT i.vin, i.date, i.cost * 2 AS doubled FROM `{inner}` i"))).Expect(201);
        Assert.Equal(1600.0, Assert.Single(await _api.Data($"{outer}/V1?last=1"))!["doubled"]!.GetValue<double>());

        var renamed = Api.UniqueId("renamed");
        (await _api.Put($"/v1/datasets/{Ws}/{accidents}/{renamed}")).Expect(200);
        Assert.Equal(1600.0, Assert.Single(await _api.Data($"{outer}/V1?last=1"))!["doubled"]!.GetValue<double>());

        (await _api.Put($"/v1/views/{Ws}/{inner}", new JsonObject { ["sql"] = $"SELECT a.vin, c.date FROM `{cars}` a JOIN `{renamed}` c ON c.vin = a.vin" }.ToJsonString()))
            .Expect(200);
        var status = (await _api.Get($"/v1/views/{Ws}/{outer}")).Expect(200).Json;
        Assert.Equal("invalid", status["status"]!.GetValue<string>());
        Assert.Contains("cost", status["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var conflict = (await _api.Get($"/v1/data/{Ws}/{outer}/V1")).Expect(409);
        Assert.Contains("invalid", conflict.Body, StringComparison.Ordinal);

        (await _api.Delete($"/v1/views/{Ws}/{inner}")).Expect(409);
        (await _api.Delete($"/v1/views/{Ws}/{inner}?cascade=true")).Expect(200);
        (await _api.Get($"/v1/views/{Ws}/{outer}")).Expect(404);
    }

    [Fact]
    public async Task A_publishable_token_scoped_to_a_view_reads_the_view_and_nothing_else()
    {
        var (cars, accidents) = await SeedAsync();
        var viewId = Api.UniqueId("scoped");
        (await _api.Post($"/v1/views/{Ws}", ViewBody(viewId, Join(cars, accidents)))).Expect(201);
        var token = (await _api.Post($"/v1/tokens/{Ws}", new JsonObject
        {
            ["type"] = "publishable",
            ["permissions"] = new JsonObject { [viewId] = new JsonArray("read") },
        }.ToJsonString())).Expect(201).Json["token"]!.GetValue<string>();
        var reader = _api.As(token);

        (await reader.Get($"/v1/data/{Ws}/{viewId}/V1")).Expect(200);
        (await reader.Get($"/v1/data/{Ws}/{cars}/V1")).Expect(403);
        (await reader.Post($"/v1/views/{Ws}", ViewBody(Api.UniqueId("nope"), Join(cars, accidents)))).Expect(403);
        (await _api.Post($"/v1/record/{Ws}/{viewId}?wait=true", """{"vin":"V9"}""")).Expect(409);
        (await _api.Post($"/v1/views/{Ws}", ViewBody(cars, "SELECT vin FROM X"))).Expect(409);
    }
}
