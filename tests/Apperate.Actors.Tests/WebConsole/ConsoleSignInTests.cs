using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>Signing in to the console with a token, being refused with a wrong one, signing out.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleSignInTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_wrong_token_is_refused_and_the_secret_token_signs_in_to_its_workspace()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#nav")).ToBeHiddenAsync();

        await tab.Label("Token").FillAsync("sk_wrong_" + Guid.NewGuid().ToString("N"));
        await tab.Button("Sign in").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The token is not valid.");
        await Expect(page.Locator("#nav")).ToBeHiddenAsync();
        await tab.ScreenshotAsync("signin");

        // The workspace comes from the secret token.
        await tab.SignInAsync(fixture.Silo.Token);
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Datasets", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new PageGetByRoleOptions { Name = "Main" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Datasets", Exact = true })).ToHaveAttributeAsync("aria-current", "page");

        // The session survives a reload of the tab; signing out forgets it.
        await page.ReloadAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync("Workspace DEMO");
        await tab.Button("Sign out").ClickAsync();
        await Expect(tab.Label("Token")).ToBeVisibleAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Signed out.");
        await page.GotoAsync($"{fixture.ConsoleUrl}#/tokens");
        await Expect(tab.Label("Token")).ToBeVisibleAsync();
        tab.AssertNoScriptErrors();
    }

    [Fact]
    public async Task The_console_is_served_at_console_without_a_token()
    {
        using var redirect = await fixture.Silo.Http.GetAsync("/console");
        Assert.Equal("/console/", redirect.RequestMessage!.RequestUri!.AbsolutePath);
        var html = await redirect.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"console.js\"></script>", html);
        foreach (var file in new[] { "console.js", "api.js", "console.css" })
        {
            using var response = await fixture.Silo.Http.GetAsync($"/console/{file}");
            Assert.True(response.IsSuccessStatusCode, $"GET /console/{file} → {(int)response.StatusCode}");
        }
    }
}
