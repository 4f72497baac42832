using Apperate.Actors.Tests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>A rule created in the console fires on a record written over HTTP; its alert and counters are shown.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleRuleTests(ConsoleFixture fixture)
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task A_rule_created_in_the_page_fires_and_its_alert_and_counters_are_shown()
    {
        var ds = Api.UniqueId("alerts");
        var rule = $"big price {Guid.NewGuid():N}"[..18];
        await Api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        await using var tab = await fixture.SignedInAsync("/rules");

        await tab.Label("Rule name").FillAsync(rule);
        await tab.Label("Dataset").SelectOptionAsync(ds);
        await tab.Label("Property").SelectOptionAsync(new SelectOptionValue { Label = "price (number)" });
        await tab.Label("Operator").SelectOptionAsync(">");
        await tab.Label("Value").FillAsync("100");
        await tab.Button("Create rule").ClickAsync();

        await Expect(tab.Page.Locator("main h1")).ToHaveTextAsync(rule);
        await Expect(tab.Fact("All of")).ToHaveTextAsync("$index[0] > 100");
        await Expect(tab.Section("Alerts")).ToContainTextAsync("No alerts yet.");

        await Api.WriteNow(ds, """[{"symbol":"AAPL","date":"2024-01-02","price":99},{"symbol":"MSFT","date":"2024-01-02","price":370.5}]""");
        var alerts = tab.Section("Alerts").Locator("tbody tr");
        await Expect(alerts).ToHaveCountAsync(1);
        await Expect(alerts).ToContainTextAsync("MSFT");
        await Expect(alerts).ToContainTextAsync("price = 370.5");
        await Expect(tab.Fact("Ran")).ToHaveTextAsync("2");
        await Expect(tab.Fact("Passed")).ToHaveTextAsync("1");
        await Expect(tab.Fact("Sent")).ToHaveTextAsync("1");
        await tab.ScreenshotAsync("rule");

        // The list: counters, pause and resume.
        await tab.GoAsync("/rules");
        var row = tab.Row(rule);
        await Expect(row).ToContainTextAsync("active");
        await tab.ScreenshotAsync("rules");
        await tab.Button($"Pause {rule}").ClickAsync();
        await Expect(row).ToContainTextAsync("paused");
        await tab.Button($"Resume {rule}").ClickAsync();
        await Expect(row).ToContainTextAsync("active");
        var listed = (await Api.Get("/v1/rules")).Expect(200).Json.AsArray().Single(r => r!["name"]!.GetValue<string>() == rule)!;
        Assert.True(listed["isActive"]!.GetValue<bool>());
        Assert.Equal(1, listed["sent"]!.GetValue<long>());
        tab.AssertNoScriptErrors();
    }
}
