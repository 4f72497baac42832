using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Apperate.Actors.Tests.Live;

/// <summary>
/// IEX's request shape from a real browser's <c>EventSource</c> (Debian's chromium driven by Playwright), on a page of
/// another origin, with a publishable token: <c>onmessage</c> and <c>JSON.parse</c>, as Apperate's users wrote it.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class BrowserEventSourceTests(LiveFixture fixture)
{
    private static readonly float Wait = 20_000;
    private readonly Api _api = fixture.Api;
    private const string Ws = Api.Workspace;

    [Fact]
    public async Task A_browser_EventSource_receives_the_keys_it_asked_for_with_their_ids()
    {
        var ds = Api.UniqueId("browser");
        await _api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        var token = (await _api.Post($"/v1/tokens/{Ws}", $$$"""{"type":"publishable","permissions":{"{{{ds}}}":["read"]}}""")).Expect(201).Json["token"]!.GetValue<string>();
        var chromium = Tools.Find("APPERATE_CHROMIUM", "chromium", "apt-get install -y chromium (tests/run.sh installs it)", "/usr/bin/chromium");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // No background networking: a closed network refuses Chromium's own connections.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        // A page of its own origin (about:blank → null), as a site that embeds the feed would be: the request is cross-origin.
        await page.SetContentAsync("<html><body>feed</body></html>");
        var url = $"{fixture.Silo.BaseAddress.ToString().TrimEnd('/')}/v1/sse/{Ws}/{ds}?symbols=AAPL,MSFT&token={token}&nosnapshot=true";
        await page.EvaluateAsync("""
            url => {
              window.records = []; window.ids = []; window.errors = 0;
              const source = new EventSource(url);
              source.onopen = () => { window.opened = true; };
              source.onerror = () => { window.errors++; };
              source.onmessage = (event) => {
                for (const record of JSON.parse(event.data)) window.records.push(record);
                window.ids.push(event.lastEventId);
              };
              window.source = source;
            }
            """, url);
        await page.WaitForFunctionAsync("() => window.opened === true", null, new PageWaitForFunctionOptions { Timeout = Wait });

        await _api.WriteNow(ds, """[{"symbol":"AAPL","date":"2024-01-02","price":185.5},{"symbol":"IBM","date":"2024-01-02","price":161.5}]""");
        await _api.WriteNow(ds, """[{"symbol":"MSFT","date":"2024-01-02","price":370.25}]""");
        await page.WaitForFunctionAsync("() => window.records.length >= 2", null, new PageWaitForFunctionOptions { Timeout = Wait });

        var records = JsonNode.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.records)"))!.AsArray();
        Assert.Equal(["AAPL", "MSFT"], records.Select(r => r!["symbol"]!.GetValue<string>()));
        Assert.Equal(185.5, records[0]!["price"]!.GetValue<double>());
        var ids = (await page.EvaluateAsync<string[]>("() => window.ids")).Select(long.Parse).ToArray();
        Assert.Equal(2, ids.Length);
        Assert.True(ids[1] > ids[0], $"ids {string.Join(", ", ids)}");
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.errors"));
        await page.EvaluateAsync("() => window.source.close()");
    }
}
