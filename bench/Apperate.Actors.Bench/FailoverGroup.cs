using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Apperate.Actors.Bench;

/// <summary>
/// The <c>failover</c> group (cluster mode): <see cref="FailoverWriters"/> writers send <c>wait=true</c> single-record
/// writes to <see cref="FailoverDatasets"/> datasets, alternately through the gateway and a live silo's own API, while
/// the silos are killed with SIGKILL one after another (all but the last, which survives). Per kill: kill → every
/// dataset written again, the latency and statuses of the calls since the kill, and the gateway's and the survivors'
/// <c>/readyz</c>. See bench/README.md, "Cluster mode".
/// </summary>
internal sealed partial class Bench
{
    private const int FailoverDatasets = 9, FailoverWriters = 9;

    /// <summary>How long each condition of the failover group may take before the group fails, saying what it waited for.</summary>
    private static readonly TimeSpan FailoverWait = TimeSpan.FromSeconds(60);

    /// <summary>A write's own timeout: above the gateway's response timeout and Orleans' (30 s), so every call is answered.</summary>
    private static readonly TimeSpan FailoverCallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>One write of the failover group. <paramref name="Target"/>: −1 the gateway, else the silo's index.</summary>
    private sealed record FailoverCall(int Dataset, int Target, double StartMs, double EndMs, int Status, bool RetryAfter, string? Error);

    private async Task FailoverAsync(ClusterReport cluster)
    {
        var silos = o.SiloUrls.Count;
        var f = new FailoverReport { Datasets = FailoverDatasets, Writers = FailoverWriters };
        cluster.Failover = f;
        var ids = Enumerable.Range(0, FailoverDatasets).Select(d => DatasetId($"FAIL{d}")).ToArray();
        var rows = ids.Select(_ => new RowCounter()).ToArray();
        f.Request = $"POST /v1/record/{Ws}/<dataset>?wait=true  Authorization: Bearer $TOKEN, one JSON record object";
        f.Load = $"{FailoverWriters} writers, closed loop (after an answer other than 200 a writer waits 100 ms), each writing the {FailoverDatasets} datasets in turn " +
                 $"with `wait=true` single-record writes, every other call through the gateway and the others through the live silos' own APIs in turn; " +
                 $"after {o.Duration.TotalSeconds:0.#} s of that load with every silo alive, silo {string.Join(", then silo ", Enumerable.Range(1, silos - 1))} of {silos} " +
                 $"{(silos > 2 ? "are" : "is")} killed with SIGKILL, each once every dataset has been written since the previous failover, and not started again " +
                 $"(silo {silos} survives).";
        foreach (var id in ids) await _service.CreateDatasetAsync(id);

        var clock = Stopwatch.StartNew();
        double Now() => clock.Elapsed.TotalMilliseconds;
        var dead = new bool[silos];
        var calls = new ConcurrentQueue<FailoverCall>();
        var inFlight = new ConcurrentDictionary<long, double>();
        var readyz = new ConcurrentQueue<(double Ms, string Problem)>();
        // Per dataset, the latest start of a call answered 200 (conditions poll these instead of scanning the calls).
        var lastOkStart = Enumerable.Repeat(-1.0, FailoverDatasets).ToArray();
        long ok = 0, nextCall = 0;
        var gate = new Lock();

        using var gatewayHttp = LoadRunner.Client(o.Url!, FailoverWriters, o.Token, FailoverCallTimeout);
        var siloHttp = o.SiloUrls.Select(u => LoadRunner.Client(u, FailoverWriters, o.Token, FailoverCallTimeout)).ToArray();
        var probeHttp = o.SiloUrls.Prepend(o.Url!).Select(u => LoadRunner.Client(u, 1, null, TimeSpan.FromSeconds(5))).ToArray();
        using var stop = new CancellationTokenSource();
        Task[] load = [];
        try
        {
            var writers = Enumerable.Range(0, FailoverWriters).Select(w => Task.Run(async () =>
            {
                // The writers of a dataset share its row counter: every record is a new one (no two share key and date).
                var workers = ids.Select((id, d) => new RecordWorker(new Uri($"/v1/record/{Ws}/{id}?wait=true", UriKind.Relative), 1, rows[d])).ToArray();
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var d = (w + n) % FailoverDatasets;
                    var target = -1;
                    if (n % 2 == 1)
                    {
                        var live = Enumerable.Range(0, silos).Where(i => !Volatile.Read(ref dead[i])).ToArray();
                        if (live.Length > 0) target = live[n / 2 % live.Length];
                    }
                    var http = target < 0 ? gatewayHttp : siloHttp[target];
                    var worker = workers[d];
                    worker.Next();
                    var callId = Interlocked.Increment(ref nextCall);
                    var start = Now();
                    inFlight[callId] = start;
                    int status;
                    var retryAfter = false;
                    string? error = null;
                    try
                    {
                        using var request = worker.Build();
                        using var response = await http.SendAsync(request, CancellationToken.None);
                        status = (int)response.StatusCode;
                        retryAfter = response.Headers.RetryAfter is not null;
                        var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                        if (status != 200) error = $"{status}{(retryAfter ? " (Retry-After)" : "")} from {(target < 0 ? "the gateway" : $"silo {target + 1}")}: {Report.Trim(text, 300)}";
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        status = 0;
                        error = $"no answer from {(target < 0 ? "the gateway" : $"silo {target + 1}")}: {ex.GetType().Name}: {ex.Message}";
                    }
                    var end = Now();
                    calls.Enqueue(new FailoverCall(d, target, start, end, status, retryAfter, error));
                    if (status == 200)
                    {
                        Interlocked.Increment(ref ok);
                        lock (gate) lastOkStart[d] = Math.Max(lastOkStart[d], start);
                    }
                    inFlight.TryRemove(callId, out _);
                    if (status != 200) await Task.Delay(LoadRunner.RetryAfter429, CancellationToken.None);
                }
            })).ToArray();

            // Readiness of the gateway and the live silos, every 100 ms.
            var probes = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    for (var t = 0; t <= silos; t++)
                    {
                        if (t > 0 && Volatile.Read(ref dead[t - 1])) continue;
                        var name = t == 0 ? "the gateway" : $"silo {t}";
                        try
                        {
                            using var answer = await probeHttp[t].GetAsync("/readyz", CancellationToken.None);
                            if ((int)answer.StatusCode != 200)
                                readyz.Enqueue((Now(), $"{name} /readyz {(int)answer.StatusCode}: {Report.Trim(await answer.Content.ReadAsStringAsync(CancellationToken.None), 200)}"));
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                        {
                            // A probe that was on its way to a silo as it was killed is not a survivor's answer.
                            if (t == 0 || !Volatile.Read(ref dead[t - 1])) readyz.Enqueue((Now(), $"{name} /readyz: {ex.GetType().Name}: {ex.Message}"));
                        }
                    }
                    try { await Task.Delay(100, stop.Token); } catch (OperationCanceledException) { }
                }
            });
            load = [.. writers, probes];

            bool EveryDatasetWrittenSince(double ms)
            {
                lock (gate) return lastOkStart.All(s => s > ms);
            }

            var warm = Math.Max(200, FailoverDatasets);
            await Until(() => Interlocked.Read(ref ok) >= warm && EveryDatasetWrittenSince(0), FailoverWait,
                $"{warm} writes answered 200, one to every dataset, before the first kill");
            // The same load with every silo alive, for a scenario's duration: what the calls since a kill compare with.
            var steadyFrom = Now();
            await Task.Delay(o.Duration);
            f.BeforeKills = Latency.Of(calls.Where(c => c.StartMs >= steadyFrom).Select(c => c.EndMs - c.StartMs).ToList());
            f.BeforeKillsNotOk = calls.LongCount(c => c.StartMs >= steadyFrom && c.Status != 200);
            f.BeforeKillsSeconds = (Now() - steadyFrom) / 1000;
            var since = 0.0;
            for (var victim = 0; victim < silos - 1; victim++)
            {
                if (victim > 0)
                    await Until(() => EveryDatasetWrittenSince(since), FailoverWait, $"a write to every dataset after the failover of silo {victim}, before killing silo {victim + 1}");
                var (kill, windowEnd) = await KillAndMeasureAsync(victim, dead, calls, inFlight, readyz, lastOkStart, gate, Now);
                f.Kills.Add(kill);
                if (kill.Error is not null)
                {
                    f.Error = $"silo {kill.Silo}: {kill.Error}";
                    break;
                }
                since = windowEnd;
            }
            await stop.CancelAsync();
            await Task.WhenAll(load);

            var all = calls.ToArray();
            f.Attempted = all.Length;
            f.Acknowledged = all.LongCount(c => c.Status == 200);
            var lost = new List<string>();
            for (var d = 0; d < FailoverDatasets; d++)
            {
                var stored = await _service.CountAsync(ids[d]);
                f.Stored += stored;
                var acknowledged = all.LongCount(c => c.Dataset == d && c.Status == 200);
                if (stored < acknowledged) lost.Add($"{ids[d]} holds {stored:N0} of {acknowledged:N0} acknowledged");
            }
            if (lost.Count > 0) f.Lost = string.Join("; ", lost);
            foreach (var k in f.Kills)
                Log($"failover: silo {k.Silo} killed: every dataset written again after {(k.WrittenAgainMs is { } ms ? $"{ms:N0} ms" : "(not within the wait)")}; " +
                    $"{k.Calls:N0} calls since, p99 {k.Latency.P99Ms:N0} ms, max {k.Latency.MaxMs:N0} ms, {k.NotOk:N0} not 200 " +
                    $"({string.Join(", ", k.NotOkStatuses.Select(p => $"{p.Key}×{p.Value}"))}), /readyz not 200: {k.ReadyzNotOk}");
            Log($"failover: {f.Attempted:N0} writes sent, {f.Acknowledged:N0} answered 200, {f.Stored:N0} stored{(f.Lost is null ? "" : $"; LOST: {f.Lost}")}");
        }
        catch (Exception ex)
        {
            f.Error ??= $"{ex.GetType().Name}: {ex.Message}";
            Log($"failover failed: {ex}");
        }
        finally
        {
            // After a failure too: the writers and probes end (each call within its timeout) before their clients are disposed.
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(load);
            }
            catch (Exception ex)
            {
                Log($"failover: a writer or probe failed: {ex.Message}");
            }
            foreach (var h in siloHttp.Concat(probeHttp)) h.Dispose();
        }
    }

    /// <summary>
    /// Kills silo <paramref name="victim"/> with SIGKILL under the running load and measures the failover (see
    /// <see cref="KillReport"/>); returns it with the end of the span whose calls it counts (ms of the group's clock).
    /// </summary>
    private async Task<(KillReport Kill, double WindowEnd)> KillAndMeasureAsync(int victim, bool[] dead, ConcurrentQueue<FailoverCall> calls, ConcurrentDictionary<long, double> inFlight,
        ConcurrentQueue<(double Ms, string Problem)> readyz, double[] lastOkStart, Lock gate, Func<double> now)
    {
        var pid = o.SiloPids[victim];
        var k = new KillReport { Silo = victim + 1, Pid = pid, SilosLeft = dead.Count(d => !d) - 1 };
        var command = ProcessCommandLine(pid);
        if (!command.Contains("Apperate.Actors.Silo", StringComparison.Ordinal))
        {
            k.Error = $"pid {pid} is not a running silo (its command line: '{command}'); nothing killed";
            return (k, now());
        }
        // Marked dead first, so no writer starts a call on its API after the kill.
        Volatile.Write(ref dead[victim], true);
        var killedAt = now();
        using (var process = Process.GetProcessById(pid)) process.Kill();
        Log($"failover: SIGKILL to silo {k.Silo} (pid {pid})");
        try
        {
            await Until(() => Exited(pid), TimeSpan.FromSeconds(30), $"silo {k.Silo} (pid {pid}) to exit after SIGKILL");
            await Until(() => { lock (gate) return lastOkStart.All(s => s > killedAt); }, FailoverWait, $"a write answered 200 to every dataset, sent after silo {k.Silo} was killed");
        }
        catch (TimeoutException ex)
        {
            k.Error = ex.Message;
        }

        var afterKill = calls.Where(c => c.StartMs >= killedAt && c.Status == 200).ToArray();
        k.DatasetsWrittenAgainMs = Enumerable.Range(0, FailoverDatasets)
            .Select(d => afterKill.Where(c => c.Dataset == d).Select(c => c.EndMs - killedAt).DefaultIfEmpty(-1).Min()).ToList();
        var windowEnd = now();
        if (k.Error is null)
        {
            k.WrittenAgainMs = k.DatasetsWrittenAgainMs.Max();
            windowEnd = killedAt + k.WrittenAgainMs.Value + FailoverReport.FailoverSettleSeconds * 1000;
            try
            {
                await Until(() => now() > windowEnd && inFlight.Values.All(s => s > windowEnd), FailoverWait,
                    $"every call sent up to {FailoverReport.FailoverSettleSeconds:0} s after every dataset was written again (silo {k.Silo} killed) to be answered");
            }
            catch (TimeoutException ex)
            {
                k.Error = ex.Message;
            }
        }
        k.WindowSeconds = (windowEnd - killedAt) / 1000;

        var window = calls.Where(c => c.StartMs >= killedAt && c.StartMs <= windowEnd && !(c.Status == 0 && c.Target == victim)).ToArray();
        k.Calls = window.Length;
        k.Latency = Latency.Of(window.Select(c => c.EndMs - c.StartMs).ToList());
        var notOk = window.Where(c => c.Status != 200).ToArray();
        k.NotOk = notOk.Length;
        k.NotOkStatuses = notOk.GroupBy(c => c.Status.ToString(CultureInfo.InvariantCulture)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.LongCount());
        k.WithoutRetryAfter = notOk.LongCount(c => c.Status == 503 && !c.RetryAfter);
        k.FirstNotOk = notOk.OrderBy(c => c.StartMs).FirstOrDefault()?.Error;
        var atKill = calls.Where(c => c.StartMs < killedAt && c.EndMs >= killedAt).ToArray();
        k.InFlightAtKill = atKill.Length;
        k.InFlightAtKillNotOk = atKill.LongCount(c => c.Status != 200);
        k.InFlightAtKillMaxMs = atKill.Select(c => c.EndMs - c.StartMs).DefaultIfEmpty(0).Max();
        k.CutOff = atKill.LongCount(c => c.Target == victim && c.Status == 0) + calls.Count(c => c.StartMs >= killedAt && c.Status == 0 && c.Target == victim);
        var problems = readyz.Where(p => p.Ms >= killedAt && p.Ms <= windowEnd).ToArray();
        k.ReadyzNotOk = problems.Length;
        k.FirstReadyzProblem = problems.Length == 0 ? null : $"{problems[0].Ms - killedAt:N0} ms after the kill: {problems[0].Problem}";
        return (k, windowEnd);
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms; after <paramref name="timeout"/> throws a <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    private static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>True when the process has exited (gone, or a zombie nobody has reaped yet).</summary>
    private static bool Exited(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[stat.LastIndexOf(')') + 2];
            return state is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string ProcessCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
