using System.Globalization;
using System.Text;
using static Apperate.Actors.Bench.Report;

namespace Apperate.Actors.Bench;

/// <summary>
/// The cluster-mode section of a report: the write scenarios through a cluster's gateway beside the embedded ones of
/// the same run, and the failover group (see bench/README.md, "Cluster mode").
/// </summary>
public sealed class ClusterReport
{
    /// <summary>Why cluster mode was not measured (then nothing else is set).</summary>
    public string? NotMeasured { get; set; }
    public int Silos { get; set; }
    public DateTimeOffset? Started { get; set; }
    public double TotalSeconds { get; set; }
    public double ScenarioSeconds { get; set; }
    /// <summary>The command that started the cluster.</summary>
    public string Command { get; set; } = "";
    /// <summary>The bench tool's command line of the cluster part (token redacted).</summary>
    public string Bench { get; set; } = "";
    public List<ScenarioReport> Scenarios { get; } = [];
    public FailoverReport? Failover { get; set; }
    public List<string> Notes { get; } = [];

    /// <summary>The kind of <see cref="RatioReport"/> that compares a cluster scenario with the embedded scenario of the same run.</summary>
    public const string EmbeddedRatio = "embedded";

    internal void AppendMarkdown(StringBuilder md, Report report)
    {
        md.AppendLine($"## Cluster mode ({(Silos > 0 ? Silos.ToString(CultureInfo.InvariantCulture) : "3")} silos + gateway on MariaDB)");
        md.AppendLine();
        if (NotMeasured is not null)
        {
            md.AppendLine($"Cluster mode: not measured ({NotMeasured}).");
            md.AppendLine();
            return;
        }
        md.AppendLine($"Started {Started:yyyy-MM-dd HH:mm:ss} UTC{(report.Scenarios.Count > 0 ? " after the embedded part had stopped its service" : "")}, took {TotalSeconds:F0} s; " +
                      $"timed scenarios ran {ScenarioSeconds:0.#} s each. `deploy/cluster.sh` started a private mariadbd, {Silos} silos and the " +
                      "standalone gateway (an Orleans client of the silos) on 127.0.0.1, all on this machine's cores with the load generator; " +
                      "the write scenarios go to the gateway, as in the embedded part (same bodies, clients and concurrency). " +
                      "Service CPU and memory are the silos', the gateway's and mariadbd's together.");
        md.AppendLine();
        if (Scenarios.Count > 0)
        {
            md.AppendLine("| scenario | embedded records/s | embedded stored/s | embedded p99 ms | cluster records/s | cluster stored/s | cluster p50 ms | cluster p99 ms | cluster max ms | " +
                          "stored = acknowledged | cluster ÷ embedded | service CPU |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
            foreach (var s in Scenarios)
            {
                var ratio = s.Ratios.FirstOrDefault(r => r.Kind == EmbeddedRatio);
                var embedded = ratio is null ? null : report.Scenarios.FirstOrDefault(e => e.Id == ratio.BaselineId);
                var verified = s.Verification is { } v ? (v.Matched ? $"yes ({v.Stored:N0})" : $"**no**: {v.Stored:N0} of {v.Acknowledged:N0}") : "—";
                md.AppendLine($"| {s.Title} | {N(embedded?.RecordsPerSecond)} | {N(embedded?.StoredRecordsPerSecond)} | {(embedded is null ? "—" : LatencyMs(embedded, embedded.Latency.P99Ms))} | " +
                              $"{N(s.RecordsPerSecond)} | {N(s.StoredRecordsPerSecond)} | {LatencyMs(s, s.Latency.P50Ms)} | {LatencyMs(s, s.Latency.P99Ms)} | {LatencyMs(s, s.Latency.MaxMs)} | " +
                              $"{verified} | {Ratio(ratio)} | {Cores(s.Cpu)} |");
            }
            md.AppendLine();
            md.AppendLine("records/s: acknowledged during the window; stored/s (async): the same records ÷ (window + time until the stored count matched). " +
                          "cluster ÷ embedded compares the lower of the two (wait=true: records/s) with the embedded scenario of the same run; " +
                          "— where the embedded part did not run it.");
            md.AppendLine();
        }
        Failover?.AppendMarkdown(md);
        if (Scenarios.Count > 0)
        {
            md.AppendLine("### Cluster scenario details");
            foreach (var s in Scenarios) report.ScenarioDetails(md, s, "####");
            md.AppendLine();
        }
        if (Notes.Count > 0)
        {
            md.AppendLine("### Cluster notes");
            md.AppendLine();
            foreach (var n in Notes) md.AppendLine($"- {n}");
            md.AppendLine();
        }
    }
}

/// <summary>The failover group: <c>wait=true</c> writers through the gateway and the silos' own APIs while silos are killed one after another.</summary>
public sealed class FailoverReport
{
    public int Datasets { get; set; }
    public int Writers { get; set; }
    public string Request { get; set; } = "";
    public string Load { get; set; } = "";
    /// <summary>Latency of the calls answered in the <see cref="BeforeKillsSeconds"/> before the first kill (the same load, every silo alive).</summary>
    public Latency? BeforeKills { get; set; }
    public double BeforeKillsSeconds { get; set; }
    public long BeforeKillsNotOk { get; set; }
    public List<KillReport> Kills { get; } = [];
    /// <summary>Writes answered 200, over the whole group.</summary>
    public long Acknowledged { get; set; }
    /// <summary>Writes sent, whatever their answer.</summary>
    public long Attempted { get; set; }
    /// <summary>Records the datasets hold at the end (<c>GET /v1/datasets/:ws/:id</c> → records, summed).</summary>
    public long Stored { get; set; }
    /// <summary>Datasets that hold fewer records than were acknowledged (an acknowledged write was lost), if any.</summary>
    public string? Lost { get; set; }
    public List<string> Notes { get; } = [];
    public string? Error { get; set; }

    internal void AppendMarkdown(StringBuilder md)
    {
        md.AppendLine("### Failover");
        md.AppendLine();
        md.AppendLine($"{Load} Request: `{Request}`.");
        md.AppendLine();
        if (Error is not null)
        {
            md.AppendLine($"**Failed**: {Error}");
            md.AppendLine();
        }
        if (BeforeKills is { Count: > 0 } before)
        {
            md.AppendLine($"The same load with every silo alive, in the {BeforeKillsSeconds:0.#} s before the first kill: {before.Count:N0} calls ({before.Count / BeforeKillsSeconds:N0}/s), " +
                          $"p50 {Ms(before.P50Ms)} ms, p99 {Ms(before.P99Ms)} ms, max {Ms(before.MaxMs)} ms, {BeforeKillsNotOk:N0} not 200.");
            md.AppendLine();
        }
        if (Kills.Count > 0)
        {
            md.AppendLine("| kill -9 | silos left | kill → every dataset written again | each dataset's first write again, ms | calls since the kill | p50 ms | p99 ms | max ms | not 200 | /readyz not 200 |");
            md.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---|---:|");
            foreach (var k in Kills)
            {
                var again = k.WrittenAgainMs is { } ms ? $"**{ms:N0} ms**" : "**not within the wait**";
                var each = string.Join(", ", k.DatasetsWrittenAgainMs.Select(d => d < 0 ? "—" : d.ToString("N0", CultureInfo.InvariantCulture)));
                var statuses = k.NotOk == 0 ? "0" : $"{k.NotOk:N0}: " + string.Join(", ", k.NotOkStatuses.Select(p => $"{p.Key} × {p.Value:N0}")) +
                    (k.NotOkStatuses.ContainsKey("503") ? k.WithoutRetryAfter == 0 ? " (every 503 with Retry-After)" : $" (**{k.WithoutRetryAfter:N0} without Retry-After**)" : "");
                md.AppendLine($"| silo {k.Silo} (pid {k.Pid}) | {k.SilosLeft} | {again} | {each} | {k.Calls:N0} | {Ms(k.Latency.P50Ms)} | {Ms(k.Latency.P99Ms)} | {Ms(k.Latency.MaxMs)} | " +
                              $"{statuses} | {k.ReadyzNotOk:N0} |");
            }
            md.AppendLine();
            md.AppendLine("kill → every dataset written again: from the SIGKILL to the answer of the last dataset's first successful (200) write sent after it " +
                          "(the datasets whose grains the dead silo held pause; the others go on). Calls since the kill: every call sent from the kill until " +
                          $"{FailoverSettleSeconds:0} s after that moment, through the gateway or a surviving silo's own API, 200 or not; the latency columns are theirs. " +
                          "Not 200: their statuses (0 = no answer: the connection failed or the client's 60 s timeout passed). " +
                          "/readyz: probes of the gateway and the surviving silos every 100 ms over the same span.");
            md.AppendLine();
            foreach (var k in Kills)
            {
                md.AppendLine($"- silo {k.Silo}: {k.InFlightAtKill:N0} calls were in flight at the kill (not counted above), {k.InFlightAtKillNotOk:N0} of them answered other than 200 " +
                              $"({k.CutOff:N0} to the killed silo's own API, whose connection it took with it), the slowest answered {Ms(k.InFlightAtKillMaxMs)} ms after it was sent; " +
                              $"span {k.WindowSeconds:F1} s" +
                              (k.FirstNotOk is null ? "" : $"; first call not answered 200: `{Trim(k.FirstNotOk, 200)}`") +
                              (k.FirstReadyzProblem is null ? "" : $"; first /readyz problem: `{Trim(k.FirstReadyzProblem, 200)}`") +
                              (k.Error is null ? "" : $"; **{k.Error}**"));
            }
            md.AppendLine();
        }
        if (Attempted > 0)
        {
            md.AppendLine($"Count check at the end: {Attempted:N0} writes sent, {Acknowledged:N0} answered 200, {Stored:N0} stored — " +
                          (Lost is null ? "no acknowledged write lost (a write answered other than 200 may or may not have been stored)." : $"**acknowledged writes lost: {Lost}**"));
            md.AppendLine();
        }
        foreach (var n in Notes) md.AppendLine($"- {n}");
        if (Notes.Count > 0) md.AppendLine();
    }

    /// <summary>Calls sent up to this long after every dataset was written again count as "since the kill".</summary>
    public const double FailoverSettleSeconds = 3;
}

/// <summary>One <c>kill -9</c> of a silo under the failover group's load.</summary>
public sealed class KillReport
{
    /// <summary>The silo's number (1-based, as <c>deploy/cluster.sh</c> numbers them).</summary>
    public int Silo { get; set; }
    public int Pid { get; set; }
    public int SilosLeft { get; set; }
    /// <summary>Kill → the answer of the last dataset's first 200 write sent after the kill, ms; null when some dataset was not written again within the wait.</summary>
    public double? WrittenAgainMs { get; set; }
    /// <summary>Per dataset (in order): kill → its first 200 write sent after the kill answered, ms; −1 when none.</summary>
    public List<double> DatasetsWrittenAgainMs { get; set; } = [];
    /// <summary>How long after the kill the calls counted were sent (until <see cref="FailoverReport.FailoverSettleSeconds"/> after every dataset was written again).</summary>
    public double WindowSeconds { get; set; }
    /// <summary>Calls sent in that span, answered or not (calls to the killed silo cut off by the kill excepted).</summary>
    public long Calls { get; set; }
    public Latency Latency { get; set; } = new(0, 0, 0, 0, 0);
    public long NotOk { get; set; }
    /// <summary>Status → count of the calls not answered 200 ("0": no answer).</summary>
    public Dictionary<string, long> NotOkStatuses { get; set; } = [];
    /// <summary>503 answers without a Retry-After header.</summary>
    public long WithoutRetryAfter { get; set; }
    public string? FirstNotOk { get; set; }
    /// <summary>Calls sent before the kill and answered after it.</summary>
    public long InFlightAtKill { get; set; }
    public long InFlightAtKillNotOk { get; set; }
    public double InFlightAtKillMaxMs { get; set; }
    /// <summary>Of those, calls to the killed silo's own API (their connection died with it).</summary>
    public long CutOff { get; set; }
    public long ReadyzNotOk { get; set; }
    public string? FirstReadyzProblem { get; set; }
    public string? Error { get; set; }
}
