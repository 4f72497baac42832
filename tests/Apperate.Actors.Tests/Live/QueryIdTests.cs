using Apperate.Actors.Tests.Http;

namespace Apperate.Actors.Tests.Live;

/// <summary><c>GET /v1/data …?queryId=</c>: what changed since the last call with the same id, against the real process.</summary>
[Collection(LiveCollection.Name)]
public sealed class QueryIdTests(LiveFixture fixture)
{
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;
    private static readonly (string, string)[] Properties = [("sym", "string"), ("d", "string:date"), ("v", "integer")];

    private static string R(string sym, int day, int v) => $$"""{"sym":"{{sym}}","d":"2024-01-{{day:00}}","v":{{v}}}""";

    private static string Rows(params string[] records) => "[" + string.Join(",", records) + "]";

    private async Task<string> Get(string pathAndQuery) => (await _api.Data(pathAndQuery)).ToJsonString();

    [Fact]
    public async Task Later_calls_answer_only_what_was_added_or_replaced_since_the_previous_call()
    {
        var ds = Api.UniqueId("qid");
        await _api.CreateDataset(ds, "sym", "d", null, Properties);
        await _api.WriteNow(ds, Rows(R("A", 1, 1), R("B", 1, 2)));
        var id = Guid.NewGuid().ToString("N");

        // The first call answers like the query without the id; the next, with nothing new, answers [].
        Assert.Equal(Rows(R("B", 1, 2), R("A", 1, 1)), await Get($"{ds}?last=10&queryId={id}"));
        Assert.Equal("[]", await Get($"{ds}?last=10&queryId={id}"));

        await _api.WriteNow(ds, Rows(R("C", 2, 3)));
        await _api.WriteNow(ds, Rows(R("A", 1, 10)), "&duplicateKeyHandling=replace");
        await _api.WriteNow(ds, Rows(R("B", 1, 99))); // ignored duplicate: no change
        Assert.Equal(Rows(R("C", 2, 3), R("A", 1, 10)), await Get($"{ds}?last=10&queryId={id}"));
        Assert.Equal("[]", await Get($"{ds}?last=10&queryId={id}"));

        // The same id with another query starts over; so does another id.
        Assert.Equal(Rows(R("A", 1, 10)), await Get($"{ds}/A?last=10&queryId={id}"));
        Assert.Equal(Rows(R("C", 2, 3), R("A", 1, 10), R("B", 1, 2)), await Get($"{ds}?last=10&queryId=other{id}"));
        // The query still applies: a key segment and a filter narrow what changed.
        var narrow = $"{ds}/A?last=10&filter=v&queryId=f{id}";
        Assert.Equal("""[{"v":10}]""", await Get(narrow));
        await _api.WriteNow(ds, Rows(R("A", 3, 4), R("B", 3, 5)));
        Assert.Equal("""[{"v":4}]""", await Get(narrow));
    }

    [Fact]
    public async Task A_records_delete_makes_the_next_call_answer_in_full()
    {
        var ds = Api.UniqueId("qid");
        await _api.CreateDataset(ds, "sym", "d", null, Properties);
        await _api.WriteNow(ds, Rows(R("A", 1, 1), R("B", 1, 2)));
        var id = Guid.NewGuid().ToString("N");
        await Get($"{ds}?last=10&queryId={id}");
        (await _api.Delete($"/v1/data/{Ws}/{ds}/A")).Expect(200);
        Assert.Equal(Rows(R("B", 1, 2)), await Get($"{ds}?last=10&queryId={id}"));
    }

    [Fact]
    public async Task A_bad_id_or_an_unknown_dataset_is_refused()
    {
        (await _api.Get($"/v1/data/{Ws}/Anything?queryId=has%20space")).ExpectProblem(400, "queryId");
        (await _api.Get($"/v1/data/{Ws}/Anything?queryId={new string('x', 129)}")).ExpectProblem(400, "queryId");
        (await _api.Get($"/v1/data/{Ws}/NoSuchDataset?queryId=q1")).ExpectProblem(404, "NoSuchDataset");
    }
}
