using Apperate.Actors.Tests.Connectors;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Apperate.Actors.Tests.WebConsole;

/// <summary>
/// One real silo process serving the web console, a loopback Exchange feed for the connector tests and one headless
/// Debian chromium driven by Playwright. Each test opens its own browser context (its own session storage).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>How long the page may take to show what a test waits for.</summary>
    public const float Wait = 20_000;

    /// <summary>When set, the tests save a PNG of each page they visit into this directory (the README's screenshots).</summary>
    public static readonly string? ScreenshotDirectory = Environment.GetEnvironmentVariable("APPERATE_CONSOLE_SCREENSHOTS") is { Length: > 0 } dir ? dir : null;

    private IPlaywright? _playwright;

    public SiloProcess Silo { get; } = new();

    public ExchangeFeedServer Feed { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Api Api => Silo.Api;

    public string ConsoleUrl => $"{Silo.BaseAddress.ToString().TrimEnd('/')}/console/";

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(Wait);
        Feed = await ExchangeFeedServer.StartAsync("BTC-USD", "ETH-USD");
        await Silo.StartAsync();
        var chromium = Tools.Find("APPERATE_CHROMIUM", "chromium", "apt-get install -y chromium (tests/run.sh installs it)", "/usr/bin/chromium");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // No background networking: a closed network refuses Chromium's own connections.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Silo.DisposeAsync();
        if (Feed is not null) await Feed.DisposeAsync();
    }

    /// <summary>A new browser context and page on the console's sign-in page, not signed in.</summary>
    public async Task<ConsoleTab> OpenAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        var tab = new ConsoleTab(this, context, await context.NewPageAsync());
        await tab.Page.GotoAsync(ConsoleUrl);
        return tab;
    }

    /// <summary>A new tab signed in with the workspace's secret token, showing <paramref name="route"/> (e.g. <c>/datasets/ID</c>).</summary>
    public async Task<ConsoleTab> SignedInAsync(string route)
    {
        var tab = await OpenAsync();
        await tab.SignInAsync(Silo.Token);
        await tab.GoAsync(route);
        return tab;
    }
}

/// <summary>Tests that share the console's silo and browser; each uses its own datasets, connectors and rules.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "Web console";
}
