using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>One browser tab on the console: signing in, going to a page, what the user sees, screenshots.</summary>
public sealed class ConsoleTab(ConsoleFixture fixture, IBrowserContext context, IPage page) : IAsyncDisposable
{
    private readonly List<string> _scriptErrors = Collect(page);

    public IPage Page => page;

    /// <summary>The page's main content.</summary>
    public ILocator Main => page.Locator("main");

    /// <summary>The description of a term of the page's facts (<c>dt</c>/<c>dd</c> pairs).</summary>
    public ILocator Fact(string term) => page.Locator($"dt:text-is(\"{term}\") + dd");

    /// <summary>The section headed <paramref name="heading"/>.</summary>
    public ILocator Section(string heading) => page.Locator("section").Filter(new LocatorFilterOptions { Has = page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = heading, Exact = true }) });

    /// <summary>The table row whose row header is <paramref name="name"/>.</summary>
    public ILocator Row(string name) =>
        page.Locator("tbody tr").Filter(new LocatorFilterOptions { Has = page.GetByRole(AriaRole.Rowheader, new PageGetByRoleOptions { Name = name, Exact = true }) });

    public ILocator Label(string label) => page.GetByLabel(label, new PageGetByLabelOptions { Exact = true });

    public ILocator Button(string name) => page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = name, Exact = true });

    public async Task SignInAsync(string token)
    {
        await Label("Token").FillAsync(token);
        await Button("Sign in").ClickAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync("Workspace DEMO");
    }

    /// <summary>Goes to a console route and waits for its heading.</summary>
    public async Task GoAsync(string route)
    {
        await page.GotoAsync($"{fixture.ConsoleUrl}#{route}");
        await Expect(page.Locator("main h1")).ToBeVisibleAsync();
    }

    /// <summary>Saves a PNG of the whole page when screenshots are asked for (APPERATE_CONSOLE_SCREENSHOTS).</summary>
    public async Task ScreenshotAsync(string name)
    {
        if (ConsoleFixture.ScreenshotDirectory is not { } directory) return;
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{name}.png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    /// <summary>Fails when a script of the page threw.</summary>
    public void AssertNoScriptErrors() => Assert.True(_scriptErrors.Count == 0, "Script errors: " + string.Join(Environment.NewLine, _scriptErrors));

    public async ValueTask DisposeAsync() => await context.DisposeAsync();

    private static List<string> Collect(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, error) => { lock (errors) errors.Add(error); };
        return errors;
    }
}
