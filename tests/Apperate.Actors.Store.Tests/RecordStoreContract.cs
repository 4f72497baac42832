using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;

namespace Apperate.Actors.Tests.Storage;

/// <summary>
/// The behaviour every <see cref="IRecordStore"/> must show. Each engine subclasses this with a factory, so the
/// SQLite and MySQL stores are held to the same tests.
/// </summary>
public abstract partial class RecordStoreContract
{
    private static readonly PropertyDefinition[] Simple =
    [
        new("symbol", PropertyType.String),
        new("qty", PropertyType.Integer),
        new("price", PropertyType.Number),
    ];

    private static readonly string[] SimpleColumns = ["symbol", "qty", "price"];

    private IRecordStore? store;

    /// <summary>Creates the store under test; called at most once per test.</summary>
    protected abstract IRecordStore CreateStore();

    /// <summary>The store of this test.</summary>
    protected IRecordStore Store => store ??= CreateStore();

    /// <summary>A table name no other test uses.</summary>
    protected string Table { get; } = "t_" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>Every row of the selector, newest first.</summary>
    private static DataQuery Everything => DataQuery.Latest with { Limit = null };

    private static RecordRow Row(string key, long date, params object?[] values) => new(key, "", date, values, null);

    private static RecordRow SubRow(string key, string subkey, long date, params object?[] values) => new(key, subkey, date, values, null);

    private static RecordBatch Batch(DuplicateKeyHandling mode, params RecordRow[] rows) => new(SimpleColumns, rows, mode);

    private async Task<WriteResult> WriteOne(RecordBatch batch, long updated = 1000) =>
        (await Store.WriteAsync(Table, [batch], updated)).Single();

    private Task<StoredRow[]> Query(KeySelector selector, DataQuery query, IReadOnlyList<PropertyDefinition>? properties = null) =>
        Store.QueryAsync(Table, properties ?? Simple, selector, query);

    private static void AssertDates(long[] expected, IEnumerable<StoredRow> rows) => Assert.Equal(expected, rows.Select(r => r.Date).ToArray());

    /// <summary>Ten rows of key A dated 1..10 with qty = date.</summary>
    private async Task SeedTen()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var rows = Enumerable.Range(1, 10).Select(i => Row("A", i, "A", (long)i, i * 1.5)).ToArray();
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, rows));
    }

    [Fact]
    public async Task Ping_answers() => Assert.True(await Store.PingAsync());

    [Fact]
    public async Task Ensure_is_idempotent_and_adding_a_column_keeps_rows()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0), Row("B", 2, "B", 2L, 2.0)));

        PropertyDefinition[] wider = [.. Simple, new("note", PropertyType.String)];
        await Store.EnsureTableAsync(Table, wider);
        await Store.EnsureTableAsync(Table, wider);
        Assert.Equal(2, await Store.CountAsync(Table));

        var old = Assert.Single(await Query(new KeySelector("A", null), Everything, wider));
        Assert.Equal(["A", 1L, 1.0, null], old.Values);

        var written = await WriteOne(new RecordBatch(["symbol", "note"], [Row("C", 3, "C", "new column")], DuplicateKeyHandling.Ignore));
        Assert.Equal(new WriteResult(1, 1, 0), written);
        var fresh = Assert.Single(await Query(new KeySelector("C", null), Everything, wider));
        Assert.Equal(["C", null, null, "new column"], fresh.Values);
    }

    [Fact]
    public async Task Ensure_matches_existing_columns_ignoring_case()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await Store.EnsureTableAsync(Table, [new("SYMBOL", PropertyType.String), new("Qty", PropertyType.Integer), new("price", PropertyType.Number)]);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 1L, 1.0)));
        Assert.Equal(1, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Invalid_names_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.EnsureTableAsync("bad name", Simple));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.EnsureTableAsync("t\"; DROP TABLE x; --", Simple));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.EnsureTableAsync("ok\n", Simple));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.EnsureTableAsync(new string('a', 65), Simple));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.EnsureTableAsync(Table, [new("a\"b", PropertyType.String)]));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.EnsureTableAsync(Table, [new("_system_key", PropertyType.String)]));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CountAsync("x y"));
    }

    [Fact]
    public async Task Every_type_round_trips()
    {
        PropertyDefinition[] all =
        [
            new("s", PropertyType.String),
            new("i", PropertyType.Integer),
            new("n", PropertyType.Number),
            new("b", PropertyType.Boolean),
            new("o", PropertyType.Object),
            new("a", PropertyType.Array),
            new("x", PropertyType.Any),
            new("d", PropertyType.Date),
            new("dt", PropertyType.DateTime),
        ];
        string[] columns = [.. all.Select(p => p.Name)];
        await Store.EnsureTableAsync(Table, all);
        object?[] first = ["Zürich 東京 🚀 'quoted' \"double\"", long.MaxValue, 0.1, true, "{\"a\":{\"b\":[1,2]}}", "[1,\"two\",null]", "42", "2024-02-29", "2024-02-29T12:34:56.789Z"];
        object?[] second = ["", long.MinValue, -1.5e300, false, "{}", "[]", "\"text\"", "1970-01-01", "1970-01-01T00:00:00Z"];
        object?[] third = [null, null, null, null, null, null, null, null, null];
        object?[] fourth = ["007", 0L, 3.0, true, "null", "[{}]", "true", "2000-01-01", "2000-01-01T00:00:00+02:00"];
        object?[] fifth = ["a\0b\r\n\t", -1L, double.Epsilon, false, "{\"k\":\"\\u0000\"}", "[]", "1.5", "2024-01-01", "2024-01-01T00:00:00Z"];
        await Store.WriteAsync(Table, [new RecordBatch(columns,
        [
            new RecordRow("K", "1", 1, first, "{\"extra\":1}"),
            new RecordRow("K", "2", 2, second, null),
            new RecordRow("K", "3", 3, third, null),
            new RecordRow("K", "4", 4, fourth, "{}"),
            new RecordRow("K", "5", 5, fifth, null),
        ], DuplicateKeyHandling.Ignore)], 77);

        var rows = await Store.QueryAsync(Table, all, new KeySelector("K", null), Everything with { Oldest = true, Sort = SortOrder.Ascending });
        Assert.Equal(5, rows.Length);
        Assert.Equal(first, rows[0].Values);
        Assert.Equal(second, rows[1].Values);
        Assert.Equal(third, rows[2].Values);
        Assert.Equal(fourth, rows[3].Values);
        Assert.Equal(fifth, rows[4].Values);
        Assert.IsType<double>(rows[3].Values[2]);
        Assert.IsType<long>(rows[3].Values[1]);
        Assert.IsType<string>(rows[3].Values[0]);
        Assert.Equal("{\"extra\":1}", rows[0].Extra);
        Assert.Null(rows[1].Extra);
        Assert.Equal("{}", rows[3].Extra);
        Assert.All(rows, r => Assert.Equal(77, r.Updated));
        Assert.Equal(["1", "2", "3", "4", "5"], rows.Select(r => r.Subkey));
    }

    [Fact]
    public async Task Keys_and_text_compare_exactly_case_and_trailing_spaces_included()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var result = await WriteOne(Batch(DuplicateKeyHandling.Ignore,
            SubRow("k", "s", 1, "x", 1L, 1.0),
            SubRow("K", "s", 1, "X", 2L, 1.0),
            SubRow("k ", "s", 1, "x ", 3L, 1.0),
            SubRow("k", "S", 1, "x", 4L, 1.0),
            SubRow("k", "s ", 1, "x", 5L, 1.0),
            SubRow("ǩ", "s", 1, "x", 6L, 1.0)));
        Assert.Equal(new WriteResult(6, 6, 0), result);

        static IEnumerable<object?> Qty(StoredRow[] rows) => rows.Select(r => r.Values[1]).Order();
        Assert.Equal([1L, 4L, 5L], Qty(await Query(new KeySelector("k", null), Everything)));
        Assert.Equal([1L], Qty(await Query(new KeySelector("k", "s"), Everything)));
        Assert.Equal([3L], Qty(await Query(new KeySelector("k ", null), Everything)));
        Assert.Equal([1L, 4L, 5L, 6L], Qty(await Query(KeySelector.All, Everything with { Conditions = [new AttributeCondition("symbol", true, "x")] })));
        Assert.Equal(3, await Store.DeleteAsync(Table, new KeySelector("k", null), null, null));
        Assert.Equal(3, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Four_byte_utf8_survives_in_keys_values_and_extra()
    {
        await Store.EnsureTableAsync(Table, Simple);
        const string text = "🚀𝄞😀 emoji and 𠜎 astral";
        const string extra = "{\"t\":\"" + text + "\"}";
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, new RecordRow(text, text + "/sub", 1, [text, 1L, 1.0], extra)));
        var row = Assert.Single(await Query(new KeySelector(text, text + "/sub"), Everything));
        Assert.Equal((text, text + "/sub", text, extra), (row.Key, row.Subkey, row.Values[0], row.Extra));
        Assert.Single(await Query(KeySelector.All, Everything with { Conditions = [new AttributeCondition("symbol", true, text)] }));
    }

    [Fact]
    public async Task Numbers_keep_their_exact_values_at_the_limits()
    {
        await Store.EnsureTableAsync(Table, Simple);
        long[] integers = [long.MinValue, long.MinValue + 1, -1, 0, 1, (1L << 53) + 1, long.MaxValue - 1, long.MaxValue];
        double[] numbers = [0.1 + 0.2, 1.25, 0.0, double.MaxValue, double.MinValue, double.Epsilon, 1e-300, 123456789.123456789];
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, [.. integers.Select((v, i) => Row("n", i, "x", v, numbers[i]))]));
        var stored = await Query(new KeySelector("n", null), Everything with { Oldest = true, Sort = SortOrder.Ascending });
        Assert.Equal(integers, stored.Select(r => (long)r.Values[1]!));
        Assert.Equal(numbers.Select(BitConverter.DoubleToInt64Bits), stored.Select(r => BitConverter.DoubleToInt64Bits((double)r.Values[2]!)));

        foreach (var v in new[] { long.MinValue, long.MaxValue, (1L << 53) + 1 })
        {
            var match = await Query(KeySelector.All, Everything with { Conditions = [new AttributeCondition("qty", true, v.ToString(System.Globalization.CultureInfo.InvariantCulture))] });
            Assert.Equal(v, Assert.Single(match).Values[1]);
        }
        // A decimal is stored as the nearest double.
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("d", 1, "x", 1L, 0.3m)));
        Assert.Equal(0.3, Assert.Single(await Query(new KeySelector("d", null), Everything)).Values[2]);
    }

    [Fact]
    public async Task A_replace_with_identical_values_counts_as_a_duplicate_and_gets_a_new_id()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var row = new RecordRow("A", "", 1, ["x", 1L, 1.0], "{}");
        Assert.Equal(new WriteResult(1, 1, 0), await WriteOne(Batch(DuplicateKeyHandling.Replace, row), 5));
        var id = Assert.Single(await Query(KeySelector.All, Everything)).Id;
        // Same values and the same updated time: nothing changes, and it is still a duplicate.
        Assert.Equal(new WriteResult(2, 2, 2), await WriteOne(Batch(DuplicateKeyHandling.Replace, row, row), 5));
        Assert.Equal(new WriteResult(2, 2, 1), await WriteOne(Batch(DuplicateKeyHandling.Replace, row, row with { Date = 2 }), 5));
        Assert.Equal(new WriteResult(2, 0, 2), await WriteOne(Batch(DuplicateKeyHandling.Ignore, row, row with { Date = 2 }), 6));
        var stored = await Query(KeySelector.All, Everything with { Oldest = true, Sort = SortOrder.Ascending });
        // The id is the commit sequence of the last insert or replace: a replace, even of identical values, is a new commit.
        Assert.True(stored[0].Id > id, $"id {stored[0].Id} after the replace, {id} before");
        Assert.All(stored, r => Assert.Equal(5, r.Updated));
    }

    [Fact]
    public async Task Other_numeric_types_are_stored_as_long_and_double()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "A", 5, 2.5f), Row("B", 1, "B", (short)6, 1.25m)));
        var rows = await Query(KeySelector.All, Everything with { Sort = SortOrder.Ascending, Oldest = true });
        Assert.Equal(["A", 5L, 2.5], rows[0].Values);
        Assert.Equal(["B", 6L, 1.25], rows[1].Values);
    }

    [Fact]
    public async Task Ignore_keeps_the_stored_row_and_counts_duplicates()
    {
        await Store.EnsureTableAsync(Table, Simple);
        Assert.Equal(new WriteResult(2, 2, 0), await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "first", 1L, 1.0), Row("B", 1, "first", 1L, 1.0)), 100));
        var before = Assert.Single(await Query(new KeySelector("A", null), Everything));

        var result = await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "second", 2L, 2.0), Row("C", 1, "second", 2L, 2.0), Row("B", 1, "second", 2L, 2.0)), 200);
        Assert.Equal(new WriteResult(3, 1, 2), result);

        var after = Assert.Single(await Query(new KeySelector("A", null), Everything));
        Assert.Equal(before, after with { Values = before.Values });
        Assert.Equal(["first", 1L, 1.0], after.Values);
        Assert.Equal(100, after.Updated);
        Assert.Equal(3, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Replace_gives_a_new_id_and_updates_values_and_updated()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "first", 1L, 1.0), Row("B", 1, "first", 1L, 1.0)), 100);
        var before = Assert.Single(await Query(new KeySelector("A", null), Everything));

        var result = await WriteOne(Batch(DuplicateKeyHandling.Replace,
            new RecordRow("A", "", 1, ["second", 2L, 2.0], "{\"e\":true}"),
            Row("C", 1, "second", 2L, 2.0)), 200);
        Assert.Equal(new WriteResult(2, 2, 1), result);

        var after = Assert.Single(await Query(new KeySelector("A", null), Everything));
        var untouchedId = Assert.Single(await Query(new KeySelector("B", null), Everything)).Id;
        var added = Assert.Single(await Query(new KeySelector("C", null), Everything)).Id;
        // The replaced row's id is its write's sequence: above every id before it, below the row written after it.
        Assert.True(after.Id > Math.Max(before.Id, untouchedId) && after.Id < added, $"ids: A {before.Id} -> {after.Id}, B {untouchedId}, C {added}");
        Assert.Equal(["second", 2L, 2.0], after.Values);
        Assert.Equal(200, after.Updated);
        Assert.Equal("{\"e\":true}", after.Extra);
        var untouched = Assert.Single(await Query(new KeySelector("B", null), Everything));
        Assert.Equal(100, untouched.Updated);
        Assert.Equal(3, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Replace_with_fewer_columns_keeps_the_other_columns()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "first", 1L, 1.0)));
        var result = await WriteOne(new RecordBatch(["price"], [Row("A", 1, 9.5)], DuplicateKeyHandling.Replace));
        Assert.Equal(new WriteResult(1, 1, 1), result);
        Assert.Equal(["first", 1L, 9.5], Assert.Single(await Query(KeySelector.All, Everything)).Values);
    }

    [Fact]
    public async Task Within_one_call_the_later_duplicate_wins_with_replace()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var result = await WriteOne(Batch(DuplicateKeyHandling.Replace, Row("A", 1, "one", 1L, 1.0), Row("A", 1, "two", 2L, 2.0), Row("A", 1, "three", 3L, 3.0)));
        Assert.Equal(new WriteResult(3, 3, 2), result);
        Assert.Equal(["three", 3L, 3.0], Assert.Single(await Query(KeySelector.All, Everything)).Values);

        // Across batches of one call too, in batch order.
        var results = await Store.WriteAsync(Table,
        [
            Batch(DuplicateKeyHandling.Replace, Row("B", 1, "b1", 1L, 1.0)),
            Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "b2", 2L, 2.0)),
            Batch(DuplicateKeyHandling.Replace, Row("B", 1, "b3", 3L, 3.0), Row("C", 1, "c", 3L, 3.0)),
        ], 5);
        Assert.Equal([new WriteResult(1, 1, 0), new WriteResult(1, 0, 1), new WriteResult(2, 2, 1)], results);
        Assert.Equal(["b3", 3L, 3.0], Assert.Single(await Query(new KeySelector("B", null), Everything)).Values);
        Assert.Equal(3, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Duplicate_counts_do_not_depend_on_writes_to_other_tables()
    {
        var other = Table + "_b";
        await Store.EnsureTableAsync(Table, Simple);
        await Store.EnsureTableAsync(other, Simple);
        try
        {
            await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "a", 1L, 1.0)));
            var many = Enumerable.Range(0, 50).Select(i => Row("B", i, "b", (long)i, 1.0)).ToArray();
            for (var round = 0; round < 3; round++)
            {
                // Interleave writes to another table whose ids run far ahead of this one's.
                await Store.WriteAsync(other, [Batch(DuplicateKeyHandling.Replace, many)], 1);
                var result = await WriteOne(Batch(DuplicateKeyHandling.Replace, Row("A", 1, "a", 1L, 1.0), Row("A", 100 + round, "a", 1L, 1.0)));
                Assert.Equal(new WriteResult(2, 2, 1), result);
            }
            Assert.Equal(4, await Store.CountAsync(Table));
            Assert.Equal(50, await Store.CountAsync(other));
        }
        finally
        {
            await Store.DropTableAsync(other);
        }
    }

    [Fact]
    public async Task Changes_after_a_sequence_are_read_in_commit_order()
    {
        await Store.EnsureTableAsync(Table, Simple);
        Assert.Equal(0, await Store.LastSequenceAsync(Table));
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "b", 1L, 1.0), Row("A", 1, "a", 1L, 1.0)), 10);
        var first = await Store.LastSequenceAsync(Table);
        Assert.True(first >= 2, $"last sequence {first} after two rows");
        await WriteOne(Batch(DuplicateKeyHandling.Replace, Row("A", 1, "a2", 2L, 2.0), Row("C", 5, "c", 1L, 1.0)), 20);
        // An ignored duplicate is no change.
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "b again", 9L, 9.0)), 30);
        var last = await Store.LastSequenceAsync(Table);

        var changes = await Query(KeySelector.All, DataQuery.Changes(first, 100));
        Assert.Equal([("A", "a2"), ("C", "c")], changes.Select(r => (r.Key, (string)r.Values[0]!)));
        Assert.True(changes[0].Id > first && changes[1].Id > changes[0].Id && changes[1].Id <= last, $"ids {changes[0].Id}, {changes[1].Id} after {first}, last {last}");
        Assert.Equal(["B", "A", "C"], (await Query(KeySelector.All, DataQuery.Changes(0, 100))).Select(r => r.Key));
        Assert.Equal(["B"], (await Query(KeySelector.All, DataQuery.Changes(0, 1))).Select(r => r.Key));
        // As of the first commit: A was replaced since, so only B is still as it was then.
        Assert.Equal(["B"], (await Query(KeySelector.All, DataQuery.Changes(0, 100) with { ThroughSequence = first })).Select(r => r.Key));
        Assert.Equal(["A", "C"], (await Query(KeySelector.All, DataQuery.Changes(0, 100, keys: ["C", "A"]))).Select(r => r.Key));
        Assert.Empty(await Query(KeySelector.All, DataQuery.Changes(0, 100, keys: [])));
        Assert.Equal(["A", "C"], (await Query(KeySelector.All, DataQuery.Changes(0, 100) with { UpdatedSince = 20 })).Select(r => r.Key));
        Assert.Empty(await Query(KeySelector.All, DataQuery.Changes(last, 100)));
        // The bounds combine with an ordinary query: the newest record of A changed after the first commit.
        Assert.Equal("a2", Assert.Single(await Query(new KeySelector("A", null), DataQuery.Latest with { AfterSequence = first })).Values[0]);
        Assert.Empty(await Query(new KeySelector("B", null), DataQuery.Latest with { AfterSequence = first }));
        // Deleting rows does not take the sequence back.
        await Store.DeleteAsync(Table, new KeySelector("C", null), null, null);
        Assert.Equal(last, await Store.LastSequenceAsync(Table));
    }

    [Fact]
    public async Task Ids_follow_arrival_order_whatever_the_key_order()
    {
        await Store.EnsureTableAsync(Table, Simple);
        // One date for all, so the order by date then id is the order of the ids alone.
        string[] keys = ["Z", "A", "M", "B", "Y", "C"];
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, [.. keys.Select(k => Row(k, 7, k, 1L, 1.0))]));
        await Store.WriteAsync(Table, [.. new[] { "X", "D", "W" }.Select(k => Batch(DuplicateKeyHandling.Replace, Row(k, 7, k, 1L, 1.0)))], 1);
        // A replaced row takes the place of its replace: ids are commit sequences.
        await WriteOne(Batch(DuplicateKeyHandling.Replace, Row("E", 7, "E", 1L, 1.0), Row("A", 7, "A again", 2L, 2.0), Row("AA", 7, "AA", 1L, 1.0)));

        string[] arrival = ["Z", "M", "B", "Y", "C", "X", "D", "W", "E", "A", "AA"];
        var oldest = await Query(KeySelector.All, Everything with { Oldest = true, Sort = SortOrder.Ascending });
        Assert.Equal(arrival, oldest.Select(r => r.Key));
        Assert.Equal("A again", oldest[9].Values[0]);
        var newest = await Query(KeySelector.All, Everything);
        Assert.Equal(arrival.Reverse(), newest.Select(r => r.Key));
        Assert.Equal(["Z", "M"], (await Query(KeySelector.All, Everything with { Oldest = true, Limit = 2, Sort = SortOrder.Ascending })).Select(r => r.Key));
    }

    [Fact]
    public async Task New_rows_get_ids_above_every_stored_id_after_deletes()
    {
        await SeedTen();
        var before = await Query(KeySelector.All, Everything);
        Assert.Equal(5, await Store.DeleteAsync(Table, new KeySelector("A", null), 6, null));
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("B", 1, "B", 1L, 1.0), Row("A", 10, "A", 10L, 1.0)));
        var rows = await Query(KeySelector.All, Everything with { Oldest = true, Sort = SortOrder.Ascending });
        var kept = rows.Where(r => r.Key == "A" && r.Date <= 5).Max(r => r.Id);
        var b = Assert.Single(rows, r => r.Key == "B");
        var a10 = Assert.Single(rows, r => r.Key == "A" && r.Date == 10);
        Assert.True(b.Id > kept && a10.Id > b.Id, $"ids {kept}, {b.Id}, {a10.Id} do not follow arrival");
        Assert.Equal(before.Where(r => r.Date <= 5).Select(r => r.Id).Order(), rows.Where(r => r.Key == "A" && r.Date <= 5).Select(r => r.Id).Order());
    }

    [Fact]
    public async Task Duplicate_counts_values_and_ids_match_one_row_at_a_time_semantics()
    {
        // Calls of many batches, mixed ignore and replace, with duplicates inside batches, across batches and against
        // stored rows, in batches long enough for multi-row statements: compared with applying each row in turn.
        await Store.EnsureTableAsync(Table, Simple);
        var random = new Random(20261124);
        var model = new Dictionary<(string Key, string Subkey, long Date), (object?[] Values, int Created)>();
        var created = 0;
        string[] qtyOnly = ["qty"];
        for (var call = 0; call < 12; call++)
        {
            var batches = new List<RecordBatch>();
            var expected = new List<WriteResult>();
            for (var b = random.Next(1, 6); b > 0; b--)
            {
                var mode = random.Next(2) == 0 ? DuplicateKeyHandling.Ignore : DuplicateKeyHandling.Replace;
                var narrow = random.Next(5) == 0;
                var persist = random.Next(8) != 0;
                var rows = new RecordRow[random.Next(4) == 0 ? random.Next(1, 3) : random.Next(1, 140)];
                int written = 0, duplicates = 0;
                for (var r = 0; r < rows.Length; r++)
                {
                    var key = "K" + random.Next(6);
                    var subkey = random.Next(3) == 0 ? "s" : "";
                    var date = (long)random.Next(40);
                    var tag = $"c{call}b{batches.Count}r{r}";
                    object?[] values = narrow ? [(long)r] : [tag, (long)r, call + r / 100.0];
                    rows[r] = new RecordRow(key, subkey, date, values, null);
                    if (!persist) continue;
                    var index = (key, subkey, date);
                    if (!model.TryGetValue(index, out var stored))
                    {
                        model[index] = (narrow ? [null, values[0], null] : values, created++);
                        written++;
                        continue;
                    }
                    duplicates++;
                    if (mode == DuplicateKeyHandling.Ignore) continue;
                    written++;
                    model[index] = (narrow ? [stored.Values[0], values[0], stored.Values[2]] : values, created++);
                }
                batches.Add(new RecordBatch(narrow ? qtyOnly : SimpleColumns, rows, mode, persist));
                expected.Add(persist ? new WriteResult(rows.Length, written, duplicates) : new WriteResult(rows.Length, 0, 0));
            }
            Assert.Equal(expected, await Store.WriteAsync(Table, batches, 1000 + call));
        }

        Assert.Equal(model.Count, await Store.CountAsync(Table));
        var all = await Query(KeySelector.All, Everything);
        foreach (var row in all) Assert.Equal(model[(row.Key, row.Subkey, row.Date)].Values, row.Values);
        // Ids follow the order in which the rows were last inserted or replaced.
        var byId = all.OrderBy(r => r.Id).Select(r => model[(r.Key, r.Subkey, r.Date)].Created).ToArray();
        Assert.Equal(byId.Order(), byId);
    }

    [Fact]
    public async Task Within_one_call_the_first_duplicate_wins_with_ignore()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var result = await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "one", 1L, 1.0), Row("A", 1, "two", 2L, 2.0), Row("A", 2, "other date", 2L, 2.0)));
        Assert.Equal(new WriteResult(3, 2, 1), result);
        Assert.Equal(["one", 1L, 1.0], (await Query(KeySelector.All, Everything with { Oldest = true, Sort = SortOrder.Ascending })).First().Values);
    }

    [Fact]
    public async Task Subkey_and_date_are_part_of_the_unique_index()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var result = await WriteOne(Batch(DuplicateKeyHandling.Ignore,
            SubRow("A", "", 1, "x", 1L, 1.0), SubRow("A", "s", 1, "x", 1L, 1.0), SubRow("A", "s", 2, "x", 1L, 1.0), SubRow("a", "s", 2, "x", 1L, 1.0)));
        Assert.Equal(new WriteResult(4, 4, 0), result);
    }

    [Fact]
    public async Task Persist_false_stores_nothing()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var results = await Store.WriteAsync(Table,
        [
            new RecordBatch(SimpleColumns, [Row("A", 1, "a", 1L, 1.0), Row("B", 1, "b", 1L, 1.0)], DuplicateKeyHandling.Ignore, Persist: false),
            Batch(DuplicateKeyHandling.Ignore, Row("C", 1, "c", 1L, 1.0)),
        ], 1);
        Assert.Equal([new WriteResult(2, 0, 0), new WriteResult(1, 1, 0)], results);
        Assert.Equal(1, await Store.CountAsync(Table));

        var only = await Store.WriteAsync(Table, [new RecordBatch(SimpleColumns, [Row("D", 1, "d", 1L, 1.0)], DuplicateKeyHandling.Replace, Persist: false)], 1);
        Assert.Equal([new WriteResult(1, 0, 0)], only);
        Assert.Equal(1, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task A_failing_call_stores_nothing_of_any_batch()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var bad = new RecordRow("B", "", 1, ["too", "few"], null);
        await Assert.ThrowsAnyAsync<Exception>(() => Store.WriteAsync(Table,
        [
            Batch(DuplicateKeyHandling.Ignore, Row("A", 1, "a", 1L, 1.0)),
            Batch(DuplicateKeyHandling.Ignore, Row("C", 1, "c", 1L, 1.0), bad),
        ], 1));
        Assert.Equal(0, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Query_selects_by_key_and_subkey()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore,
            SubRow("A", "x", 1, "a", 1L, 1.0), SubRow("A", "y", 2, "a", 2L, 1.0), SubRow("A", "", 3, "a", 3L, 1.0),
            SubRow("B", "x", 4, "b", 4L, 1.0)));

        AssertDates([3, 2, 1], await Query(new KeySelector("A", null), Everything));
        AssertDates([1], await Query(new KeySelector("A", "x"), Everything));
        AssertDates([3], await Query(new KeySelector("A", ""), Everything));
        AssertDates([4, 1], await Query(new KeySelector(null, "x"), Everything));
        AssertDates([4, 3, 2, 1], await Query(KeySelector.All, Everything));
        Assert.Empty(await Query(new KeySelector("Z", null), Everything));
        Assert.Empty(await Query(new KeySelector("a", null), Everything));

        var latest = Assert.Single(await Query(new KeySelector("A", null), DataQuery.Latest));
        Assert.Equal(("A", "", 3L), (latest.Key, latest.Subkey, latest.Date));
    }

    [Fact]
    public async Task From_and_to_are_inclusive_and_optional()
    {
        await SeedTen();
        var a = new KeySelector("A", null);
        AssertDates([7, 6, 5, 4, 3], await Query(a, Everything with { From = 3, To = 7 }));
        AssertDates([10, 9, 8], await Query(a, Everything with { From = 8 }));
        AssertDates([2, 1], await Query(a, Everything with { To = 2 }));
        AssertDates([5], await Query(a, Everything with { From = 5, To = 5 }));
        Assert.Empty(await Query(a, Everything with { From = 6, To = 5 }));
    }

    [Fact]
    public async Task Selection_end_and_output_order_are_independent()
    {
        await SeedTen();
        var a = new KeySelector("A", null);
        var last3 = Everything with { Limit = 3, Oldest = false };
        var first3 = Everything with { Limit = 3, Oldest = true };
        AssertDates([10, 9, 8], await Query(a, last3 with { Sort = SortOrder.Descending }));
        AssertDates([8, 9, 10], await Query(a, last3 with { Sort = SortOrder.Ascending }));
        AssertDates([1, 2, 3], await Query(a, first3 with { Sort = SortOrder.Ascending }));
        AssertDates([3, 2, 1], await Query(a, first3 with { Sort = SortOrder.Descending }));
    }

    [Fact]
    public async Task Rows_with_the_same_date_order_by_id()
    {
        await Store.EnsureTableAsync(Table, Simple);
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, SubRow("A", "first", 5, "a", 1L, 1.0), SubRow("A", "second", 5, "a", 2L, 1.0)));
        var newest = await Query(new KeySelector("A", null), Everything);
        Assert.Equal(["second", "first"], newest.Select(r => r.Subkey));
        Assert.True(newest[0].Id > newest[1].Id);
        var oldest = await Query(new KeySelector("A", null), Everything with { Oldest = true, Limit = 1 });
        Assert.Equal("first", Assert.Single(oldest).Subkey);
    }

    [Fact]
    public async Task Limit_offset_and_interval_combine_in_selection_order()
    {
        await SeedTen();
        var a = new KeySelector("A", null);
        AssertDates([8, 7, 6], await Query(a, Everything with { Offset = 2, Limit = 3 }));
        AssertDates([3, 2, 1], await Query(a, Everything with { Offset = 7 }));
        Assert.Empty(await Query(a, Everything with { Offset = 10 }));
        Assert.Empty(await Query(a, Everything with { Limit = 0 }));

        AssertDates([10, 7, 4, 1], await Query(a, Everything with { Interval = 3 }));
        AssertDates([1, 4, 7, 10], await Query(a, Everything with { Interval = 3, Oldest = true, Sort = SortOrder.Ascending }));
        AssertDates([7, 4], await Query(a, Everything with { Interval = 3, Offset = 1, Limit = 2 }));
        AssertDates([4, 7], await Query(a, Everything with { Interval = 3, Offset = 1, Limit = 2, Sort = SortOrder.Ascending }));
        AssertDates([5, 3], await Query(a, Everything with { Interval = 2, Oldest = true, Offset = 1, Limit = 2, Sort = SortOrder.Descending }));
        // Thinning applies after the date range and the conditions.
        AssertDates([9, 7, 5], await Query(a, Everything with { Interval = 2, From = 4, To = 9 }));
        AssertDates([10], await Query(a, Everything with { Interval = 100 }));
    }

    [Fact]
    public async Task Conditions_match_equal_and_not_equal_by_type()
    {
        PropertyDefinition[] props =
        [
            new("name", PropertyType.String),
            new("qty", PropertyType.Integer),
            new("price", PropertyType.Number),
            new("ok", PropertyType.Boolean),
        ];
        await Store.EnsureTableAsync(Table, props);
        await Store.WriteAsync(Table, [new RecordBatch(["name", "qty", "price", "ok"],
        [
            Row("A", 1, "x", 1L, 1.5, true),
            Row("A", 2, "y", 2L, 2.0, false),
            Row("A", 3, null, null, null, null),
            Row("A", 4, "x", 2L, 1.5, true),
        ], DuplicateKeyHandling.Ignore)], 1);

        Task<StoredRow[]> Where(params AttributeCondition[] conditions) =>
            Store.QueryAsync(Table, props, new KeySelector("A", null), Everything with { Conditions = conditions });

        AssertDates([4, 1], await Where(new AttributeCondition("name", true, "x")));
        AssertDates([3, 2], await Where(new AttributeCondition("name", false, "x")));
        AssertDates([4, 2], await Where(new AttributeCondition("QTY", true, "2")));
        AssertDates([3, 1], await Where(new AttributeCondition("qty", false, "2")));
        AssertDates([4, 1], await Where(new AttributeCondition("price", true, "1.5")));
        AssertDates([2], await Where(new AttributeCondition("price", true, "2")));
        AssertDates([4, 1], await Where(new AttributeCondition("ok", true, "true")));
        AssertDates([4, 1], await Where(new AttributeCondition("ok", true, "1")));
        AssertDates([2], await Where(new AttributeCondition("ok", true, "FALSE")));
        AssertDates([3, 2], await Where(new AttributeCondition("ok", false, "true")));
        AssertDates([4], await Where(new AttributeCondition("name", true, "x"), new AttributeCondition("qty", true, "2")));
        Assert.Empty(await Where(new AttributeCondition("name", true, "X")));
    }

    [Fact]
    public async Task Bad_conditions_raise_invalid_naming_subattribute()
    {
        await SeedTen();
        var a = new KeySelector("A", null);
        async Task Invalid(AttributeCondition condition)
        {
            var error = await Assert.ThrowsAsync<ApperateException>(() => Query(a, Everything with { Conditions = [condition] }));
            Assert.Equal(ErrorKind.Invalid, error.Kind);
            Assert.Equal("subattribute", Assert.Single(error.Errors).Field);
        }
        await Invalid(new AttributeCondition("nope", true, "1"));
        await Invalid(new AttributeCondition("qty", true, "many"));
        await Invalid(new AttributeCondition("qty", true, "1.5"));
        await Invalid(new AttributeCondition("price", false, "cheap"));
    }

    [Fact]
    public async Task Projection_returns_the_named_properties_in_order()
    {
        await SeedTen();
        var a = new KeySelector("A", null);
        var row = Assert.Single(await Query(a, DataQuery.Latest with { Properties = ["PRICE", "symbol"] }));
        Assert.Equal([15.0, "A"], row.Values);
        Assert.Equal(10, row.Date);

        var twice = Assert.Single(await Query(a, DataQuery.Latest with { Properties = ["qty", "Qty"] }));
        Assert.Equal([10L, 10L], twice.Values);

        var all = Assert.Single(await Query(a, DataQuery.Latest));
        Assert.Equal(["A", 10L, 15.0], all.Values);

        var error = await Assert.ThrowsAsync<ApperateException>(() => Query(a, DataQuery.Latest with { Properties = ["symbol", "missing"] }));
        Assert.Equal(ErrorKind.Invalid, error.Kind);
        Assert.Equal("filter", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public async Task Delete_by_key_subkey_and_range_returns_counts()
    {
        await Store.EnsureTableAsync(Table, Simple);
        var rows = new List<RecordRow>();
        foreach (var key in new[] { "A", "B" })
            foreach (var sub in new[] { "x", "y" })
                for (var d = 1; d <= 5; d++) rows.Add(SubRow(key, sub, d, key, (long)d, 1.0));
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, [.. rows]));
        Assert.Equal(20, await Store.CountAsync(Table));

        Assert.Equal(2, await Store.DeleteAsync(Table, new KeySelector("A", "x"), 2, 3));
        AssertDates([5, 4, 1], await Query(new KeySelector("A", "x"), Everything));
        Assert.Equal(2, await Store.DeleteAsync(Table, new KeySelector("A", "y"), 4, null));
        Assert.Equal(1, await Store.DeleteAsync(Table, new KeySelector("A", "y"), null, 1));
        Assert.Equal(0, await Store.DeleteAsync(Table, new KeySelector("A", "y"), 10, 20));
        Assert.Equal(5, await Store.DeleteAsync(Table, new KeySelector("A", null), null, null));
        Assert.Empty(await Query(new KeySelector("A", null), Everything));
        Assert.Equal(5, await Store.DeleteAsync(Table, new KeySelector("B", "y"), null, null));
        Assert.Equal(5, await Store.CountAsync(Table));
        Assert.Equal(0, await Store.DeleteAsync(Table, new KeySelector("Z", null), null, null));
        Assert.Equal(5, await Store.DeleteAsync(Table, KeySelector.All, null, null));
        Assert.Equal(0, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Drop_removes_the_table_and_tolerates_a_missing_one()
    {
        await SeedTen();
        Assert.Equal(10, await Store.CountAsync(Table));
        await Store.DropTableAsync(Table);
        await Store.DropTableAsync(Table);
        await Store.DropTableAsync("never_created_" + Guid.NewGuid().ToString("N")[..8]);
        await Store.EnsureTableAsync(Table, Simple);
        Assert.Equal(0, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Injection_attempts_are_plain_data()
    {
        await Store.EnsureTableAsync(Table, Simple);
        const string evilKey = "x'); DROP TABLE sqlite_master; --";
        var evilTable = $"{Table}\"; DROP TABLE \"{Table}";
        const string evilText = "' OR 1=1 --";
        await WriteOne(Batch(DuplicateKeyHandling.Ignore, Row(evilKey, 1, evilText, 1L, 1.0), Row("A", 2, "plain", 2L, 2.0), SubRow("A", evilTable, 3, "\"", 3L, 3.0)));
        Assert.Equal(3, await Store.CountAsync(Table));

        var byKey = Assert.Single(await Query(new KeySelector(evilKey, null), Everything));
        Assert.Equal([evilText, 1L, 1.0], byKey.Values);
        Assert.Equal("\"", Assert.Single(await Query(new KeySelector("A", evilTable), Everything)).Values[0]);

        var matched = await Query(KeySelector.All, Everything with { Conditions = [new AttributeCondition("symbol", true, evilText)] });
        Assert.Equal(evilKey, Assert.Single(matched).Key);
        Assert.Empty(await Query(KeySelector.All, Everything with { Conditions = [new AttributeCondition("symbol", true, "x' OR '1'='1")] }));
        await Assert.ThrowsAsync<ApperateException>(() => Query(KeySelector.All, Everything with { Conditions = [new AttributeCondition("symbol = symbol OR 1", true, "1")] }));
        Assert.Equal(0, await Store.DeleteAsync(Table, new KeySelector("' OR 1=1 --", null), null, null));
        Assert.Equal(3, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task A_widened_integer_column_reads_doubles()
    {
        PropertyDefinition[] before = [new("v", PropertyType.Integer)];
        PropertyDefinition[] after = [new("v", PropertyType.Number)];
        await Store.EnsureTableAsync(Table, before);
        await Store.WriteAsync(Table, [new RecordBatch(["v"], [Row("A", 1, 5L), Row("A", 2, long.MaxValue / 1024)], DuplicateKeyHandling.Ignore)], 1);
        await Store.EnsureTableAsync(Table, after);
        await Store.WriteAsync(Table, [new RecordBatch(["v"], [Row("A", 3, 1.5), Row("A", 4, 2.0)], DuplicateKeyHandling.Ignore)], 1);

        var rows = await Store.QueryAsync(Table, after, new KeySelector("A", null), Everything with { Oldest = true, Sort = SortOrder.Ascending });
        Assert.Equal([5.0, (double)(long.MaxValue / 1024), 1.5, 2.0], rows.Select(r => r.Values[0]));
        Assert.All(rows, r => Assert.IsType<double>(r.Values[0]));

        var equal = await Store.QueryAsync(Table, after, KeySelector.All, Everything with { Conditions = [new AttributeCondition("v", true, "5")] });
        Assert.Equal(1, Assert.Single(equal).Date);
    }

    [Fact]
    public async Task Concurrent_writers_all_land()
    {
        await Store.EnsureTableAsync(Table, Simple);
        const int writers = 8, calls = 10, rowsPerCall = 200;
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var c = 0; c < calls; c++)
            {
                var rows = Enumerable.Range(0, rowsPerCall).Select(r => Row($"W{w}", c * rowsPerCall + r, "s", (long)r, 1.0)).ToArray();
                var result = await WriteOne(Batch(w % 2 == 0 ? DuplicateKeyHandling.Ignore : DuplicateKeyHandling.Replace, rows));
                Assert.Equal(new WriteResult(rowsPerCall, rowsPerCall, 0), result);
            }
        }));
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) await Query(KeySelector.All, DataQuery.Latest);
        }));
        await Task.WhenAll(tasks.Concat(readers));
        Assert.Equal(writers * calls * rowsPerCall, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task One_call_writes_a_hundred_thousand_rows()
    {
        await Store.EnsureTableAsync(Table, Simple);
        const int count = 100_000;
        var rows = new RecordRow[count];
        for (var i = 0; i < count; i++) rows[i] = SubRow("K" + (i % 100), "", i, "sym", (long)i, i * 0.5);
        var result = await WriteOne(Batch(DuplicateKeyHandling.Ignore, rows));
        Assert.Equal(new WriteResult(count, count, 0), result);
        Assert.Equal(count, await Store.CountAsync(Table));

        var again = await WriteOne(Batch(DuplicateKeyHandling.Replace, rows[..1000]));
        Assert.Equal(new WriteResult(1000, 1000, 1000), again);
        Assert.Equal(count, await Store.CountAsync(Table));
    }
}
