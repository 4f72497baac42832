using System.Text.Json;
using Apperate.Actors.Gateway.Hosting;
using Apperate.Actors.Silo.Embedded;
using Apperate.Actors.Workspaces;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Silo.Hosting;

/// <summary>
/// On first start creates the workspace and its first secret token, prints both once and saves them to
/// <c>credentials.json</c> in the data directory (readable by the owner only).
/// </summary>
public sealed partial class WorkspaceBootstrap(IGrainFactory grains, IOptions<ApperateOptions> options, EmbeddedStorage storage, ILogger<WorkspaceBootstrap> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (Names.Check(o.Workspace) is { } bad) throw new InvalidOperationException($"Apperate:Workspace '{o.Workspace}' {bad}");
        // An empty value (an environment variable set to nothing) means none, never a token with empty text.
        var bootstrapToken = string.IsNullOrWhiteSpace(o.BootstrapToken) ? null : o.BootstrapToken;
        var created = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(o.Workspace)).EnsureCreatedAsync(o.Workspace, bootstrapToken);
        if (created is null)
        {
            LogExisting(o.Workspace, storage.CredentialsPath);
            return;
        }
        var json = JsonSerializer.Serialize(new { workspace = o.Workspace, token = created.Token, tokenId = created.Info.TokenId }, new JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(storage.CredentialsPath, json, cancellationToken);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(storage.CredentialsPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Console.WriteLine();
        Console.WriteLine($"  Workspace:    {o.Workspace}");
        Console.WriteLine($"  Secret token: {created.Token}");
        Console.WriteLine($"  (shown once; also saved to {storage.CredentialsPath})");
        Console.WriteLine();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {Workspace} ready; its first secret token is in {Path}")]
    private partial void LogExisting(string workspace, string path);
}
