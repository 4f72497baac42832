using System.Diagnostics;

namespace Apperate.Actors.Tests.Infrastructure;

/// <summary>A server the tests start as a child process: its output kept for diagnostics, stopped by its process id.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int MaxLines = 200;
    private readonly LinkedList<string> _output = new();
    private readonly Process _process;

    private ServerProcess(Process process) => _process = process;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True while it runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/>.</summary>
    /// <param name="environment">Environment variables to set; a null value removes the variable.</param>
    public static ServerProcess Start(string file, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"{file} did not start");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs <paramref name="file"/> to completion; throws with its output when it fails.</summary>
    public static async Task RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        await using var run = Start(file, arguments);
        var exitCode = await run.WaitForExitAsync(timeout, $"{file} to finish");
        if (exitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {exitCode}:{Environment.NewLine}{run.Tail()}");
    }

    /// <summary>
    /// Waits for the process to exit by itself and returns its exit code, with all of its output read. A timeout
    /// names <paramref name="what"/> and leaves the process running for <see cref="DisposeAsync"/> to stop.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, string what)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what} (pid {Id}):{Environment.NewLine}{Tail()}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (<c>kill -TERM pid</c>) and waits up to <paramref name="timeout"/> for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout, string what)
    {
        if (!_process.HasExited) await SignalAsync("TERM");
        return await WaitForExitAsync(timeout, $"{what} to exit after SIGTERM");
    }

    /// <summary>Kills the process at once (SIGKILL).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>The last lines it printed.</summary>
    public string Tail(int lines = 40)
    {
        lock (_output) return string.Join(Environment.NewLine, _output.TakeLast(lines));
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AddLast(line);
            if (_output.Count > MaxLines) _output.RemoveFirst();
        }
    }

    /// <summary>Stops the process (SIGTERM first, then SIGKILL) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await SignalAsync("TERM");
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill();
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
    }
}

/// <summary>Where the tests find the programs they start.</summary>
public static class Tools
{
    /// <summary>The repository root (the folder holding the solution).</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Apperate.Actors.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"No Apperate.Actors.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// The build of another project of the solution, in the configuration of this test build
    /// (<c>&lt;projectDirectory&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;assemblyName&gt;.dll</c>).
    /// </summary>
    public static string BuiltAssembly(string projectDirectory, string assemblyName)
    {
        var configuration = BuildConfiguration();
        var dll = Path.Combine(RepositoryRoot(), projectDirectory, "bin", configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} does not exist: build the solution first (dotnet build Apperate.Actors.sln -c {configuration}).");
        return dll;
    }

    /// <summary>The configuration this test build was built with (Debug or Release), from its output folder.</summary>
    public static string BuildConfiguration()
    {
        var segments = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(segments, "bin");
        if (bin < 0 || bin + 1 >= segments.Length) throw new InvalidOperationException($"Cannot tell the build configuration from {AppContext.BaseDirectory}");
        return segments[bin + 1];
    }

    /// <summary>
    /// The program named by <paramref name="variable"/>, else the first of <paramref name="candidates"/> that exists,
    /// else <paramref name="name"/> on PATH; a clear failure naming <paramref name="install"/> when none is found.
    /// </summary>
    public static string Find(string variable, string name, string install, params string[] candidates)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured)
        {
            if (File.Exists(configured)) return configured;
            throw new InvalidOperationException($"{variable}={configured} does not exist. Install it with: {install}");
        }
        foreach (var candidate in candidates)
            if (File.Exists(candidate)) return candidate;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/sbin").Append("/usr/local/sbin");
        foreach (var directory in path)
        {
            var file = Path.Combine(directory, name);
            if (File.Exists(file)) return file;
        }
        throw new InvalidOperationException($"{name} is not installed (set {variable} or put it on PATH). Install it with: {install} (bash tests/run.sh does this)");
    }
}
