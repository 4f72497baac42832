namespace Apperate.Actors.Gateway.Hosting;

/// <summary>
/// The <c>Apperate</c> configuration section (environment: <c>Apperate__Name</c>), read by the silo and by the standalone
/// gateway; the gateway uses <see cref="ConnectionString"/>, <see cref="ClusterId"/>, <see cref="ServiceId"/>,
/// <see cref="DataDirectory"/> and <see cref="DrainTimeout"/>.
/// </summary>
public sealed class ApperateOptions
{
    public const string Section = "Apperate";

    /// <summary>
    /// <c>Embedded</c> (the default): one process, SQLite under <see cref="DataDirectory"/>. <c>Cluster</c>: ADO.NET
    /// clustering, grain state, reminders and records in the MySQL/MariaDB database of <see cref="ConnectionString"/>.
    /// </summary>
    public string Mode { get; set; } = "Embedded";

    /// <summary>Cluster mode: the MySQL/MariaDB connection string; it must name a database (created when missing).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Cluster mode: the Orleans cluster id; silos with the same id and database form one cluster.</summary>
    public string ClusterId { get; set; } = "apperate";

    /// <summary>The Orleans service id; grain state is keyed by it, so it stays the same across modes and deployments.</summary>
    public string ServiceId { get; set; } = "apperate";

    /// <summary>Cluster mode: the IP address other silos and clients reach this silo at (it also listens there).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Where local files live (in embedded mode everything; in cluster mode only credentials.json and the ingest
    /// spool; for the standalone gateway only the ingest spool). Relative paths are relative to the working directory.
    /// </summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The workspace created on first start.</summary>
    public string Workspace { get; set; } = "DEMO";

    /// <summary>When set, the initial secret token has this text (and a secret token with it always exists).</summary>
    public string? BootstrapToken { get; set; }

    /// <summary>Orleans silo-to-silo port (on 127.0.0.1 in embedded mode, on the advertised address in cluster mode).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port (same address as the silo port).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// How long a graceful shutdown waits for requests in progress to be answered (accepted async writes are on disk
    /// either way: what is not stored by then is stored after the restart, or by another silo).
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Admission control of <c>POST /record</c> (<c>Apperate:Writes</c>).</summary>
    public WriteLimits Writes { get; set; } = new();

    /// <summary>Metrics, traces and the Orleans dashboard (<c>Apperate:Telemetry</c>).</summary>
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>
    /// What is wrong with the Orleans identity (<see cref="ServiceId"/>, and <see cref="ClusterId"/> when joining a
    /// cluster), or null; the silo and the standalone gateway both refuse to start with it.
    /// </summary>
    public string? IdentityProblem(bool cluster) =>
        string.IsNullOrWhiteSpace(ServiceId) ? "Apperate:ServiceId must not be empty."
        : cluster && string.IsNullOrWhiteSpace(ClusterId) ? "Apperate:ClusterId must not be empty in Cluster mode."
        : null;
}

/// <summary>The <c>Apperate:Writes</c> section: how many real-time write requests are admitted at once.</summary>
public sealed class WriteLimits
{
    /// <summary>The default of <see cref="Concurrency"/>: 32 per processor, a guard against overload only.</summary>
    public static int DefaultConcurrency => 32 * Environment.ProcessorCount;

    /// <summary>Write requests in progress at once (at least 1); unset: <see cref="DefaultConcurrency"/>.</summary>
    public int? Concurrency { get; set; }

    /// <summary>Write requests waiting in line, unread, before 429 (0 or more).</summary>
    public int Queue { get; set; } = 10_000;

    /// <summary>
    /// How much lower than reads write work runs, as a Linux <c>nice</c> value (0–19): parsing and validating write
    /// requests, the record queue's commits and SQLite commits run on threads of this niceness, so that reads and
    /// health checks get a core first when writes saturate the machine. 0 runs writes on the thread pool with
    /// everything else.
    /// </summary>
    public int Nice { get; set; } = 10;
}

/// <summary>Who may read the operator endpoints (<c>/metrics</c>, <c>/dashboard</c>).</summary>
public enum OperatorAccess
{
    /// <summary>Anyone who reaches the port.</summary>
    Open,

    /// <summary>A secret token of the workspace <see cref="ApperateOptions.Workspace"/> (<c>?token=</c> or <c>Authorization: Bearer</c>).</summary>
    Token,

    /// <summary>Not served (404).</summary>
    Off,
}

/// <summary>The <c>Apperate:Telemetry</c> section.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Who may scrape <c>/metrics</c> (Prometheus text format); unset: <see cref="OperatorAccess.Open"/> in embedded
    /// mode (which listens on loopback), <see cref="OperatorAccess.Token"/> in cluster mode and on the standalone gateway.
    /// </summary>
    public OperatorAccess? Metrics { get; set; }

    /// <summary>
    /// An OpenTelemetry collector (<c>http://host:4317</c> for gRPC, <c>http://host:4318</c> for HTTP): when set, metrics,
    /// traces and logs are exported there too. <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> does the same when this is unset.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (the default) or <c>http/protobuf</c>; <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> when unset.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>
    /// The Orleans dashboard at <c>/dashboard</c> (grains, silos, calls): a silo setting, off by default, and behind
    /// the same check as <see cref="Metrics"/> set to <see cref="OperatorAccess.Token"/>.
    /// </summary>
    public bool Dashboard { get; set; }
}
