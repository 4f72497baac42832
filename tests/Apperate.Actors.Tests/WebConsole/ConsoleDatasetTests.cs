using System.Text;
using Apperate.Actors.Tests.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>Datasets in the console: the create form, a file upload with its job, records arriving live, the chart.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleDatasetTests(ConsoleFixture fixture)
{
    private const string Ws = Api.Workspace;
    private Api Api => fixture.Api;

    [Fact]
    public async Task A_dataset_created_through_the_form_shows_its_schema_and_index()
    {
        var ds = Api.UniqueId("form");
        await using var tab = await fixture.SignedInAsync("/datasets");

        // The service's own words name the field at fault.
        await tab.Label("Dataset id").FillAsync("not a name!");
        await tab.Label("Property 1 name").FillAsync("symbol");
        await tab.Button("Create dataset").ClickAsync();
        await Expect(tab.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("dataset.datasetId");

        await tab.Label("Dataset id").FillAsync(ds);
        await tab.Label("Title").FillAsync("Daily prices");
        await tab.Label("Property 2 name").FillAsync("date");
        await tab.Label("Property 2 type").SelectOptionAsync("date");
        await tab.Label("Property 3 name").FillAsync("price");
        await tab.Label("Property 3 type").SelectOptionAsync("number");
        await tab.Button("Add property").ClickAsync();
        await tab.Label("Property 4 name").FillAsync("volume");
        await tab.Label("Property 4 type").SelectOptionAsync("integer");
        await tab.Label("Key").SelectOptionAsync("symbol");
        await tab.Label("Date").SelectOptionAsync("date");
        await tab.ScreenshotAsync("dataset-create");
        await tab.Button("Create dataset").ClickAsync();

        await Expect(tab.Page.Locator("main h1")).ToHaveTextAsync(ds);
        await Expect(tab.Page.Locator("#status")).ToHaveTextAsync($"Dataset {ds} has been created.");
        await Expect(tab.Fact("Key")).ToHaveTextAsync("symbol");
        await Expect(tab.Fact("Date")).ToHaveTextAsync("date");
        await Expect(tab.Fact("Records")).ToHaveTextAsync("0");
        var schema = tab.Section("Schema");
        await Expect(tab.Row("price")).ToContainTextAsync("number");
        await Expect(tab.Row("volume")).ToContainTextAsync("integer");
        await Expect(schema.Locator("tbody tr")).ToHaveCountAsync(4);

        var definition = (await Api.Get($"/v1/datasets/{Ws}/{ds}")).Expect(200).Json;
        Assert.Equal("Daily prices", definition["title"]!.GetValue<string>());
        Assert.Equal("""{"key":"symbol","date":"date"}""", definition["columnMapping"]!.ToJsonString());

        // Listed with its index.
        await tab.GoAsync("/datasets");
        await Expect(tab.Row(ds)).ToContainTextAsync("symbol / — / date");
        await tab.ScreenshotAsync("datasets");
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task An_uploaded_file_becomes_a_job_whose_rows_and_invalid_records_are_shown()
    {
        var ds = Api.UniqueId("upload");
        await Api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        await using var tab = await fixture.SignedInAsync($"/datasets/{ds}");

        var csv = new StringBuilder("symbol,date,price\n");
        for (var day = 1; day <= 20; day++)
        {
            csv.Append(CultureFormat($"AAPL,2024-03-{day:00},{180 + day * 0.75}\n"));
            csv.Append(CultureFormat($"MSFT,2024-03-{day:00},{400 - day * 1.25}\n"));
        }
        csv.Append("IBM,2024-03-21,not-a-price\n");
        await tab.Label("File (CSV, JSON or NDJSON)").SetInputFilesAsync(new FilePayload { Name = "prices.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
        await tab.Button("Upload").ClickAsync();

        var load = tab.Section("Load a file");
        await Expect(load).ToContainTextAsync("Uploaded prices.csv");
        await Expect(load).ToContainTextAsync("ingested — 100%, received 41, ingested 40, invalid 1, duplicates 0");
        await Expect(load.GetByRole(AriaRole.Progressbar, new LocatorGetByRoleOptions { Name = "Upload progress" })).ToHaveAttributeAsync("value", "100");
        await Expect(tab.Fact("Records")).ToHaveTextAsync("40");
        var latest = tab.Section("Latest records");
        await Expect(latest.Locator("tbody tr").First).ToContainTextAsync("2024-03-20");
        await Expect(latest).ToContainTextAsync("375"); // MSFT on 2024-03-20
        await Expect(tab.Section("Chart").Locator("svg[role=img]")).ToHaveAttributeAsync("aria-label", "price of 40 records from 2024-03-01 00:00 to 2024-03-20 00:00 UTC, between 180.75 and 398.75");
        await tab.ScreenshotAsync("upload");

        // The job, with the record it rejected.
        await load.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(tab.Page.Locator("main h1")).ToContainTextAsync("Job ");
        await Expect(tab.Fact("Status")).ToHaveTextAsync("ingested");
        await Expect(tab.Fact("Invalid")).ToHaveTextAsync("1");
        var invalid = tab.Section("Invalid records");
        await Expect(invalid.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(invalid.Locator("tbody tr")).ToContainTextAsync("42");
        await Expect(invalid.Locator("tbody tr")).ToContainTextAsync("price");
        await Expect(invalid.Locator("tbody tr")).ToContainTextAsync("IBM,2024-03-21,not-a-price");
        await tab.ScreenshotAsync("job");

        await tab.GoAsync("/jobs");
        await Expect(tab.Page.Locator("tbody tr").Filter(new LocatorFilterOptions { HasText = ds }).First).ToContainTextAsync("ingested");
        await tab.ScreenshotAsync("jobs");
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_record_written_over_HTTP_appears_live_on_the_dataset_page()
    {
        var ds = Api.UniqueId("live");
        await Api.CreateDataset(ds, "symbol", "date", null, ("symbol", "string"), ("date", "string:date"), ("price", "number"));
        await Api.WriteNow(ds, """
            [{"symbol":"AAPL","date":"2024-01-02","price":185.5},{"symbol":"AAPL","date":"2024-01-03","price":184.25},
             {"symbol":"AAPL","date":"2024-01-04","price":181.9},{"symbol":"MSFT","date":"2024-01-02","price":370.6},
             {"symbol":"MSFT","date":"2024-01-03","price":370.1},{"symbol":"MSFT","date":"2024-01-04","price":367.75}]
            """);
        await using var tab = await fixture.SignedInAsync($"/datasets/{ds}");
        var latest = tab.Section("Latest records");
        await Expect(latest.Locator("tbody tr")).ToHaveCountAsync(6);
        await Expect(tab.Page.Locator(".live-state")).ToHaveTextAsync("live");

        await Api.WriteNow(ds, """[{"symbol":"AAPL","date":"2024-01-05","price":777.77}]""");
        await Expect(latest.Locator("tbody tr").First).ToContainTextAsync("777.77");
        await Expect(latest.Locator("tbody tr")).ToHaveCountAsync(7);
        await Expect(latest).ToContainTextAsync("1 record arrived since the page opened");
        await Expect(tab.Fact("Records")).ToHaveTextAsync("7");
        await Expect(tab.Section("Chart").Locator("svg[role=img]")).ToHaveAttributeAsync("aria-label", "price of 7 records from 2024-01-02 00:00 to 2024-01-05 00:00 UTC, between 181.9 and 777.77");
        await tab.ScreenshotAsync("dataset");
        tab.AssertNoScriptErrors();
    }

    private static string CultureFormat(FormattableString s) => FormattableString.Invariant(s);
}
