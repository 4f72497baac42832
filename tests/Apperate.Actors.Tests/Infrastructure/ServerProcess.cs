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
    public static ServerProcess Start(string file, IEnumerable<string> arguments, string? workingDirectory = null)
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
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await run._process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{file} did not finish within {timeout.TotalSeconds:0} s:{Environment.NewLine}{run.Tail()}");
        }
        run._process.WaitForExit();
        if (run._process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {run._process.ExitCode}:{Environment.NewLine}{run.Tail()}");
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
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
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
