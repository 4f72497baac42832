using System.Globalization;

namespace Apperate.Actors.Bench;

/// <summary>Command-line options of the bench tool (bench/run.sh passes them; see <see cref="Usage"/>).</summary>
public sealed class Options
{
    public const string Usage = """
        Apperate.Actors.Bench: drives a running Apperate.Actors service and measures in-process baselines.

          --url URL              the service (e.g. http://127.0.0.1:5000)                       (required)
          --token TOKEN          a secret token of the workspace                                (required)
          --workspace NAME       the workspace (default DEMO)
          --out DIR              where to write the report (default: the current directory)
          --name NAME            report file names NAME.md and NAME.json (default report; smoke-report with --smoke)
          --smoke                a few seconds in total, tiny sizes (numbers mean nothing)
          --duration N           seconds per timed scenario (default 15; 0.5 with --smoke)
          --concurrency N        clients of the single-record and wait=true scenarios (default 64; 16 with --smoke)
          --rows N               rows of the POST /v1/data files (default 1000000; 20000 with --smoke)
          --only LIST            run only these groups: store,single,batch,wait,data,read,rules,live,views,ethereum (default all);
                                 parts alone: rules-conditions, rules-webhook, rules-batch, live-latency, live-batch;
                                 with --cluster: cluster (its parts cluster-single, cluster-batch, cluster-wait), failover
          --silo-pid PID         the service's process id, to report its CPU use
          --silo-command TEXT    the service's command line, for the report
          --run-command TEXT     the command that started the run, for the report
          --work-dir DIR         scratch space for generated files and baseline databases (default: a new temp dir)
          --print-free-ports N   print N free loopback TCP ports and exit
          --condition-micro      time compiled rule conditions in process (no service needed) and exit
          --allocation-micro     bytes allocated per record by each in-process stage of the async write path, and exit

        Cluster mode (bench/run.sh starts the cluster with deploy/cluster.sh and passes these):
          --cluster              --url is a cluster's gateway: run the cluster groups (cluster, failover) against it
          --silo-urls LIST       the silos' own HTTP URLs, comma-separated, in the order of --silo-pids   (with --cluster)
          --silo-pids LIST       the silos' process ids, comma-separated; failover kills the first ones   (with --cluster)
          --gateway-pid PID      the gateway's process id, to report its CPU use with the silos'
          --database-pid PID     the database server's process id, likewise
          --cluster-command TEXT the command that started the cluster, for the report
          --append               add the cluster section to NAME.json in --out (the embedded run's report) and
                                 write NAME.md and NAME.json again, instead of starting a new report
          --cluster-note TEXT    why cluster mode was not measured: the report says so in its cluster section;
                                 without --url, only that (with --append: into the existing report)
          --evaluations N        evaluations per rule of --condition-micro (default 10000000)
        """;

    public Uri? Url { get; private set; }
    public string? Token { get; private set; }
    public string Workspace { get; private set; } = "DEMO";
    public string OutDirectory { get; private set; } = ".";
    public string? Name { get; private set; }
    public bool Smoke { get; private set; }
    public double? DurationSeconds { get; private set; }
    public int? Concurrency { get; private set; }
    public long? Rows { get; private set; }
    public HashSet<string>? Only { get; private set; }
    public int? SiloPid { get; private set; }
    public string SiloCommand { get; private set; } = "(started elsewhere)";
    public string RunCommand { get; private set; } = "(the bench tool was started directly)";
    public string? WorkDirectory { get; private set; }
    public int PrintFreePorts { get; private set; }
    public bool ConditionMicro { get; private set; }
    public bool AllocationMicro { get; private set; }
    public long Evaluations { get; private set; } = 10_000_000;
    public bool Cluster { get; private set; }
    public IReadOnlyList<Uri> SiloUrls { get; private set; } = [];
    public IReadOnlyList<int> SiloPids { get; private set; } = [];
    public int? GatewayPid { get; private set; }
    public int? DatabasePid { get; private set; }
    public string ClusterCommand { get; private set; } = "(started elsewhere)";
    public bool Append { get; private set; }
    public string? ClusterNote { get; private set; }

    /// <summary>Only the cluster section's note is written (no service is measured).</summary>
    public bool ClusterNoteOnly => ClusterNote is not null && Url is null;

    public string ReportName => Name ?? (Smoke ? "smoke-report" : "report");
    public TimeSpan Duration => TimeSpan.FromSeconds(DurationSeconds ?? (Smoke ? 0.5 : 15));
    public int SingleConcurrency => Concurrency ?? (Smoke ? 16 : 64);
    public int BatchConcurrency => Smoke ? 4 : 16;
    public long DataRows => Rows ?? (Smoke ? 20_000 : 1_000_000);
    public TimeSpan DrainTimeout => Smoke ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(5);

    public bool Runs(string group) => Only is null || Only.Contains(group);

    /// <summary>True when <paramref name="group"/> or one of its parts (<c>group-part</c>, e.g. <c>rules-webhook</c>) is selected.</summary>
    public bool RunsAnyOf(string group) => Only is null || Only.Any(g => g == group || g.StartsWith(group + "-", StringComparison.Ordinal));

    /// <summary>True when the part <c>group-part</c> runs: its group or the part itself is selected.</summary>
    public bool RunsPart(string group, string part) => Only is null || Only.Contains(group) || Only.Contains(group + "-" + part);

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            switch (arg)
            {
                case "--url": o.Url = new Uri(Value()); break;
                case "--token": o.Token = Value(); break;
                case "--workspace": o.Workspace = Value(); break;
                case "--out": o.OutDirectory = Value(); break;
                case "--name": o.Name = Value(); break;
                case "--smoke": o.Smoke = true; break;
                case "--duration": o.DurationSeconds = Positive(arg, Value()); break;
                case "--concurrency": o.Concurrency = (int)Positive(arg, Value()); break;
                case "--rows": o.Rows = (long)Positive(arg, Value()); break;
                case "--only": o.Only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase); break;
                case "--silo-pid": o.SiloPid = (int)Positive(arg, Value()); break;
                case "--silo-command": o.SiloCommand = Value(); break;
                case "--run-command": o.RunCommand = Value(); break;
                case "--work-dir": o.WorkDirectory = Value(); break;
                case "--print-free-ports": o.PrintFreePorts = (int)Positive(arg, Value()); break;
                case "--condition-micro": o.ConditionMicro = true; break;
                case "--allocation-micro": o.AllocationMicro = true; break;
                case "--evaluations": o.Evaluations = (long)Positive(arg, Value()); break;
                case "--cluster": o.Cluster = true; break;
                case "--silo-urls": o.SiloUrls = List(Value()).Select(u => new Uri(u)).ToArray(); break;
                case "--silo-pids": o.SiloPids = List(Value()).Select(p => (int)Positive(arg, p)).ToArray(); break;
                case "--gateway-pid": o.GatewayPid = (int)Positive(arg, Value()); break;
                case "--database-pid": o.DatabasePid = (int)Positive(arg, Value()); break;
                case "--cluster-command": o.ClusterCommand = Value(); break;
                case "--append": o.Append = true; break;
                case "--cluster-note": o.ClusterNote = Value(); break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"unknown option {arg}");
            }
        }
        if (o.PrintFreePorts == 0 && !o.ConditionMicro && !o.AllocationMicro && !o.ClusterNoteOnly && (o.Url is null || o.Token is null)) throw new ArgumentException("--url and --token are required");
        if (o.Cluster && o.SiloUrls.Count != o.SiloPids.Count) throw new ArgumentException("--silo-urls and --silo-pids must name the same silos, in the same order");
        if (o.Cluster && o.Runs("failover") && o.SiloPids.Count < 2) throw new ArgumentException("the failover group needs --silo-urls and --silo-pids of at least 2 silos (one survives)");
        if (o.Append && !o.Cluster && !o.ClusterNoteOnly) throw new ArgumentException("--append adds the cluster section: use it with --cluster or --cluster-note");
        return o;
    }

    private static string[] List(string text) => text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static double Positive(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive number, not '{text}'");
}
