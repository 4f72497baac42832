using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>A COINBASE connector created, started and stopped in the console, against the loopback Exchange feed.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleConnectorTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_connector_created_in_the_page_is_started_and_stopped_and_its_state_follows()
    {
        var name = $"btc-{Guid.NewGuid():N}"[..12];
        var ds = Api.UniqueId("ticks");
        await using var tab = await fixture.SignedInAsync("/connectors");

        await tab.Label("Connector name").FillAsync(name);
        await tab.Label("Type").SelectOptionAsync("COINBASE");
        await tab.Label("Dataset id").FillAsync(ds);
        await tab.Label("Configuration (JSON)").FillAsync($$"""{"url": "{{fixture.Feed.Url}}", "productId": ["BTC-USD"]}""");
        await tab.Button("Create connector").ClickAsync();

        // Its page: discovered streams, then a stream to select.
        await Expect(tab.Page.Locator("main h1")).ToHaveTextAsync(name);
        await Expect(tab.Fact("State")).ToHaveTextAsync("received");
        await Expect(tab.Fact("Streams")).ToHaveTextAsync("ticker, ticker_batch, matches, heartbeat");
        await tab.Label($"Stream of {name}").SelectOptionAsync("ticker");
        await tab.Button($"Select the stream of {name}").ClickAsync();
        await Expect(tab.Fact("State")).ToHaveTextAsync("ready");
        await Expect(tab.Fact("Selected stream")).ToHaveTextAsync("ticker");
        await Expect(tab.Button($"Stop {name}")).ToBeDisabledAsync();

        await tab.Button($"Start {name}").ClickAsync();
        await Expect(tab.Fact("State")).ToHaveTextAsync("running");
        await Expect(tab.Fact("Execution")).ToContainTextAsync($"jobs/{name}/executions/");
        await Expect(tab.Button($"Start {name}")).ToBeDisabledAsync();

        // A tick from the feed is counted in the stats and stored.
        await Eventually.Until(() => Task.FromResult(fixture.Feed.Subscribed > 0), TimeSpan.FromSeconds(20), "the connector to subscribe to the feed");
        await fixture.Feed.TickerAsync("BTC-USD", "50123.45", 901);
        await Expect(tab.Fact("Records written")).ToHaveTextAsync("1");
        await Expect(tab.Section("Log")).ToContainTextAsync("running");
        await tab.ScreenshotAsync("connector");

        // The list shows the same state and stops it too.
        await tab.GoAsync("/connectors");
        var row = tab.Row(name);
        await Expect(row).ToContainTextAsync("running");
        await Expect(row).ToContainTextAsync("COINBASE");
        await tab.ScreenshotAsync("connectors");
        await tab.Button($"Stop {name}").ClickAsync();
        await Expect(row).ToContainTextAsync("stopped");
        await Expect(tab.Page.Locator("#status")).ToHaveTextAsync($"{name} is stopped.");
        await Expect(tab.Button($"Start {name}")).ToBeEnabledAsync();

        var connector = (await fixture.Api.Get($"/v1/connectors/connector/{name}")).Expect(200).Json[0]!;
        Assert.Equal("stopped", connector["state"]!["status"]!.GetValue<string>());
        Assert.Equal(1, connector["stats"]!["recordsWritten"]!.GetValue<long>());
        (await fixture.Api.Delete($"/v1/connectors/connector/{name}")).Expect(200);
        tab.AssertNoScriptErrors();
    }
}
