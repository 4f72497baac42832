using System.Globalization;
using Apperate.Actors.Logs;
using Apperate.Actors.Storage;
using Apperate.Actors.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Delivers one rule output's alerts from the outbox (<see cref="RuleKeys.Output"/> is its key and the outbox's output
/// name). Alerts are first attempted in sequence order, a few at a time; failures are retried on timers along the retry
/// schedule, then dead-lettered. Every outcome is written back to the outbox in small batches.
/// </summary>
/// <remarks>
/// <para>
/// The dataset grain hands over new alerts right after their commit (<see cref="WakeAsync"/>); after a restart, a silo
/// loss or a lost hand-over, the alert sweeper's reminder wakes the grain, which reads what is pending from the outbox.
/// A crash between a receiver's answer and the outbox update means the alert is sent again with the same
/// <c>webhook-id</c>: at least once, never lost.
/// </para>
/// <para>The output's URL, secret and headers come from the rule grain and are read again every <see cref="OutputTtl"/>.</para>
/// </remarks>
public sealed partial class AlertDeliveryGrain(
    IAlertStore alerts,
    WebhookSender sender,
    WebhookHosts hosts,
    RetrySchedule schedule,
    IOptions<RulesOptions> options,
    ILogger<AlertDeliveryGrain> logger)
    : Grain, IAlertDeliveryGrain
{
    /// <summary>Pending alerts read from the outbox at a time.</summary>
    public const int LoadPage = 1_000;

    private static readonly TimeSpan OutputTtl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReloadEvery = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OutputReadTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BookkeepingDelay = TimeSpan.FromMilliseconds(50);

    private readonly SortedSet<Item> _queue = new(ItemOrder.Instance);
    private readonly Dictionary<string, Item> _known = new(StringComparer.Ordinal);
    private readonly HashSet<string> _recentlyDone = new(StringComparer.Ordinal);
    private readonly List<AlertUpdate> _updates = [];
    private readonly List<Item> _recorded = [];
    private readonly List<Action> _afterSave = [];
    private readonly HashSet<Task> _sending = [];
    private int _inFlight;
    private RuleOutput? _output;
    private bool _outputKnown;
    private long _outputRead = long.MinValue;
    private bool _moreStored;
    private bool _failing;
    private IGrainTimer? _dueTimer;
    private DateTime _dueTimerAt;
    private IGrainTimer? _bookkeepingTimer;
    private Task? _saving;

    private string Workspace => this.GetPrimaryKeyString().Split('/')[0];
    private string RuleId => this.GetPrimaryKeyString().Split('/')[1];
    private string OutputId => this.GetPrimaryKeyString().Split('/')[2];
    private string Output => this.GetPrimaryKeyString();
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // While active, the grain also reads the outbox now and then itself: an alert whose hand-over was lost (its
        // dataset grain's silo died after the commit) is found without waiting for the sweeper.
        this.RegisterGrainTimer(static (self, _) => self.LoadAsync(), this,
            new GrainTimerCreationOptions { DueTime = ReloadEvery, Period = ReloadEvery, Interleave = false, KeepAlive = false });
        return LoadAsync();
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Task.WhenAll([.. _sending]);
        await SaveAsync();
    }

    /// <inheritdoc />
    public async Task WakeAsync(AlertEnvelope[] raised)
    {
        if (raised.Length == 0) await LoadAsync();
        foreach (var alert in raised)
            if (!_known.ContainsKey(alert.AlertId)) Enqueue(new Item(alert.AlertId, alert.Sequence, alert.Created, alert.Body, 0, alert.Created));
        await PumpAsync();
    }

    /// <inheritdoc />
    public async Task RedeliverAsync(string alertId)
    {
        var stored = await alerts.ReadAlertAsync(alertId);
        if (stored is null || stored.Output != Output) throw ApperateException.NotFound($"Delivery '{alertId}' does not exist");
        if (_known.TryGetValue(alertId, out var known))
        {
            if (known.Sending) return;
            _queue.Remove(known);
            _known.Remove(alertId);
        }
        var now = Now;
        var item = new Item(alertId, stored.Sequence, stored.Created, stored.Body, stored.Attempts, now) { Redelivery = true };
        Record(item, new AlertUpdate(alertId, AlertState.Pending, 0, now, now, null, null), done: false);
        Enqueue(item);
        await PumpAsync();
    }

    private async Task LoadAsync()
    {
        // Alerts recorded as done before this read began cannot come back as pending from it; later ones might (the
        // read may have run before their outcome was written), so they are kept until the next read.
        var doneBefore = _recentlyDone.ToArray();
        var pending = await alerts.ReadPendingAsync(Output, 0, LoadPage);
        foreach (var stored in pending)
            if (!_known.ContainsKey(stored.AlertId) && !_recentlyDone.Contains(stored.AlertId))
                Enqueue(new Item(stored.AlertId, stored.Sequence, stored.Created, stored.Body, stored.Attempts, stored.NextAttempt));
        _recentlyDone.ExceptWith(doneBefore);
        _moreStored = pending.Length == LoadPage;
        await PumpAsync();
    }

    private void Enqueue(Item item)
    {
        _known[item.AlertId] = item;
        _queue.Add(item);
    }

    /// <summary>Starts as many due alerts as the output may have in flight, in order, and sets a timer for the next one due.</summary>
    private async Task PumpAsync()
    {
        if (_queue.Count == 0)
        {
            if (_moreStored && _inFlight == 0) await LoadAsync();
            return;
        }
        if (!await RefreshOutputAsync(force: false)) return;
        // A disabled or removed output is read again before alerts are dropped for it: an edit may have enabled it.
        if ((_output is null || _output.DisabledReason is not null) && _queue.Min is { } due && due.Due <= Now && !await RefreshOutputAsync(force: true)) return;
        var now = Now;
        var limit = Math.Max(1, options.Value.MaxConcurrencyPerHost);
        while (_inFlight < limit && _queue.Min is { } next && next.Due <= now)
        {
            _queue.Remove(next);
            if (_output is not { } output || output.DisabledReason is not null)
            {
                Drop(next, _output?.DisabledReason ?? "the output was removed from the rule");
                continue;
            }
            next.Sending = true;
            _inFlight++;
            var sending = SendOneAsync(next, output);
            if (!sending.IsCompleted)
            {
                _sending.Add(sending);
                sending.ContinueWith(t => _sending.Remove(t), TaskScheduler.Current).Ignore();
            }
        }
        ScheduleNext();
    }

    private async Task SendOneAsync(Item item, RuleOutput output)
    {
        try
        {
            if (output.Method == RuleOutputs.Dataset) await StoreAsync(item, output);
            else await SendAsync(item, output);
        }
        catch (Exception ex)
        {
            Failed(item, null, ex.Message, null);
        }
        finally
        {
            item.Sending = false;
            _inFlight--;
        }
        await PumpAsync();
    }

    private void ScheduleNext()
    {
        // Alerts already due wait for a free slot, and every send that ends pumps again: no timer for them.
        if (_queue.Min is not { } next || next.Due <= Now) return;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(next.Due).UtcDateTime;
        if (_dueTimer is not null && _dueTimerAt <= at && _dueTimerAt > DateTime.UtcNow) return;
        _dueTimer?.Dispose();
        _dueTimerAt = at;
        var delay = at - DateTime.UtcNow;
        _dueTimer = this.RegisterGrainTimer(static (self, _) =>
        {
            self._dueTimer?.Dispose();
            self._dueTimer = null;
            return self.PumpAsync();
        }, this, new GrainTimerCreationOptions
        {
            DueTime = delay < TimeSpan.Zero ? TimeSpan.Zero : delay,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = true,
            KeepAlive = true,
        });
    }

    private async Task<bool> RefreshOutputAsync(bool force)
    {
        if (!force && _outputKnown && Environment.TickCount64 - _outputRead < (long)OutputTtl.TotalMilliseconds) return true;
        try
        {
            // Bounded: a rule grain whose silo just died may not answer for a while, and this grain must go on
            // taking hand-overs and reading the outbox meanwhile.
            _output = await GrainFactory.GetGrain<IRuleGrain>(RuleKeys.Grain(Workspace, RuleId)).GetOutputAsync(OutputId).WaitAsync(OutputReadTimeout);
            _outputKnown = true;
            _outputRead = Environment.TickCount64;
            return true;
        }
        catch (Exception ex)
        {
            // The rule grain is unreachable (its silo is going away): try again shortly, nothing is lost.
            LogOutputUnknown(ex, Output);
            ScheduleRetryOfPump();
            return false;
        }
    }

    private void ScheduleRetryOfPump()
    {
        _dueTimer?.Dispose();
        _dueTimerAt = DateTime.UtcNow.AddSeconds(1);
        _dueTimer = this.RegisterGrainTimer(static (self, _) =>
        {
            self._dueTimer?.Dispose();
            self._dueTimer = null;
            return self.PumpAsync();
        }, this, new GrainTimerCreationOptions { DueTime = TimeSpan.FromSeconds(1), Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
    }

    /// <summary>An attempt that delivered.</summary>
    private void Delivered(Item item, int? httpStatus)
    {
        var now = Now;
        item.Attempts++;
        Record(item, new AlertUpdate(item.AlertId, AlertState.Delivered, item.Attempts, now, now, httpStatus, null), done: true);
        _failing = false;
    }

    /// <summary>An attempt that failed: retried on the schedule (at least after <paramref name="retryAfter"/>), or dead-lettered after the last.</summary>
    private void Failed(Item item, int? httpStatus, string error, TimeSpan? retryAfter)
    {
        var now = Now;
        item.Attempts++;
        ApperateMetrics.DeliveryFailures.Add(1, new("workspace", Workspace), new("method", _output?.Method ?? "unknown"));
        // A manual redelivery gets one attempt.
        var delay = item.Redelivery ? null : schedule.DelayBefore(item.Attempts + 1, retryAfter, Random.Shared);
        if (delay is not { } wait)
        {
            Record(item, new AlertUpdate(item.AlertId, AlertState.Dead, item.Attempts, now, now, httpStatus, error), done: true);
            var message = $"alert {item.AlertId} to output {OutputId} given up after {item.Attempts} attempt{(item.Attempts == 1 ? "" : "s")}: {error}";
            Report(new DeliveryReport(message, 1, false));
            WriteLog("error", message);
            LogDeadLetter(Output, item.AlertId, item.Attempts, error);
            return;
        }
        item.Due = now + (long)wait.TotalMilliseconds;
        Record(item, new AlertUpdate(item.AlertId, AlertState.Pending, item.Attempts, now, item.Due, httpStatus, error), done: false);
        Enqueue(item);
        if (!_failing)
        {
            // The first failure after a success is logged; the rest of an outage shows in lastError and the deliveries.
            _failing = true;
            var message = $"alert {item.AlertId} to output {OutputId} failed (attempt {item.Attempts}, next in {wait.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s): {error}";
            Report(new DeliveryReport(message, 0, false));
            WriteLog("warning", message);
        }
    }

    /// <summary>The receiver answered 410 Gone: this alert and every other queued one are not delivered, and the output is disabled.</summary>
    private void Gone(Item item, int? httpStatus)
    {
        var now = Now;
        item.Attempts++;
        var reason = $"the receiver answered {httpStatus ?? 410} Gone: output {OutputId} is disabled until the rule is edited";
        Record(item, new AlertUpdate(item.AlertId, AlertState.Disabled, item.Attempts, now, now, httpStatus, reason), done: true);
        var dropped = 1;
        while (_queue.Min is { } queued)
        {
            _queue.Remove(queued);
            Record(queued, new AlertUpdate(queued.AlertId, AlertState.Disabled, 0, now, now, null, reason), done: true);
            dropped++;
        }
        _output = _output is null ? null : _output with { DisabledReason = reason };
        Report(new DeliveryReport(reason, dropped, true));
        WriteLog("error", reason);
    }

    /// <summary>An alert whose output is disabled or gone: recorded as such, never sent.</summary>
    private void Drop(Item item, string reason)
    {
        var now = Now;
        Record(item, new AlertUpdate(item.AlertId, AlertState.Disabled, 0, now, now, null, reason), done: true);
        Report(new DeliveryReport($"alert {item.AlertId} not delivered: {reason}", 1, false));
    }

    /// <summary>Queues an outbox update; done alerts stay known until it is written, so a reload cannot send them again.</summary>
    private void Record(Item item, AlertUpdate update, bool done)
    {
        _updates.Add(update);
        if (done) _recorded.Add(item);
        ArmBookkeeping();
    }

    private void ArmBookkeeping()
    {
        _bookkeepingTimer ??= this.RegisterGrainTimer(static (self, _) =>
        {
            self._bookkeepingTimer?.Dispose();
            self._bookkeepingTimer = null;
            return self.SaveAsync();
        }, this, new GrainTimerCreationOptions { DueTime = BookkeepingDelay, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
    }

    /// <summary>
    /// Writes the queued outbox updates. Saves run one after another: each call chains after the one before it (a
    /// timer and a deactivation may ask at the same time) and writes what is queued when its turn comes. A failed write
    /// is kept and tried again.
    /// </summary>
    private Task SaveAsync() => _saving = SaveAfterAsync(_saving);

    private async Task SaveAfterAsync(Task? previous)
    {
        if (previous is not null) await previous;
        if (_updates.Count == 0 && _afterSave.Count == 0) return;
        var updates = _updates.ToArray();
        var recorded = _recorded.ToArray();
        var after = _afterSave.ToArray();
        _updates.Clear();
        _recorded.Clear();
        _afterSave.Clear();
        try
        {
            await alerts.UpdateAlertsAsync(updates);
            foreach (var item in recorded)
            {
                if (_known.TryGetValue(item.AlertId, out var known) && ReferenceEquals(known, item) && !_queue.Contains(item) && !item.Sending)
                {
                    _known.Remove(item.AlertId);
                    _recentlyDone.Add(item.AlertId);
                }
            }
            foreach (var action in after) action();
        }
        catch (Exception ex)
        {
            LogBookkeepingFailed(ex, Output, updates.Length);
            _updates.InsertRange(0, updates);
            _recorded.InsertRange(0, recorded);
            _afterSave.InsertRange(0, after);
            ArmBookkeeping();
            return;
        }
        if (_queue.Count == 0 && _moreStored && _inFlight == 0) await LoadAsync();
    }

    /// <summary>Tells the rule, once the outcomes recorded so far are in the outbox (what the rule shows matches the deliveries).</summary>
    private void Report(DeliveryReport report)
    {
        var rule = GrainFactory.GetGrain<IRuleGrain>(RuleKeys.Grain(Workspace, RuleId));
        var output = OutputId;
        _afterSave.Add(() => rule.ReportDeliveryAsync(output, report).Ignore());
        ArmBookkeeping();
    }

    private void WriteLog(string level, string message)
    {
        var log = GrainFactory.GetGrain<IWorkspaceLogGrain>(Workspace);
        var entry = new LogEntry(Now, level, "rule", RuleId, message);
        _afterSave.Add(() => log.AppendAsync(entry).Ignore());
        ArmBookkeeping();
    }

    /// <summary>One alert this grain is delivering.</summary>
    private sealed class Item(string alertId, long sequence, long created, string body, int attempts, long due)
    {
        public string AlertId { get; } = alertId;
        public long Sequence { get; } = sequence;
        public long Created { get; } = created;
        public string Body { get; } = body;
        public int Attempts { get; set; } = attempts;
        public long Due { get; set; } = due;
        public bool Sending { get; set; }
        public bool Redelivery { get; init; }
    }

    /// <summary>Due first, then sequence: new alerts go in record order, retries when their time comes.</summary>
    private sealed class ItemOrder : IComparer<Item>
    {
        public static readonly ItemOrder Instance = new();

        public int Compare(Item? x, Item? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            var c = x!.Due.CompareTo(y!.Due);
            if (c == 0) c = x.Sequence.CompareTo(y.Sequence);
            return c != 0 ? c : string.CompareOrdinal(x.AlertId, y.AlertId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Alert} to {Output} dead-lettered after {Attempts} attempts: {Error}")]
    private partial void LogDeadLetter(string output, string alert, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The output {Output} could not be read from its rule; delivery waits")]
    private partial void LogOutputUnknown(Exception ex, string output);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Count} delivery outcomes of {Output} in the outbox failed; they are tried again")]
    private partial void LogBookkeepingFailed(Exception ex, string output, int count);
}
