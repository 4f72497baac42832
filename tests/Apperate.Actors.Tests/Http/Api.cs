using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// Sends requests to a running silo, with a token as <c>Authorization: Bearer</c> (or none), and wraps the answers in
/// <see cref="Reply"/> for assertions whose messages carry the response body and the silo's output tail.
/// </summary>
public sealed class Api(HttpClient http, string? token, Func<string> diagnostics)
{
    public const string Workspace = "DEMO";

    public HttpClient Http => http;

    public string? Token => token;

    /// <summary>The same API with another token (null = no token at all).</summary>
    public Api As(string? otherToken) => new(http, otherToken, diagnostics);

    public Task<Reply> Get(string path) => Send(HttpMethod.Get, path);

    public Task<Reply> Delete(string path) => Send(HttpMethod.Delete, path);

    public Task<Reply> Post(string path, string json) => Send(HttpMethod.Post, path, Content(json, "application/json"));

    public Task<Reply> Patch(string path, string json) => Send(HttpMethod.Patch, path, Content(json, "application/json"));

    public Task<Reply> Put(string path, string? json = null) => Send(HttpMethod.Put, path, json is null ? null : Content(json, "application/json"));

    public static HttpContent Content(string body, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public async Task<Reply> Send(HttpMethod method, string path, HttpContent? content = null, bool chunked = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (chunked) request.Headers.TransferEncodingChunked = true;
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Reply(method, path, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body,
            response.Headers.RetryAfter?.ToString(), diagnostics);
    }

    // ---- Shortcuts used by many tests -------------------------------------------------------------------------

    /// <summary>A dataset id unique to one test.</summary>
    public static string UniqueId(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 33)];

    /// <summary>The create body for a dataset with the given properties (name → type or "string/date" style "type:format").</summary>
    public static string DatasetBody(string datasetId, string key, string? date, string? subkey, params (string Name, string Type)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, type) in properties)
        {
            var parts = type.Split(':');
            var def = new JsonObject { ["type"] = parts[0] };
            if (parts.Length > 1) def["format"] = parts[1];
            props[name] = def;
        }
        var mapping = new JsonObject { ["key"] = key };
        if (subkey is not null) mapping["subkey"] = subkey;
        if (date is not null) mapping["date"] = date;
        var body = new JsonObject
        {
            ["dataset"] = new JsonObject
            {
                ["datasetId"] = datasetId,
                ["schema"] = new JsonObject { ["type"] = "object", ["properties"] = props, ["required"] = new JsonArray() },
                ["columnMapping"] = mapping,
            },
        };
        return body.ToJsonString();
    }

    /// <summary>Creates a dataset and asserts 201.</summary>
    public async Task CreateDataset(string datasetId, string key, string? date, string? subkey, params (string Name, string Type)[] properties) =>
        (await Post($"/v1/datasets/{Workspace}", DatasetBody(datasetId, key, date, subkey, properties))).Expect(201);

    /// <summary>Writes records with <c>wait=true</c> and asserts the success body.</summary>
    public async Task WriteNow(string datasetId, string recordsJson, string extraQuery = "")
    {
        var count = JsonNode.Parse(recordsJson) is JsonArray a ? a.Count : 1;
        var reply = await Post($"/v1/record/{Workspace}/{datasetId}?wait=true{extraQuery}", recordsJson);
        reply.ExpectJson(200, $$"""{"success":true,"message":"wrote {{count}} messages"}""");
    }

    /// <summary>GET /v1/data… asserting 200 and returning the array.</summary>
    public async Task<JsonArray> Data(string pathAndQuery)
    {
        var reply = await Get($"/v1/data/{Workspace}/{pathAndQuery}");
        reply.Expect(200);
        return reply.Json.AsArray();
    }

    /// <summary>The stored record count from GET /v1/datasets/DEMO/:id.</summary>
    public async Task<long> RecordCount(string datasetId)
    {
        var reply = await Get($"/v1/datasets/{Workspace}/{datasetId}");
        reply.Expect(200);
        return reply.Json["records"]!.GetValue<long>();
    }
}

/// <summary>One HTTP answer, with assertions that explain themselves.</summary>
public sealed record Reply(HttpMethod Method, string Path, int Status, string? ContentType, string Body, string? RetryAfter, Func<string> Diagnostics)
{
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException($"{Describe()} has a null JSON body");

    public string Describe() => $"{Method} {Path} → {Status} {ContentType}: {Shorten(Body)}";

    private static string Shorten(string s) => s.Length <= 4000 ? s : s[..4000] + "…";

    /// <summary>Fails with the request, the response and the silo's output tail.</summary>
    public Exception Fail(string why) => new Xunit.Sdk.XunitException($"{why}{Environment.NewLine}{Describe()}{Environment.NewLine}{Diagnostics()}");

    public Reply Expect(int status)
    {
        if (Status != status) throw Fail($"Expected status {status}, got {Status}.");
        return this;
    }

    /// <summary>Asserts the status and that the body is JSON equal (property order ignored) to <paramref name="expectedJson"/>.</summary>
    public Reply ExpectJson(int status, string expectedJson)
    {
        Expect(status);
        if (ContentType != "application/json") throw Fail($"Expected Content-Type application/json, got {ContentType}.");
        var expected = JsonNode.Parse(expectedJson);
        if (!JsonNode.DeepEquals(expected, Json)) throw Fail($"Expected body {expected?.ToJsonString()}.");
        return this;
    }

    /// <summary>
    /// Asserts an RFC 9457 problem response: the status, <c>application/problem+json</c>, a matching <c>status</c>
    /// member, and that each of <paramref name="mentions"/> is named by the <c>detail</c> or by an <c>errors[].field</c>.
    /// </summary>
    public Reply ExpectProblem(int status, params string[] mentions)
    {
        Expect(status);
        if (ContentType != "application/problem+json") throw Fail($"Expected Content-Type application/problem+json, got {ContentType}.");
        JsonNode json;
        try
        {
            json = Json;
        }
        catch (JsonException ex)
        {
            throw Fail($"The problem body is not JSON: {ex.Message}");
        }
        if (json["status"]?.GetValue<int>() != status) throw Fail($"The problem's status member is not {status}.");
        var detail = json["detail"]?.GetValue<string>() ?? "";
        var fields = ErrorFields();
        foreach (var mention in mentions)
            if (!detail.Contains(mention, StringComparison.Ordinal) && !fields.Contains(mention))
                throw Fail($"The problem's detail and errors do not name '{mention}'.");
        return this;
    }

    /// <summary>The <c>errors</c> of a problem response as (index, field) pairs.</summary>
    public IReadOnlyList<(int? Index, string? Field)> Errors()
    {
        if (Json["errors"] is not JsonArray errors) return [];
        return errors.Select(e => (e?["index"]?.GetValue<int>(), e?["field"]?.GetValue<string>())).ToArray();
    }

    private HashSet<string> ErrorFields() => Errors().Where(e => e.Field is not null).Select(e => e.Field!).ToHashSet(StringComparer.Ordinal);
}
