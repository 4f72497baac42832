using System.Net;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// The standalone gateway (<c>gateway/bin/&lt;Configuration&gt;/net10.0/Apperate.Actors.Gateway.dll</c>) as a child
/// process on a free 127.0.0.1 port with a temporary data directory (its ingest spool), joining a cluster as an
/// Orleans client. Started and stopped by process id through <see cref="ServerProcess"/>.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    /// <summary>How long the gateway may take to answer <c>GET /readyz</c> with 200 once its silos are up.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop (SIGTERM) may take.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    private readonly string[] _arguments;
    private ServerProcess? _process;

    /// <param name="token">The secret token to call the API with (the silos' bootstrap token).</param>
    /// <param name="arguments">Command-line arguments: the cluster's connection string and id, or whatever a test needs.</param>
    public GatewayProcess(string token, IEnumerable<string> arguments)
    {
        Token = token;
        _arguments = arguments.ToArray();
        DataDirectory = Path.Combine(Path.GetTempPath(), "apperate-gateway-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        HttpPort = LoopbackPorts.Take(1)[0];
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(100) };
        Api = new Api(Http, Token, () => Tail());
    }

    public string DataDirectory { get; }

    public string Token { get; }

    public int HttpPort { get; }

    public HttpClient Http { get; }

    /// <summary>An API helper that sends <see cref="Token"/> as a Bearer token.</summary>
    public Api Api { get; }

    public bool IsRunning => _process is { IsRunning: true };

    /// <summary>The last lines of its output, for failure messages.</summary>
    public string Tail(int lines = 60) =>
        $"--- last lines of gateway pid {_process?.Id} output ---{Environment.NewLine}{_process?.Tail(lines)}";

    /// <summary>Starts the process without waiting for it to be ready.</summary>
    public void Start()
    {
        if (_process is not null) throw new InvalidOperationException("A GatewayProcess starts once");
        _process = ServerProcess.Start("dotnet",
            [
                Tools.BuiltAssembly("gateway", "Apperate.Actors.Gateway"),
                "--urls", $"http://127.0.0.1:{HttpPort}",
                $"--Apperate:DataDirectory={DataDirectory}",
                "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
                .. _arguments,
            ],
            DataDirectory,
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = null,
                ["DOTNET_URLS"] = null,
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            });
    }

    /// <summary>Starts the process and waits until <c>GET /readyz</c> answers 200.</summary>
    public async Task StartAsync()
    {
        Start();
        await WaitForReadyzAsync(HttpStatusCode.OK, ReadyTimeout);
    }

    /// <summary>Waits until <c>GET /readyz</c> answers <paramref name="status"/>; returns the body of that answer.</summary>
    public async Task<string> WaitForReadyzAsync(HttpStatusCode status, TimeSpan timeout)
    {
        var process = _process ?? throw new InvalidOperationException("The gateway has not been started");
        var body = "";
        await Eventually.Until(async () =>
        {
            if (!process.IsRunning) throw new InvalidOperationException($"The gateway exited before /readyz answered {(int)status}.{Environment.NewLine}{Tail()}");
            try
            {
                using var ready = await Http.GetAsync("/readyz");
                body = await ready.Content.ReadAsStringAsync();
                return ready.StatusCode == status;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, timeout, $"the gateway (pid {process.Id}) at {Http.BaseAddress} to answer GET /readyz with {(int)status}; last answer: {body}{Environment.NewLine}{Tail()}");
        return body;
    }

    /// <summary>Waits for the process to exit on its own (a configuration error) and returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) =>
        (_process ?? throw new InvalidOperationException("The gateway has not been started")).WaitForExitAsync(timeout, "the gateway to exit");

    /// <summary>Kills the process at once (SIGKILL).</summary>
    public void Kill() => (_process ?? throw new InvalidOperationException("The gateway has not been started")).Kill();

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public Task<int> StopGracefullyAsync() =>
        (_process ?? throw new InvalidOperationException("The gateway has not been started")).TerminateAsync(StopTimeout, "the gateway");

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.DisposeAsync();
        }
        Http.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind does no harm.
        }
    }
}
