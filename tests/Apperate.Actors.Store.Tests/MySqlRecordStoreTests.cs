using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.MySql;
using Apperate.Actors.Tests.Infrastructure;
using MySqlConnector;

namespace Apperate.Actors.Tests.Storage;

/// <summary>One MariaDB server and one database shared by the MySQL record-store tests (every test uses its own tables).</summary>
public sealed class MySqlStoreFixture : IAsyncLifetime
{
    public MariaDbServer Server { get; } = new();

    public string Database { get; private set; } = "";

    public string ConnectionString => Server.ConnectionString(Database);

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        Database = await Server.CreateDatabaseAsync("records");
    }

    public async Task DisposeAsync()
    {
        await Server.ExecuteAsync(null, $"DROP DATABASE IF EXISTS `{Database}`");
        await Server.DisposeAsync();
    }
}

/// <summary>The record-store contract against MariaDB, plus what is particular to that engine.</summary>
public sealed class MySqlRecordStoreTests(MySqlStoreFixture fixture) : RecordStoreContract, IClassFixture<MySqlStoreFixture>, IDisposable
{
    private readonly List<MySqlRecordStore> stores = [];

    protected override IRecordStore CreateStore()
    {
        var store = new MySqlRecordStore(fixture.ConnectionString);
        stores.Add(store);
        return store;
    }

    protected override IRecordStore CreateStore(TimeSpan viewTimeLimit)
    {
        var store = new MySqlRecordStore(fixture.ConnectionString) { ViewTimeLimit = viewTimeLimit };
        stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in stores) store.Dispose();
    }

    private static readonly MySqlText Text = MySqlText.Validation;

    private static readonly PropertyDefinition[] Props =
    [
        new("name", PropertyType.String),
        new("qty", PropertyType.Integer),
        new("price", PropertyType.Number),
        new("ok", PropertyType.Boolean),
    ];

    private static readonly string[] PropColumns = ["name", "qty", "price", "ok"];

    private static DataQuery All => DataQuery.Latest with { Limit = null, Oldest = true, Sort = SortOrder.Ascending };

    private async Task<WriteResult> Write(DuplicateKeyHandling mode, long updated, params RecordRow[] rows) =>
        (await Store.WriteAsync(Table, [new RecordBatch(PropColumns, rows, mode)], updated)).Single();

    private async Task<List<string>> Rows(string sql)
    {
        await using var connection = new MySqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    [Fact]
    public async Task The_table_has_the_documented_layout()
    {
        await Store.EnsureTableAsync(Table, Props);
        var columns = await Rows($"SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLLATION_NAME, '-') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{Table}' ORDER BY ORDINAL_POSITION");
        Assert.Equal(
        [
            "_system_id bigint(20) NO -",
            "_system_key varbinary(1500) NO -",
            "_system_subkey varbinary(1500) NO -",
            "_system_date bigint(20) NO -",
            "_system_updated bigint(20) NO -",
            "_system_extra longtext YES utf8mb4_bin",
            "name longtext YES utf8mb4_nopad_bin",
            "qty bigint(20) YES -",
            "price double YES -",
            "ok tinyint(1) YES -",
        ], columns);
        var unique = await Rows($"SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{Table}' AND NON_UNIQUE = 0 GROUP BY INDEX_NAME ORDER BY INDEX_NAME");
        Assert.Equal(["PRIMARY _system_id", "_system_key_date_subkey _system_key,_system_date,_system_subkey"], unique);
        var others = await Rows($"SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{Table}' AND NON_UNIQUE = 1 GROUP BY INDEX_NAME ORDER BY INDEX_NAME");
        Assert.Equal(["_system_key_date _system_key,_system_date"], others);
    }

    [Fact]
    public async Task The_newest_rows_of_a_key_are_read_in_index_order_without_a_sort()
    {
        await Store.EnsureTableAsync(Table, Props);
        var rows = Enumerable.Range(0, 3_000).Select(i => new RecordRow("K" + (i % 3), "s" + (i % 7), i / 3, ["x", (long)i, 1.0, true], null)).ToArray();
        await Write(DuplicateKeyHandling.Ignore, 1, rows);
        var plan = Text.Select(Table, Props, new KeySelector("K1", null), DataQuery.Latest);
        await using var connection = new MySqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN " + plan.Sql;
        foreach (var (name, value) in plan.Parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var explained = string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={reader.GetValue(i)}"));
        Assert.Equal("_system_key_date", reader.GetString(reader.GetOrdinal("key")));
        Assert.DoesNotContain("filesort", explained, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Keys_of_exactly_1500_utf8_bytes_are_indexed_and_longer_ones_refused()
    {
        await Store.EnsureTableAsync(Table, Props);
        var key = string.Concat(Enumerable.Repeat("😀", 375));
        var subkey = new string('é', 750);
        Assert.Equal((1500, 1500), (System.Text.Encoding.UTF8.GetByteCount(key), System.Text.Encoding.UTF8.GetByteCount(subkey)));
        var other = key[..^2] + "😁";
        Assert.Equal(new WriteResult(3, 3, 0), await Write(DuplicateKeyHandling.Ignore, 1,
            new RecordRow(key, subkey, 1, ["a", 1L, 1.0, true], null),
            new RecordRow(other, subkey, 1, ["b", 2L, 1.0, true], null),
            new RecordRow(key, subkey[..^1] + "è", 1, ["c", 3L, 1.0, true], null)));
        Assert.Equal(new WriteResult(1, 1, 1), await Write(DuplicateKeyHandling.Replace, 2, new RecordRow(key, subkey, 1, ["d", 4L, 1.0, true], null)));
        var row = Assert.Single(await Store.QueryAsync(Table, Props, new KeySelector(key, subkey), All));
        Assert.Equal((key, subkey, "d"), (row.Key, row.Subkey, row.Values[0]));

        await Assert.ThrowsAsync<ArgumentException>(() => Write(DuplicateKeyHandling.Ignore, 1, new RecordRow(key + "a", "", 1, ["e", 1L, 1.0, true], null)));
        await Assert.ThrowsAsync<ArgumentException>(() => Write(DuplicateKeyHandling.Ignore, 1, new RecordRow("k", subkey + "a", 1, ["e", 1L, 1.0, true], null)));
        Assert.Equal(3, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Ignore_does_not_swallow_other_errors()
    {
        await Store.EnsureTableAsync(Table, Props);
        // INSERT IGNORE would store 0 with a warning; the store fails the call and stores nothing.
        await Assert.ThrowsAsync<MySqlException>(() => Write(DuplicateKeyHandling.Ignore, 1,
            new RecordRow("A", "", 1, ["x", 1L, 1.0, true], null),
            new RecordRow("A", "", 2, ["x", "not a number", 1.0, true], null)));
        Assert.Equal(0, await Store.CountAsync(Table));
    }

    [Fact]
    public async Task Rows_are_split_into_statements_without_changing_the_counts()
    {
        await Store.EnsureTableAsync(Table, Props);
        // More rows than one statement holds, and values large enough to split by size, with duplicates across the splits.
        var big = new string('v', 60_000);
        var rows = Enumerable.Range(0, 2_500).Select(i => new RecordRow("A", "", i % 2_200, [i % 50 == 0 ? big : "s", (long)i, 1.0, true], null)).ToArray();
        Assert.Equal(new WriteResult(2_500, 2_200, 300), await Write(DuplicateKeyHandling.Ignore, 1, rows));
        Assert.Equal(new WriteResult(2_500, 2_500, 2_500), await Write(DuplicateKeyHandling.Replace, 2, rows));
        var stored = await Store.QueryAsync(Table, Props, KeySelector.All, All);
        Assert.Equal(2_200, stored.Length);
        // The later of two rows with one date wins.
        Assert.Equal(2_200L, stored[0].Values[1]);
        Assert.Equal(2_199L, stored[^1].Values[1]);
    }

    [Fact]
    public async Task Two_stores_adding_the_same_columns_at_once_both_succeed()
    {
        await Store.EnsureTableAsync(Table, Props);
        PropertyDefinition[] wider = [.. Props, new("note", PropertyType.String), new("n2", PropertyType.Number)];
        using var other = new MySqlRecordStore(fixture.ConnectionString);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).EnsureTableAsync(Table, wider))));
        var row = new RecordRow("A", "", 1, ["x", 1L, 1.0, true, "note", 2.5], null);
        await Store.WriteAsync(Table, [new RecordBatch([.. wider.Select(p => p.Name)], [row], DuplicateKeyHandling.Ignore)], 1);
        Assert.Equal(row.Values, Assert.Single(await other.QueryAsync(Table, wider, KeySelector.All, All)).Values);
    }

    [Fact]
    public async Task A_connection_string_without_a_database_is_refused_and_an_unreachable_server_does_not_answer_ping()
    {
        Assert.Throws<ArgumentException>(() => new MySqlRecordStore(fixture.Server.ConnectionString(null)));
        var unreachable = new MySqlConnectionStringBuilder(fixture.ConnectionString) { Port = 1, ConnectionTimeout = 2 };
        using var store = new MySqlRecordStore(unreachable.ConnectionString);
        Assert.False(await store.PingAsync());
    }
}
