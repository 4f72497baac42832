using System.Globalization;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary><c>GET</c> and <c>DELETE /v1/data/…</c> against the real process.</summary>
[Collection(SiloCollection.Name)]
public sealed class DataHttpTests(SiloFixture fixture) : IAsyncLifetime
{
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;
    private readonly string _id = Api.UniqueId("query");

    private static string R(string sym, int day, int v, string tag) =>
        $$"""{"sym":"{{sym}}","d":"2024-01-{{day:00}}","v":{{v}},"tag":"{{tag}}"}""";

    // AAPL: six days, tags alternating a/b; MSFT: two days.
    private static string A(int day) => R("AAPL", day, day, day % 2 == 1 ? "a" : "b");
    private static string M(int day) => R("MSFT", day, 100 + day, day % 2 == 1 ? "a" : "b");

    private static string Rows(params string[] records) => "[" + string.Join(",", records) + "]";

    private static readonly (string, string)[] Properties = [("sym", "string"), ("d", "string:date"), ("v", "integer"), ("tag", "string")];

    public async Task InitializeAsync()
    {
        await _api.CreateDataset(_id, "sym", "d", null, Properties);
        await _api.WriteNow(_id, Rows(A(3), A(1), A(6), A(2), A(5), A(4), M(1), M(2)));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string> Get(string pathAndQuery) => (await _api.Data(pathAndQuery)).ToJsonString();

    [Fact]
    public async Task Responses_carry_text_as_written_not_as_unicode_escapes()
    {
        // Valid JSON either way, but a terminal user must read 'é', '+' and apostrophes, not \u00E9, \u002B, \u0027.
        await _api.WriteNow(_id, Rows(R("ÉTÉ+1", 9, 1, "l'été <b>")));
        var body = (await _api.Get($"/v1/data/{Ws}/{_id}/%C3%89T%C3%89%2B1")).Body;
        Assert.Contains("\"sym\":\"ÉTÉ+1\"", body, StringComparison.Ordinal);
        Assert.Contains("\"tag\":\"l'été <b>\"", body, StringComparison.Ordinal);

        var missing = await _api.Get($"/v1/data/{Ws}/NoSuchDataset_{Guid.NewGuid():N}");
        Assert.Equal(404, missing.Status);
        Assert.Contains("Dataset or view 'NoSuchDataset_", missing.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_range_parameters_exactly_the_newest_record_is_returned()
    {
        Assert.Equal(Rows(A(6)), await Get($"{_id}/AAPL"));
        Assert.Equal(Rows(M(2)), await Get($"{_id}/MSFT"));
        Assert.Equal(Rows(A(6)), await Get(_id));
    }

    [Fact]
    public async Task Last_N_returns_the_newest_N_newest_first()
    {
        Assert.Equal(Rows(A(6), A(5), A(4)), await Get($"{_id}/AAPL?last=3"));
        Assert.Equal(Rows(A(6), A(5), A(4), A(3), A(2), A(1)), await Get($"{_id}/AAPL?last=100"));
    }

    [Fact]
    public async Task First_N_returns_the_oldest_N_oldest_first()
    {
        Assert.Equal(Rows(A(1), A(2)), await Get($"{_id}/AAPL?first=2"));
    }

    [Fact]
    public async Task Limit_caps_the_count()
    {
        Assert.Equal(Rows(A(6), A(5)), await Get($"{_id}/AAPL?limit=2"));
        Assert.Equal(Rows(A(4), A(3)), await Get($"{_id}/AAPL?from=2024-01-01&to=2024-01-04&limit=2"));
    }

    [Fact]
    public async Task Offset_skips_records()
    {
        Assert.Equal(Rows(A(5), A(4)), await Get($"{_id}/AAPL?last=2&offset=1"));
        Assert.Equal("[]", await Get($"{_id}/AAPL?last=2&offset=6"));
    }

    [Fact]
    public async Task From_and_to_are_inclusive_days()
    {
        Assert.Equal(Rows(A(4), A(3), A(2)), await Get($"{_id}/AAPL?from=2024-01-02&to=2024-01-04"));
        Assert.Equal(Rows(A(6), A(5)), await Get($"{_id}/AAPL?from=2024-01-05"));
        Assert.Equal(Rows(A(2), A(1)), await Get($"{_id}/AAPL?to=2024-01-02"));
    }

    [Fact]
    public async Task From_and_to_accept_inclusive_date_times()
    {
        Assert.Equal(Rows(A(3), A(2)), await Get($"{_id}/AAPL?from=2024-01-02T00:00:00Z&to=2024-01-03T00:00:00Z"));
    }

    [Fact]
    public async Task On_selects_one_day()
    {
        Assert.Equal(Rows(A(3)), await Get($"{_id}/AAPL?on=2024-01-03"));
        Assert.Equal(Rows(M(1)), await Get($"{_id}/MSFT?on=2024-01-01"));
        Assert.Equal("[]", await Get($"{_id}/MSFT?on=2024-01-05"));
    }

    [Fact]
    public async Task Range_Ny_counts_back_from_today()
    {
        var id = Api.UniqueId("range");
        await _api.CreateDataset(id, "sym", "d", null, Properties);
        var today = DateTime.UtcNow.Date;
        string Day(int daysAgo) => today.AddDays(-daysAgo).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string Rec(int daysAgo) => $$"""{"sym":"X","d":"{{Day(daysAgo)}}","v":{{daysAgo}},"tag":"t"}""";
        await _api.WriteNow(id, Rows(Rec(10), Rec(400), Rec(800)));

        Assert.Equal(Rows(Rec(10)), await Get($"{id}/X?range=1y"));
        Assert.Equal(Rows(Rec(10), Rec(400)), await Get($"{id}/X?range=2y"));
        Assert.Equal(Rows(Rec(10), Rec(400), Rec(800)), await Get($"{id}/X?range=3Y"));
        Assert.Equal(Rows(Rec(10)), await Get($"{id}/X?range=30d"));
    }

    [Fact]
    public async Task Sort_asc_gives_oldest_first()
    {
        Assert.Equal(Rows(A(2), A(3), A(4)), await Get($"{_id}/AAPL?from=2024-01-02&to=2024-01-04&sort=asc"));
        Assert.Equal(Rows(A(4), A(3), A(2)), await Get($"{_id}/AAPL?from=2024-01-02&to=2024-01-04&sort=desc"));
    }

    [Fact]
    public async Task Interval_keeps_every_Nth_record()
    {
        Assert.Equal(Rows(A(6), A(4), A(2)), await Get($"{_id}/AAPL?from=2024-01-01&to=2024-01-31&interval=2"));
        Assert.Equal(Rows(A(6), A(3)), await Get($"{_id}/AAPL?last=6&interval=3"));
    }

    [Fact]
    public async Task Filter_returns_only_the_named_properties_in_that_order()
    {
        Assert.Equal("""[{"v":6,"d":"2024-01-06"}]""", await Get($"{_id}/AAPL?filter=v,d"));
        Assert.Equal("""[{"tag":"b"},{"tag":"a"}]""", await Get($"{_id}/AAPL?last=2&filter=tag"));
    }

    [Fact]
    public async Task Filter_naming_an_unknown_property_is_400_naming_filter()
    {
        (await _api.Get($"/v1/data/{Ws}/{_id}/AAPL?filter=v,nope")).ExpectProblem(400, "filter");
    }

    [Fact]
    public async Task Subattribute_equals_and_not_equals()
    {
        Assert.Equal(Rows(A(5), A(3), A(1)), await Get($"{_id}/AAPL?last=10&subattribute=tag|a"));
        Assert.Equal(Rows(A(6), A(4), A(2)), await Get($"{_id}/AAPL?last=10&subattribute=tag~a"));
        Assert.Equal(Rows(A(3)), await Get($"{_id}/AAPL?last=10&subattribute=v|3"));
        Assert.Equal(Rows(A(5), A(1)), await Get($"{_id}/AAPL?last=10&subattribute=tag|a,v~3"));
        Assert.Equal(Rows(M(1)), await Get($"{_id}?last=10&subattribute=sym|MSFT,tag|a"));
    }

    [Fact]
    public async Task Format_csv_writes_a_header_and_one_line_per_record()
    {
        var reply = (await _api.Get($"/v1/data/{Ws}/{_id}/AAPL?last=2&format=csv")).Expect(200);
        Assert.Equal("text/csv", reply.ContentType);
        Assert.Equal("sym,d,v,tag\nAAPL,2024-01-06,6,b\nAAPL,2024-01-05,5,a\n", reply.Body.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task IncludeSystemRecordProperties_adds_key_subkey_date_id_and_updated()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = await _api.Data($"{_id}/AAPL?includeSystemRecordProperties=true");
        var record = Assert.Single(rows)!;
        Assert.Equal(6, record["v"]!.GetValue<long>());
        var system = record["_systemRecordProperties"] ?? throw new Xunit.Sdk.XunitException($"no _systemRecordProperties in {rows.ToJsonString()}");
        Assert.Equal("AAPL", system["key"]!.GetValue<string>());
        Assert.Null(system["subkey"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 6, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), system["date"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(system["id"]!.ToString()));
        Assert.InRange(system["updated"]!.GetValue<long>(), before - 120_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 5_000);
        Assert.Null((await _api.Data($"{_id}/AAPL"))[0]!["_systemRecordProperties"]);
    }

    private async Task<string> SecondDataset()
    {
        var id2 = Api.UniqueId("query2");
        await _api.CreateDataset(id2, "sym", "d", null, Properties);
        await _api.WriteNow(id2, Rows(R("AAPL", 20, 1000, "z"), R("MSFT", 20, 2000, "z")));
        return id2;
    }

    [Fact]
    public async Task Batch_lists_of_datasets_and_keys_come_back_in_request_order()
    {
        var id2 = await SecondDataset();
        Assert.Equal(Rows(R("MSFT", 20, 2000, "z"), R("AAPL", 20, 1000, "z"), M(2), A(6)), await Get($"{id2},{_id}/MSFT,AAPL"));
        Assert.Equal(Rows(A(6), M(2), R("AAPL", 20, 1000, "z"), R("MSFT", 20, 2000, "z")), await Get($"{_id},{id2}/AAPL,MSFT"));
        Assert.Equal(Rows(A(6), A(5), M(2), M(1)), await Get($"{_id}/AAPL,MSFT?last=2"));
    }

    [Fact]
    public async Task BatchSeparator_changes_the_list_separator()
    {
        var id2 = await SecondDataset();
        Assert.Equal(Rows(R("MSFT", 20, 2000, "z"), R("AAPL", 20, 1000, "z"), M(2), A(6)), await Get($"{id2}%7C{_id}/MSFT%7CAAPL?batchSeparator=%7C"));
        // With another separator the comma is part of the name, which makes it an invalid dataset id.
        (await _api.Get($"/v1/data/{Ws}/{id2},{_id}/MSFT?batchSeparator=%7C")).ExpectProblem(400, "datasetId");
    }

    [Fact]
    public async Task More_than_2000_dataset_key_pairs_is_400_and_2000_is_fine()
    {
        var keys1001 = string.Join(",", Enumerable.Range(0, 1001).Select(i => $"k{i}"));
        (await _api.Get($"/v1/data/{Ws}/{_id},{_id}/{keys1001}")).ExpectProblem(400, "batch");
        var keys1000 = string.Join(",", Enumerable.Range(0, 999).Select(i => $"k{i}").Append("AAPL"));
        Assert.Equal(Rows(A(6), A(6)), await Get($"{_id},{_id}/{keys1000}"));
    }

    [Fact]
    public async Task An_unknown_dataset_is_404()
    {
        var missing = Api.UniqueId("missing");
        (await _api.Get($"/v1/data/{Ws}/{missing}/AAPL")).ExpectProblem(404, missing);
        (await _api.Get($"/v1/data/{Ws}/{_id},{missing}/AAPL")).ExpectProblem(404, missing);
    }

    [Fact]
    public async Task An_unknown_key_is_200_and_an_empty_array()
    {
        var reply = (await _api.Get($"/v1/data/{Ws}/{_id}/NOPE")).Expect(200);
        Assert.Equal("application/json", reply.ContentType);
        Assert.Equal("[]", reply.Body);
    }

    [Theory]
    [InlineData("last=abc", "last")]
    [InlineData("last=0", "last")]
    [InlineData("first=-1", "first")]
    [InlineData("limit=x", "limit")]
    [InlineData("offset=-3", "offset")]
    [InlineData("from=yesterday-ish", "from")]
    [InlineData("to=2024-13-45", "to")]
    [InlineData("on=2024-01", "on")]
    [InlineData("range=forever", "range")]
    [InlineData("sort=sideways", "sort")]
    [InlineData("interval=0", "interval")]
    [InlineData("format=xml", "format")]
    [InlineData("subattribute=tag", "subattribute")]
    [InlineData("from=2024-02-01&to=2024-01-01", "from")]
    [InlineData("last=2&first=2", "first")]
    [InlineData("on=2024-01-01&range=1y", "on")]
    [InlineData("includeSystemRecordProperties=yes", "includeSystemRecordProperties")]
    public async Task A_bad_parameter_is_400_naming_it(string query, string parameter)
    {
        (await _api.Get($"/v1/data/{Ws}/{_id}/AAPL?{query}")).ExpectProblem(400, parameter);
    }

    private async Task<string> KeyDataset(string key)
    {
        var id = Api.UniqueId("keys");
        await _api.CreateDataset(id, "sym", "d", null, Properties);
        var record = new System.Text.Json.Nodes.JsonObject { ["sym"] = key, ["d"] = "2024-01-01", ["v"] = 1, ["tag"] = "t" };
        await _api.WriteNow(id, $"[{record.ToJsonString()},{R("OTHER", 1, 2, "t")}]");
        return id;
    }

    [Theory]
    [InlineData("A B")]
    [InlineData("a+b")]
    [InlineData("Ünï")]
    [InlineData("x%y")]
    [InlineData("BRK.B")]
    public async Task A_key_with_special_characters_is_read_and_deleted_through_its_escaped_segment(string key)
    {
        var id = await KeyDataset(key);
        var rows = await _api.Data($"{id}/{Uri.EscapeDataString(key)}");
        Assert.Equal(key, Assert.Single(rows)!["sym"]!.GetValue<string>());
        (await _api.Delete($"/v1/data/{Ws}/{id}/{Uri.EscapeDataString(key)}")).ExpectJson(200, """{"success":true,"message":"deleted 1 records","deleted":1}""");
        Assert.Equal(1, await _api.RecordCount(id));
    }

    /// <summary>
    /// Keys such as currency pairs hold a '/'. The only way to put one in a path segment is %2F, which ASP.NET Core
    /// leaves escaped in route values, so the data endpoints must unescape it themselves.
    /// </summary>
    [Fact]
    public async Task A_key_containing_a_slash_is_read_and_deleted_through_its_escaped_segment()
    {
        const string key = "EUR/USD";
        var id = await KeyDataset(key);
        var rows = await _api.Data($"{id}/EUR%2FUSD?last=10");
        Assert.True(rows.Count == 1, $"GET /v1/data/{Ws}/{id}/EUR%2FUSD answered {rows.ToJsonString()}; the record with key {key} is stored");
        (await _api.Delete($"/v1/data/{Ws}/{id}/EUR%2FUSD")).ExpectJson(200, """{"success":true,"message":"deleted 1 records","deleted":1}""");
    }

    // ---- DELETE ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Delete_of_a_key_removes_its_records_and_keeps_the_others()
    {
        (await _api.Delete($"/v1/data/{Ws}/{_id}/AAPL")).ExpectJson(200, """{"success":true,"message":"deleted 6 records","deleted":6}""");
        Assert.Equal("[]", await Get($"{_id}/AAPL?last=100"));
        Assert.Equal(Rows(M(2), M(1)), await Get($"{_id}/MSFT?last=100"));
        Assert.Equal(2, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task Delete_with_from_and_to_removes_only_that_window()
    {
        (await _api.Delete($"/v1/data/{Ws}/{_id}/AAPL?from=2024-01-02&to=2024-01-04")).ExpectJson(200, """{"success":true,"message":"deleted 3 records","deleted":3}""");
        Assert.Equal(Rows(A(6), A(5), A(1)), await Get($"{_id}/AAPL?last=100"));
        Assert.Equal(Rows(M(2), M(1)), await Get($"{_id}/MSFT?last=100"));
    }

    [Fact]
    public async Task Delete_with_a_subkey_and_date_segment_removes_that_day_only()
    {
        var id = Api.UniqueId("delSub");
        await _api.CreateDataset(id, "sym", "d", "ex", ("sym", "string"), ("ex", "string"), ("d", "string:date"), ("v", "integer"));
        string S(string ex, int day) => $$"""{"sym":"AAPL","ex":"{{ex}}","d":"2024-01-{{day:00}}","v":{{day}}}""";
        await _api.WriteNow(id, Rows(S("X", 1), S("X", 2), S("X", 3), S("Y", 1), S("Y", 2)));

        (await _api.Delete($"/v1/data/{Ws}/{id}/AAPL/X/2024-01-02")).ExpectJson(200, """{"success":true,"message":"deleted 1 records","deleted":1}""");
        Assert.Equal(Rows(S("X", 3), S("X", 1)), await Get($"{id}/AAPL/X?last=10"));
        Assert.Equal(Rows(S("Y", 2), S("Y", 1)), await Get($"{id}/AAPL/Y?last=10"));

        (await _api.Delete($"/v1/data/{Ws}/{id}/AAPL/Y")).ExpectJson(200, """{"success":true,"message":"deleted 2 records","deleted":2}""");
        Assert.Equal("[]", await Get($"{id}/AAPL/Y?last=10"));
        Assert.Equal(2, await _api.RecordCount(id));
    }

    /// <summary>
    /// A delete must not race ahead of records accepted before it: async writes answered 200 before the DELETE
    /// are deleted by it, even if they were still queued on the record stream when the DELETE arrived.
    /// </summary>
    [Fact]
    public async Task Delete_also_removes_async_writes_accepted_before_it()
    {
        var id = Api.UniqueId("delRace");
        await _api.CreateDataset(id, "sym", "d", null, Properties);
        // Three rounds, as the race depends on timing: async writes of one key, all answered 200, then its DELETE.
        for (var round = 0; round < 3; round++)
        {
            var key = $"GONE{round}";
            var replies = await Task.WhenAll(Enumerable.Range(1, 20).Select(i =>
                _api.Post($"/v1/record/{Ws}/{id}", Rows(Enumerable.Range(1, 28).Select(day => R(key, day, i * 100 + day, $"r{i}")).ToArray()))));
            foreach (var reply in replies) reply.ExpectJson(200, """{"success":true,"message":"wrote 28 messages"}""");
            (await _api.Delete($"/v1/data/{Ws}/{id}/{key}")).Expect(200);
        }

        // A later async write on the same stream: once it is stored, everything queued before it has been handled.
        (await _api.Post($"/v1/record/{Ws}/{id}", R("SENTINEL", 1, 0, "s"))).Expect(200);
        await Eventually.Until(async () => (await _api.Data($"{id}/SENTINEL")).Count == 1, TimeSpan.FromSeconds(10), $"the async sentinel of {id} to be stored");
        var left = await _api.Data($"{id}/GONE0,GONE1,GONE2?last=100");
        Assert.True(left.Count == 0, $"{left.Count} records accepted before their DELETE were stored after it: {left.ToJsonString()[..Math.Min(300, left.ToJsonString().Length)]}");
    }

    [Fact]
    public async Task Delete_with_a_bad_date_is_400_and_on_an_unknown_dataset_is_404()
    {
        (await _api.Delete($"/v1/data/{Ws}/{_id}/AAPL?from=notadate")).ExpectProblem(400, "from");
        var missing = Api.UniqueId("missingDel");
        (await _api.Delete($"/v1/data/{Ws}/{missing}/AAPL")).ExpectProblem(404);
        Assert.Equal(8, await _api.RecordCount(_id));
    }

    [Fact]
    public async Task Csv_quotes_values_with_commas_and_quotes()
    {
        var id = Api.UniqueId("csvQuote");
        await _api.CreateDataset(id, "sym", "d", null, Properties);
        await _api.WriteNow(id, """{"sym":"Q","d":"2024-01-01","v":1,"tag":"a,\"b\""}""");
        var reply = (await _api.Get($"/v1/data/{Ws}/{id}/Q?format=csv")).Expect(200);
        Assert.Equal("sym,d,v,tag\nQ,2024-01-01,1,\"a,\"\"b\"\"\"\n", reply.Body.Replace("\r\n", "\n"));
    }
}
