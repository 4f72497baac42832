namespace Apperate.Actors.Silo.Hosting;

/// <summary>The <c>Apperate</c> configuration section (environment: <c>Apperate__Name</c>).</summary>
public sealed class ApperateOptions
{
    public const string Section = "Apperate";

    /// <summary><c>Embedded</c> (the default): one process, SQLite under <see cref="DataDirectory"/>.</summary>
    public string Mode { get; set; } = "Embedded";

    /// <summary>Where the embedded mode keeps its files. Relative paths are relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The workspace created on first start.</summary>
    public string Workspace { get; set; } = "DEMO";

    /// <summary>When set, the initial secret token has this text (and a secret token with it always exists).</summary>
    public string? BootstrapToken { get; set; }

    /// <summary>Orleans silo-to-silo port on 127.0.0.1.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port on 127.0.0.1.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How long a graceful shutdown waits for accepted async writes to be stored.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
