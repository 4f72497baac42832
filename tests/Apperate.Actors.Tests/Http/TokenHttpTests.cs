using System.Text.Json.Nodes;

namespace Apperate.Actors.Tests.Http;

/// <summary>Authentication, authorization and <c>/v1/tokens/:workspace</c> against the real process.</summary>
[Collection(SiloCollection.Name)]
public sealed class TokenHttpTests(SiloFixture fixture) : IAsyncLifetime
{
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;
    private readonly string _ds = Api.UniqueId("tok");
    private readonly string _other = Api.UniqueId("tokOther");

    private const string Record = """{"sym":"K","d":"2024-01-01","v":1}""";

    public async Task InitializeAsync()
    {
        foreach (var id in new[] { _ds, _other })
        {
            await _api.CreateDataset(id, "sym", "d", null, ("sym", "string"), ("d", "string:date"), ("v", "number"));
            await _api.WriteNow(id, Record);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(string TokenId, string Token, JsonNode Body)> CreateToken(string body)
    {
        var reply = (await _api.Post($"/v1/tokens/{Ws}", body)).Expect(201);
        var json = reply.Json;
        return (json["tokenId"]!.GetValue<string>(), json["token"]!.GetValue<string>(), json);
    }

    private Task<(string TokenId, string Token, JsonNode Body)> Publishable(string dataset, params string[] permissions) =>
        CreateToken(new JsonObject
        {
            ["type"] = "publishable",
            ["permissions"] = new JsonObject { [dataset] = new JsonArray(permissions.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()) },
        }.ToJsonString());

    /// <summary>The permissions object grants exactly <paramref name="rights"/> on one dataset, named ignoring case.</summary>
    private static void AssertPermissions(JsonNode? permissions, string dataset, params string[] rights)
    {
        var entries = permissions?.AsObject().ToArray() ?? [];
        var entry = Assert.Single(entries);
        Assert.Equal(dataset, entry.Key, ignoreCase: true);
        Assert.Equal(rights, entry.Value!.AsArray().Select(r => r!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task Any_token_reads_itself_with_its_workspace_and_never_its_text()
    {
        var (tokenId, token, _) = await Publishable(_ds, "read", "write");
        var self = (await _api.As(token).Get("/v1/token")).Expect(200).Json;
        Assert.Equal(tokenId, self["tokenId"]!.GetValue<string>());
        Assert.Equal(Ws, self["workspace"]!.GetValue<string>());
        Assert.Equal("publishable", self["type"]!.GetValue<string>());
        AssertPermissions(self["permissions"], _ds, "read", "write");
        Assert.Null(self["token"]);

        var secret = (await _api.Get("/v1/token")).Expect(200).Json;
        Assert.Equal(("secret", Ws), (secret["type"]!.GetValue<string>(), secret["workspace"]!.GetValue<string>()));
        (await _api.As(null).Get("/v1/token")).ExpectProblem(401);
        (await _api.As("sk_not_a_token").Get("/v1/token")).ExpectProblem(401);
    }

    /// <summary>
    /// Dataset ids keep their declared spelling everywhere else (create, list, get, rename); the token permissions
    /// shown on create and list should name the dataset as the caller wrote it, not upper-cased.
    /// </summary>
    [Fact]
    public async Task Token_permissions_are_shown_with_the_dataset_id_as_given()
    {
        var (tokenId, _, body) = await Publishable(_ds, "read");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"{{_ds}}":["read"]}"""), body["permissions"]), $"create answered {body.ToJsonString()}");
        var list = (await _api.Get($"/v1/tokens/{Ws}")).Expect(200);
        var item = list.Json.AsArray().Single(t => t!["tokenId"]!.GetValue<string>() == tokenId)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""{"{{_ds}}":["read"]}"""), item["permissions"]), $"list shows {item.ToJsonString()}");
    }

    [Fact]
    public async Task No_token_is_401()
    {
        var anonymous = _api.As(null);
        (await anonymous.Get($"/v1/datasets/{Ws}")).ExpectProblem(401);
        (await anonymous.Get($"/v1/data/{Ws}/{_ds}/K")).ExpectProblem(401);
        (await anonymous.Post($"/v1/record/{Ws}/{_ds}?wait=true", Record)).ExpectProblem(401);
        (await anonymous.Get($"/v1/tokens/{Ws}")).ExpectProblem(401);
    }

    /// <summary>
    /// Every <c>/v1</c> operation the OpenAPI document lists refuses a call without a token with 401, before it looks at
    /// the path or the body: the token check is the <c>/v1</c> route group's, so an endpoint cannot forget it.
    /// </summary>
    [Fact]
    public async Task Every_v1_operation_refuses_a_call_without_a_token()
    {
        var document = (await _api.Get("/v1/openapi-doc")).Expect(200).Json;
        var anonymous = _api.As(null);
        var checkedOperations = new List<string>();
        foreach (var (template, operations) in document["paths"]!.AsObject())
        {
            if (!template.StartsWith("/v1/", StringComparison.Ordinal)) continue;
            var path = System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]+\\}", "X");
            foreach (var (method, _) in operations!.AsObject())
            {
                var reply = await anonymous.Send(new HttpMethod(method.ToUpperInvariant()), path,
                    method is "post" or "put" or "patch" ? Api.Content("{}", "application/json") : null);
                Assert.True(reply.Status == 401, $"{method.ToUpperInvariant()} {path} without a token answered {reply.Status}: {reply.Body}");
                checkedOperations.Add($"{method} {template}");
            }
        }
        Assert.True(checkedOperations.Count >= 35, $"only {checkedOperations.Count} operations: {string.Join(", ", checkedOperations)}");
    }

    /// <summary>
    /// The rules endpoints take the token in the JSON body too: without a token in the query or header, the body is
    /// read once by the token check (and handed to the endpoint); a body that is not JSON is a 400 naming the body.
    /// </summary>
    [Fact]
    public async Task A_rules_body_that_is_not_json_and_carries_no_token_is_400_naming_the_body()
    {
        var anonymous = _api.As(null);
        (await anonymous.Post("/v1/rules/create", "{not json")).ExpectProblem(400, "body");
        (await anonymous.Post("/v1/rules/create", "{}")).ExpectProblem(401);
        (await anonymous.Post("/v1/rules/pause", $$"""{"token":"{{fixture.Silo.Token}}"}""")).ExpectProblem(400, "ruleId");
    }

    [Theory]
    [InlineData("sk_unknown_token")]
    [InlineData("pk_unknown_token")]
    [InlineData("garbage")]
    public async Task An_unknown_token_is_401(string token)
    {
        (await _api.As(token).Get($"/v1/datasets/{Ws}")).ExpectProblem(401);
        (await _api.As(null).Get($"/v1/data/{Ws}/{_ds}/K?token={token}")).ExpectProblem(401);
    }

    [Fact]
    public async Task A_bearer_header_and_the_token_parameter_both_work()
    {
        (await _api.Get($"/v1/data/{Ws}/{_ds}/K")).Expect(200);
        var viaQuery = (await _api.As(null).Get($"/v1/data/{Ws}/{_ds}/K?token={Uri.EscapeDataString(fixture.Silo.Token)}")).Expect(200);
        Assert.Equal($"[{Record}]", viaQuery.Json.ToJsonString());
    }

    [Fact]
    public async Task Workspace_names_are_case_insensitive()
    {
        (await _api.Get($"/v1/datasets/demo/{_ds}")).Expect(200);
        (await _api.Get($"/v1/data/Demo/{_ds.ToUpperInvariant()}/K")).Expect(200);
    }

    [Fact]
    public async Task Creating_a_publishable_token_answers_201_with_its_text_once()
    {
        var (tokenId, token, body) = await CreateToken($$$"""{"type":"publishable","name":"reader","permissions":{"{{{_ds}}}":["read"]}}""");
        Assert.StartsWith("pk_", token);
        Assert.False(string.IsNullOrWhiteSpace(tokenId));
        Assert.Equal("publishable", body["type"]!.GetValue<string>());
        Assert.Equal("reader", body["name"]!.GetValue<string>());
        AssertPermissions(body["permissions"], _ds, "read");
    }

    [Fact]
    public async Task A_read_token_reads_its_dataset_but_may_not_write_touch_others_or_manage_tokens()
    {
        var (tokenId, token, _) = await Publishable(_ds, "read");
        var reader = _api.As(token);

        Assert.Equal($"[{Record}]", (await reader.Data($"{_ds}/K")).ToJsonString());
        (await reader.Get($"/v1/datasets/{Ws}/{_ds}")).Expect(200);
        var list = (await reader.Get($"/v1/datasets/{Ws}")).Expect(200);
        Assert.Equal([_ds], list.Json.AsArray().Select(d => d!["datasetId"]!.GetValue<string>()).ToArray());

        (await reader.Post($"/v1/record/{Ws}/{_ds}?wait=true", """{"sym":"W","d":"2024-01-01","v":1}""")).ExpectProblem(403);
        (await reader.Post($"/v1/record/{Ws}/{_ds}", """{"sym":"W","d":"2024-01-01","v":1}""")).ExpectProblem(403);
        (await reader.Delete($"/v1/data/{Ws}/{_ds}/K")).ExpectProblem(403);
        (await reader.Get($"/v1/data/{Ws}/{_other}/K")).ExpectProblem(403);
        (await reader.Get($"/v1/data/{Ws}/{_ds},{_other}/K")).ExpectProblem(403);
        (await reader.Get($"/v1/datasets/{Ws}/{_other}")).ExpectProblem(403);
        (await reader.Post($"/v1/datasets/{Ws}", Api.DatasetBody(Api.UniqueId("byPk"), "k", null, null, ("k", "string")))).ExpectProblem(403);
        (await reader.Delete($"/v1/datasets/{Ws}/{_ds}")).ExpectProblem(403);
        (await reader.Get($"/v1/tokens/{Ws}")).ExpectProblem(403);
        (await reader.Post($"/v1/tokens/{Ws}", """{"type":"secret"}""")).ExpectProblem(403);
        (await reader.Delete($"/v1/tokens/{Ws}/{tokenId}")).ExpectProblem(403);

        Assert.Equal(1, await _api.RecordCount(_ds));
        (await reader.Get($"/v1/data/{Ws}/{_ds}/K")).Expect(200); // not revoked by its own attempt
    }

    [Fact]
    public async Task A_write_token_writes_but_may_not_read()
    {
        var (_, token, _) = await Publishable(_ds, "write");
        var writer = _api.As(token);
        (await writer.Post($"/v1/record/{Ws}/{_ds}?wait=true", """{"sym":"W","d":"2024-01-01","v":2}""")).Expect(200);
        (await writer.Get($"/v1/data/{Ws}/{_ds}/W")).ExpectProblem(403);
        Assert.Equal("""[{"sym":"W","d":"2024-01-01","v":2}]""", (await _api.Data($"{_ds}/W")).ToJsonString());
    }

    [Fact]
    public async Task A_delete_token_deletes_records_but_not_the_dataset()
    {
        var (_, token, _) = await Publishable(_ds, "delete");
        var deleter = _api.As(token);
        (await deleter.Delete($"/v1/data/{Ws}/{_ds}/K")).Expect(200);
        (await deleter.Delete($"/v1/datasets/{Ws}/{_ds}")).ExpectProblem(403);
        Assert.Equal(0, await _api.RecordCount(_ds));
    }

    [Fact]
    public async Task Permissions_match_dataset_ids_ignoring_case()
    {
        var (_, token, _) = await Publishable(_ds.ToLowerInvariant(), "read");
        (await _api.As(token).Get($"/v1/data/{Ws}/{_ds.ToUpperInvariant()}/K")).Expect(200);
    }

    [Fact]
    public async Task A_revoked_token_is_401_at_once()
    {
        var (tokenId, token, _) = await Publishable(_ds, "read");
        (await _api.As(token).Get($"/v1/data/{Ws}/{_ds}/K")).Expect(200);
        (await _api.Delete($"/v1/tokens/{Ws}/{tokenId}")).ExpectJson(200, $$"""{"success":true,"message":"token '{{tokenId}}' has been revoked"}""");
        (await _api.As(token).Get($"/v1/data/{Ws}/{_ds}/K")).ExpectProblem(401);
        var list = (await _api.Get($"/v1/tokens/{Ws}")).Expect(200);
        Assert.DoesNotContain(list.Json.AsArray(), t => t!["tokenId"]!.GetValue<string>() == tokenId);
    }

    [Fact]
    public async Task Listing_tokens_shows_them_without_their_text()
    {
        var (tokenId, token, _) = await Publishable(_ds, "read", "write");
        var list = (await _api.Get($"/v1/tokens/{Ws}")).Expect(200);
        var item = list.Json.AsArray().SingleOrDefault(t => t!["tokenId"]!.GetValue<string>() == tokenId) ?? throw list.Fail($"{tokenId} is not listed");
        Assert.Equal("publishable", item["type"]!.GetValue<string>());
        AssertPermissions(item["permissions"], _ds, "read", "write");
        Assert.All(list.Json.AsArray(), t => Assert.Null(t!["token"]));
        Assert.DoesNotContain(token, list.Body);
        Assert.DoesNotContain(fixture.Silo.Token, list.Body);
        Assert.Contains(list.Json.AsArray(), t => t!["type"]!.GetValue<string>() == "secret");
    }

    [Fact]
    public async Task A_new_secret_token_works()
    {
        var (_, token, body) = await CreateToken("""{"type":"secret","name":"ops"}""");
        Assert.StartsWith("sk_", token);
        Assert.Equal("secret", body["type"]!.GetValue<string>());
        (await _api.As(token).Get($"/v1/tokens/{Ws}")).Expect(200);
    }

    [Fact]
    public async Task A_token_never_reaches_another_workspace()
    {
        var (_, pk, _) = await Publishable("*", "read", "write", "delete");
        foreach (var caller in new[] { _api, _api.As(pk) })
        {
            (await caller.Get("/v1/datasets/OTHER")).ExpectProblem(403);
            (await caller.Get("/v1/data/OTHER/x/K")).ExpectProblem(403);
            (await caller.Post("/v1/record/OTHER/x?wait=true", """{"key":"K"}""")).ExpectProblem(403);
            (await caller.Delete("/v1/data/OTHER/x/K")).ExpectProblem(403);
        }
        (await _api.Get("/v1/tokens/OTHER")).ExpectProblem(403);
        (await _api.Post("/v1/tokens/OTHER", """{"type":"secret"}""")).ExpectProblem(403);
        (await _api.Post("/v1/datasets/OTHER", Api.DatasetBody("x", "k", null, null, ("k", "string")))).ExpectProblem(403);
    }

    [Theory]
    [InlineData("""{"type":"x"}""", "type")]
    [InlineData("""{"permissions":{}}""", "type")]
    [InlineData("""{"type":"publishable","permissions":{"DS":["admin"]}}""", "permissions.DS")]
    [InlineData("""{"type":"publishable","permissions":{"bad-name":["read"]}}""", "permissions.bad-name")]
    [InlineData("""{"type":"publishable","permissions":[]}""", "permissions")]
    [InlineData("""{"type":"secret","permissions":{"DS":["read"]}}""", "permissions")]
    [InlineData("""[]""", "body")]
    public async Task An_invalid_token_request_is_400_naming_the_field(string body, string field)
    {
        (await _api.Post($"/v1/tokens/{Ws}", body)).ExpectProblem(400, field);
    }

    [Fact]
    public async Task Revoking_an_unknown_token_is_404()
    {
        (await _api.Delete($"/v1/tokens/{Ws}/no_such_token_id")).ExpectProblem(404);
    }
}
