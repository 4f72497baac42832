using System.Diagnostics;
using System.Net;
using System.Text;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Http;

/// <summary>
/// The real service (<c>silo/bin/&lt;Configuration&gt;/net10.0/Apperate.Actors.Silo.dll</c>) as a child process bound to
/// 127.0.0.1 on free ports, with its own data directory. Started and stopped by process id only.
/// </summary>
/// <remarks>
/// A new instance may reuse the data directory (and token) of a stopped one to test restarts. The instance that
/// created a temporary data directory deletes it on dispose; a reusing instance leaves it alone.
/// </remarks>
public sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>How long startup may take before <c>/readyz</c> must answer 200.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop (SIGTERM) may take.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    private const int MaxOutputLines = 20_000;

    private readonly bool _ownsDataDirectory;
    private readonly bool _passBootstrapToken;
    private readonly string[] _extraArguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly LinkedList<string> _output = new();
    private readonly StringBuilder _stdout = new();
    private Process? _process;

    /// <param name="dataDirectory">An existing data directory to reuse, or null for a new temporary one.</param>
    /// <param name="token">The secret token to bootstrap with and to call the API with; null for a new random <c>sk_</c> token.</param>
    /// <param name="passBootstrapToken">False to start without <c>--Apperate:BootstrapToken</c> (the token must then already exist in the data directory).</param>
    /// <param name="extraArguments">More command-line arguments, after the ones above (e.g. <c>--Apperate:Mode=Cluster</c>).</param>
    /// <param name="environment">Environment variables for the process (e.g. runtime GC settings).</param>
    public SiloProcess(string? dataDirectory = null, string? token = null, bool passBootstrapToken = true, IEnumerable<string>? extraArguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        _extraArguments = extraArguments?.ToArray() ?? [];
        _environment = environment ?? new Dictionary<string, string>();
        if (dataDirectory is null)
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), "apperate-http-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(DataDirectory);
            _ownsDataDirectory = true;
        }
        else
        {
            DataDirectory = Path.GetFullPath(dataDirectory);
        }
        Token = token ?? "sk_test_" + Guid.NewGuid().ToString("N");
        _passBootstrapToken = passBootstrapToken;
    }

    public string DataDirectory { get; }

    /// <summary>The secret token of the workspace <c>DEMO</c>.</summary>
    public string Token { get; }

    public int HttpPort { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>A client for this process (valid after <see cref="StartAsync"/>).</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>An API helper that sends <see cref="Token"/> as a Bearer token.</summary>
    public Api Api { get; private set; } = null!;

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The silo has not been started");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything the process wrote to stdout, in order (not trimmed).</summary>
    public string StandardOutput
    {
        get { lock (_output) return _stdout.ToString(); }
    }

    /// <summary>The last <paramref name="lines"/> lines of stdout and stderr, interleaved, for failure messages.</summary>
    public string Tail(int lines = 60)
    {
        lock (_output)
        {
            var tail = _output.Skip(Math.Max(0, _output.Count - lines));
            return $"--- last {Math.Min(lines, _output.Count)} lines of silo pid {_process?.Id} output ---{Environment.NewLine}"
                + string.Join(Environment.NewLine, tail);
        }
    }

    /// <summary>Starts the process and waits until <c>GET /readyz</c> answers 200.</summary>
    public async Task StartAsync()
    {
        if (_process is not null) throw new InvalidOperationException("A SiloProcess starts once; create a new one to restart");
        var dll = SiloDll();
        var ports = LoopbackPorts.Take(3);
        HttpPort = ports[0];

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = DataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{ports[0]}");
        start.ArgumentList.Add($"--Apperate:DataDirectory={DataDirectory}");
        if (_passBootstrapToken) start.ArgumentList.Add($"--Apperate:BootstrapToken={Token}");
        start.ArgumentList.Add($"--Apperate:SiloPort={ports[1]}");
        start.ArgumentList.Add($"--Apperate:GatewayPort={ports[2]}");
        // Per-request hosting logs only add noise to the diagnostics buffer.
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft.AspNetCore=Warning");
        foreach (var argument in _extraArguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DOTNET_URLS");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in _environment) start.Environment[name] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => Append(e.Data, stdout: false);
        if (!process.Start()) throw new InvalidOperationException("dotnet did not start");
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        Api = new Api(Http, Token, () => Tail());

        try
        {
            await Eventually.Until(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"The silo exited with code {process.ExitCode} before it was ready.{Environment.NewLine}{Tail(120)}");
                try
                {
                    using var ready = await Http.GetAsync("/readyz");
                    return ready.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, ReadyTimeout, $"the silo (pid {process.Id}) at {BaseAddress} to answer GET /readyz with 200");
        }
        catch (TimeoutException ex)
        {
            Kill();
            throw new TimeoutException($"{ex.Message}{Environment.NewLine}{Tail(120)}", ex);
        }
        catch
        {
            Kill();
            throw;
        }
    }

    /// <summary>Sends SIGTERM (<c>kill -TERM pid</c>) and waits for the process to exit; returns its exit code.</summary>
    public async Task<int> StopGracefullyAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The silo has not been started");
        if (!process.HasExited)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString() }, UseShellExecute = false })
                ?? throw new InvalidOperationException("could not run kill"))
            {
                await kill.WaitForExitAsync();
            }
        }
        return await WaitForExitAsync(StopTimeout, "after SIGTERM");
    }

    /// <summary>Waits for the process to exit (after <see cref="Kill"/>, or a stop) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, string why = "")
    {
        var process = _process ?? throw new InvalidOperationException("The silo has not been started");
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for the silo (pid {process.Id}) to exit {why}.{Environment.NewLine}{Tail(120)}");
        }
        process.WaitForExit(); // drains the redirected output
        return process.ExitCode;
    }

    /// <summary>Kills the process and its children at once.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process) process.Kill(entireProcessTree: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
        Http?.Dispose();
        if (_ownsDataDirectory)
        {
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

    private void Append(string? line, bool stdout)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AddLast(stdout ? line : "[stderr] " + line);
            if (_output.Count > MaxOutputLines) _output.RemoveFirst();
            if (stdout) _stdout.AppendLine(line);
        }
    }

    /// <summary>The silo build next to this test build: same configuration, found from the folder holding the solution.</summary>
    public static string SiloDll() => Infrastructure.Tools.BuiltAssembly("silo", "Apperate.Actors.Silo");
}
