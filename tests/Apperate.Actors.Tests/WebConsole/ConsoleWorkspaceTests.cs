using Apperate.Actors.Tests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>The workspace pages of the console: tokens, views and the log.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleWorkspaceTests(ConsoleFixture fixture)
{
    private const string Ws = Api.Workspace;
    private Api Api => fixture.Api;

    [Fact]
    public async Task A_token_created_in_the_page_is_shown_once_works_and_is_revoked()
    {
        var ds = Api.UniqueId("tokens");
        var name = $"reader {Guid.NewGuid():N}"[..15];
        await Api.CreateDataset(ds, "symbol", null, null, ("symbol", "string"));
        await using var tab = await fixture.SignedInAsync("/tokens");

        await tab.Label("Type").SelectOptionAsync("publishable");
        await tab.Label("Name").FillAsync(name);
        await tab.Label("Dataset 1 (or *)").FillAsync(ds);
        await tab.Button("Create token").ClickAsync();
        var created = tab.Page.Locator(".created .token-text");
        await Expect(created).ToContainTextAsync("pk_");
        var token = await created.TextContentAsync();
        var row = tab.Page.Locator("tbody tr").Filter(new LocatorFilterOptions { HasText = name });
        await Expect(row).ToContainTextAsync($"{ds}: read");
        await tab.ScreenshotAsync("tokens");
        (await Api.As(token).Get($"/v1/datasets/{Ws}/{ds}")).Expect(200);

        // The publishable token signs in by itself too (the service names its workspace) and sees its dataset.
        await using (var reader = await fixture.OpenAsync())
        {
            await reader.SignInAsync(token!);
            await Expect(reader.Page.Locator("main")).ToContainTextAsync(ds);
            reader.AssertNoScriptErrors();
        }

        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Revoke" }).ClickAsync();
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = $"Revoke {name} now?" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        (await Api.As(token).Get($"/v1/datasets/{Ws}/{ds}")).ExpectProblem(401);
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_view_shows_its_SQL_and_rows_and_the_log_shows_a_job()
    {
        var prices = Api.UniqueId("vprices");
        var names = Api.UniqueId("vnames");
        var view = Api.UniqueId("named");
        await Api.CreateDataset(prices, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        await Api.CreateDataset(names, "symbol", null, null, ("symbol", "string"), ("name", "string"));
        await Api.WriteNow(prices, """[{"symbol":"AAPL","date":"2024-01-02","price":185.5},{"symbol":"MSFT","date":"2024-01-02","price":370.25}]""");
        await Api.WriteNow(names, """[{"symbol":"AAPL","name":"Apple"},{"symbol":"MSFT","name":"Microsoft"}]""");
        var sql = $"SELECT p.symbol, p.date, p.price, n.name FROM {Ws}.{prices} p JOIN {Ws}.{names} n ON n.symbol = p.symbol";
        (await Api.Post($"/v1/views/{Ws}", new System.Text.Json.Nodes.JsonObject { ["viewId"] = view, ["sql"] = sql }.ToJsonString())).Expect(201);

        await using var tab = await fixture.SignedInAsync("/views");
        await Expect(tab.Row(view)).ToContainTextAsync("valid");
        await tab.ScreenshotAsync("views");
        await tab.Row(view).GetByRole(AriaRole.Link).ClickAsync();
        await Expect(tab.Page.Locator("main h1")).ToHaveTextAsync(view);
        await Expect(tab.Section("SQL")).ToContainTextAsync(sql);
        var rows = tab.Section("Rows").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(tab.Section("Rows")).ToContainTextAsync("Microsoft");
        await tab.ScreenshotAsync("view");

        // A batch load's milestones in the workspace log.
        var load = (await Api.Send(HttpMethod.Post, $"/v1/data/{Ws}/{prices}", Api.Content("symbol,date,price\nIBM,2024-01-02,161.5\n", "text/csv"))).Expect(200);
        var jobId = load.Json["jobId"]!.GetValue<string>();
        await tab.GoAsync("/logs");
        await Expect(tab.Section("Entries")).ToContainTextAsync($"Ingestion job {jobId} ingested 1 records into {prices}");
        await tab.Label("Source").SelectOptionAsync("job");
        await tab.ScreenshotAsync("logs");
        tab.AssertNoScriptErrors();
    }
}
