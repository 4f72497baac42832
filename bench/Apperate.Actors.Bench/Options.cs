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
          --only LIST            run only these groups: store,single,batch,wait,data,read,rules,live (default all);
                                 parts alone: rules-conditions, rules-webhook, rules-batch, live-latency, live-batch
          --silo-pid PID         the service's process id, to report its CPU use
          --silo-command TEXT    the service's command line, for the report
          --run-command TEXT     the command that started the run, for the report
          --work-dir DIR         scratch space for generated files and baseline databases (default: a new temp dir)
          --print-free-ports N   print N free loopback TCP ports and exit
          --condition-micro      time compiled rule conditions in process (no service needed) and exit
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
    public long Evaluations { get; private set; } = 10_000_000;

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
                case "--evaluations": o.Evaluations = (long)Positive(arg, Value()); break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"unknown option {arg}");
            }
        }
        if (o.PrintFreePorts == 0 && !o.ConditionMicro && (o.Url is null || o.Token is null)) throw new ArgumentException("--url and --token are required");
        return o;
    }

    private static double Positive(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive number, not '{text}'");
}
