using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;

namespace Apperate.Actors.Tests.Storage;

/// <summary>Commit sequences, write events, the alert outbox and rule state: the same on every store.</summary>
public abstract partial class RecordStoreContract
{
    private IAlertStore Alerts => (IAlertStore)Store;

    /// <summary>Sees a write's events and adds what it was told to, like the rules engine does.</summary>
    private sealed class Recorder(Action<CommitContext>? add = null) : ICommitParticipant
    {
        public List<RecordEvent> Events { get; } = [];
        public int Calls { get; private set; }

        public void Prepare(CommitContext commit)
        {
            Calls++;
            Events.Clear();
            Events.AddRange(commit.Events);
            add?.Invoke(commit);
        }
    }

    private static OutboxAlert Alert(string id, string output, long sequence, long created = 1000, AlertState state = AlertState.Pending) =>
        new(id, output, "rule-1", sequence, created, state, $"{{\"id\":\"{id}\"}}");

    [Fact]
    public async Task Events_are_the_rows_inserted_or_replaced_with_increasing_sequences_across_writes()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var first = new Recorder();
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0), Row("B", 1, "B", 1L, 1.0))], 10, first);
        Assert.Equal([(0, 0), (0, 1)], first.Events.Select(e => (e.Batch, e.Row)));
        Assert.True(first.Events[1].Sequence > first.Events[0].Sequence);

        // A duplicate kept (ignored) is no event; a replaced one is; a new row is.
        var second = new Recorder();
        await Store.WriteAsync(Table,
        [
            Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 9L, 9.0), Row("C", 1, "C", 1L, 1.0)),
            Batch(DuplicateKeyHandling.Replace, Row("B", 1, "B", 2L, 2.0)),
        ], 20, second);
        Assert.Equal([(0, 1), (1, 0)], second.Events.Select(e => (e.Batch, e.Row)));
        Assert.True(second.Events[0].Sequence > first.Events[1].Sequence);
        Assert.True(second.Events[1].Sequence > second.Events[0].Sequence);

        // A write of duplicates only has no event, and the participant is not called.
        var third = new Recorder();
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("C", 1, "C", 5L, 5.0))], 30, third);
        Assert.Equal(0, third.Calls);
    }

    [Fact]
    public async Task Kept_duplicates_scattered_through_a_large_batch_are_no_events()
    {
        await Store.EnsureTableAsync(Table, Simple);
        // Every third key already stored; 2,500 rows span several of a store's multi-row statements.
        var stored = Enumerable.Range(0, 2_500).Where(i => i % 3 == 0).Select(i => Row($"K{i}", 1, "x", (long)i, 1.0)).ToArray();
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, stored));
        var recorder = new Recorder();
        var rows = Enumerable.Range(0, 2_500).Select(i => Row($"K{i}", 1, "y", (long)i, 2.0)).ToArray();
        var result = (await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, rows)], 10, recorder)).Single();
        Assert.Equal(new WriteResult(2_500, 2_500 - stored.Length, stored.Length), result);
        Assert.Equal(Enumerable.Range(0, 2_500).Where(i => i % 3 != 0), recorder.Events.Select(e => e.Row));
        Assert.Equal(recorder.Events.Count, recorder.Events.Select(e => e.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task Rows_that_are_not_stored_are_events_with_sequences_of_their_own()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var recorder = new Recorder();
        var results = await Store.WriteAsync(Table,
        [
            Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0)),
            Batch(DuplicateKeyHandling.Ignore, Row("E", 1, "E", 1L, 1.0), Row("E", 2, "E", 2L, 2.0)) with { Persist = false },
            Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "B", 1L, 1.0)),
        ], 10, recorder);
        Assert.Equal([(0, 0), (1, 0), (1, 1), (2, 0)], recorder.Events.Select(e => (e.Batch, e.Row)));
        Assert.Equal(recorder.Events.Select(e => e.Sequence).Order(), recorder.Events.Select(e => e.Sequence));
        Assert.Equal(4, recorder.Events.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(new WriteResult(2, 0, 0), results[1]);
        Assert.Equal(2, await Store.CountAsync(Table));

        // Events only: a transaction with no rows at all still gives them sequences.
        var only = new Recorder();
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("E", 3, "E", 3L, 3.0)) with { Persist = false }], 20, only);
        Assert.True(Assert.Single(only.Events).Sequence > recorder.Events[^1].Sequence);
    }

    [Fact]
    public async Task Alerts_and_rule_state_commit_with_the_rows_and_roll_back_with_them()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var output = "DEMO/" + Table + "/o1";
        var committed = new Recorder(c =>
        {
            foreach (var e in c.Events) c.Alerts.Add(Alert($"alert-{Table}-{e.Sequence}", output, e.Sequence, c.Updated));
            c.State.Add(new RuleStateValue("rule-" + Table, "s1:t:o1:A", "10"));
        });
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0))], 10, committed);
        var pending = await Alerts.ReadPendingAsync(output, 0, 10);
        var alert = Assert.Single(pending);
        Assert.Equal(committed.Events[0].Sequence, alert.Sequence);
        Assert.Equal(AlertState.Pending, alert.State);
        Assert.Equal(10, alert.Created);
        Assert.Equal(10, alert.NextAttempt);
        Assert.Equal($"{{\"id\":\"{alert.AlertId}\"}}", alert.Body);
        Assert.Equal("10", (await Alerts.ReadRuleStateAsync("rule-" + Table))["s1:t:o1:A"]);

        // A participant that fails takes the rows, the alerts, the state and the sequence with it.
        var failing = new Recorder(c =>
        {
            c.Alerts.Add(Alert($"alert-{Table}-x", output, c.Events[0].Sequence));
            c.State.Add(new RuleStateValue("rule-" + Table, "s1:t:o1:B", "20"));
            throw new InvalidOperationException("evaluation failed");
        });
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "B", 1L, 1.0))], 20, failing));
        Assert.Equal(1, await Store.CountAsync(Table));
        Assert.Single(await Alerts.ReadPendingAsync(output, 0, 10));
        Assert.False((await Alerts.ReadRuleStateAsync("rule-" + Table)).ContainsKey("s1:t:o1:B"));

        // The sequence did not advance: the next write reuses the rolled-back number, so a retried record gets the same alert id.
        var retried = new Recorder();
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "B", 1L, 1.0))], 30, retried);
        Assert.Equal(failing.Events[0].Sequence, retried.Events[0].Sequence);
    }

    [Fact]
    public async Task Rule_state_upserts_resets_other_generations_and_is_deleted()
    {
        var rule = "rule-" + Table;
        await Alerts.WriteRuleStateAsync([new(rule, "counters", "1,1,0,1,0,5"), new(rule, "g1:t:o1:A", "1"), new(rule, "g1:v:0:A", "2.5")]);
        await Alerts.WriteRuleStateAsync([new(rule, "g1:v:0:A", "3.5"), new(rule, "g1:v:0:Zürich 東京", "4")]);
        var state = await Alerts.ReadRuleStateAsync(rule);
        Assert.Equal(4, state.Count);
        Assert.Equal("3.5", state["g1:v:0:A"]);
        Assert.Equal("4", state["g1:v:0:Zürich 東京"]);

        await Store.EnsureTableAsync(Table, Simple);
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0))], 10, new Recorder(c =>
        {
            c.StateResets.Add((rule, "g2:"));
            c.State.Add(new RuleStateValue(rule, "g2:t:o1:A", "10"));
        }));
        state = await Alerts.ReadRuleStateAsync(rule);
        Assert.Equal(["counters", "g2:t:o1:A"], state.Keys.Order(StringComparer.Ordinal));

        await Alerts.DeleteRuleStateAsync(rule);
        Assert.Empty(await Alerts.ReadRuleStateAsync(rule));
    }

    [Fact]
    public async Task The_outbox_serves_deliveries_in_sequence_order_and_records_attempts()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var output = "DEMO/" + Table + "/o1";
        var other = "DEMO/" + Table + "/o2";
        await Store.WriteAsync(Table, [Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0))], 100, new Recorder(c =>
        {
            c.Alerts.Add(Alert($"{Table}-3", output, 3, 100));
            c.Alerts.Add(Alert($"{Table}-1", output, 1, 100));
            c.Alerts.Add(Alert($"{Table}-2", output, 2, 200));
            c.Alerts.Add(Alert($"{Table}-L", other, 4, 300, AlertState.Logged));
        }));

        Assert.Equal([$"{Table}-1", $"{Table}-2", $"{Table}-3"], (await Alerts.ReadPendingAsync(output, 0, 10)).Select(a => a.AlertId));
        Assert.Equal([$"{Table}-3"], (await Alerts.ReadPendingAsync(output, 2, 10)).Select(a => a.AlertId));
        Assert.Empty(await Alerts.ReadPendingAsync(other, 0, 10));
        Assert.Contains(output, await Alerts.ReadDueOutputsAsync(200, 1000));
        Assert.DoesNotContain(other, await Alerts.ReadDueOutputsAsync(200, 1000));

        await Alerts.UpdateAlertsAsync(
        [
            new AlertUpdate($"{Table}-1", AlertState.Delivered, 1, 150, 150, 200, null),
            new AlertUpdate($"{Table}-2", AlertState.Pending, 1, 150, 5_150, 500, "HTTP 500"),
        ]);
        await Alerts.UpdateAlertsAsync([new AlertUpdate($"{Table}-2", AlertState.Dead, 2, 5_200, 5_200, null, "timed out")]);
        Assert.Equal([$"{Table}-3"], (await Alerts.ReadPendingAsync(output, 0, 10)).Select(a => a.AlertId));

        var dead = (await Alerts.ReadAlertAsync($"{Table}-2"))!;
        Assert.Equal((AlertState.Dead, 2, "timed out"), (dead.State, dead.Attempts, dead.Error));
        Assert.Null(await Alerts.ReadAlertAsync("no-such-alert"));
        var attempts = await Alerts.ReadAttemptsAsync([$"{Table}-1", $"{Table}-2"]);
        Assert.Equal([($"{Table}-1", 1, AlertState.Delivered, (int?)200), ($"{Table}-2", 1, AlertState.Pending, 500), ($"{Table}-2", 2, AlertState.Dead, null)],
            attempts.Select(a => (a.AlertId, a.Attempt, a.State, a.HttpStatus)));

        // A state change without an attempt (a redelivery) keeps the history and the last answer.
        await Alerts.UpdateAlertsAsync([new AlertUpdate($"{Table}-2", AlertState.Pending, 0, 6_000, 6_000, null, null)]);
        var again = (await Alerts.ReadAlertAsync($"{Table}-2"))!;
        Assert.Equal((AlertState.Pending, 2, "timed out", 6_000L), (again.State, again.Attempts, again.Error, again.NextAttempt));

        // Newest first within the creation window, across outputs.
        Assert.Equal([$"{Table}-L", $"{Table}-2"], (await Alerts.ReadAlertsAsync([output, other], 150, null, 10)).Select(a => a.AlertId));
        Assert.Equal([$"{Table}-3", $"{Table}-1"], (await Alerts.ReadAlertsAsync([output], null, 100, 10)).Select(a => a.AlertId));

        // Pruning keeps what is still pending, and what is newer than its bound.
        var pruned = 0;
        while (await Alerts.PruneAsync(250, 1) is var deleted and > 0) pruned += deleted;
        Assert.True(pruned >= 1);
        Assert.Equal([$"{Table}-2", $"{Table}-3"], (await Alerts.ReadAlertsAsync([output], null, null, 10)).Select(a => a.AlertId).Order());
        Assert.Equal([$"{Table}-L"], (await Alerts.ReadAlertsAsync([other], null, null, 10)).Select(a => a.AlertId));
        Assert.Empty(await Alerts.ReadAttemptsAsync([$"{Table}-1"]));
    }

    [Fact]
    public async Task Distinct_keys_are_listed_in_key_order()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("MSFT", 1, "M", 1L, 1.0), Row("AAPL", 1, "A", 1L, 1.0), Row("AAPL", 2, "A", 1L, 1.0), Row("IBM", 1, "I", 1L, 1.0)));
        Assert.Equal(["AAPL", "IBM", "MSFT"], await Store.DistinctKeysAsync(Table, 10));
        Assert.Equal(["AAPL", "IBM"], await Store.DistinctKeysAsync(Table, 2));
    }
}
