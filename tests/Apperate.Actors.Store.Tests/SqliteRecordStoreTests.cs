using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;
using Apperate.Actors.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Apperate.Actors.Tests.Storage;

/// <summary>The record-store contract against SQLite, one database file per test.</summary>
[Trait("Category", "Unit")]
public sealed class SqliteRecordStoreTests : RecordStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "apperate-sqlite-" + Guid.NewGuid().ToString("N"));
    private readonly List<SqliteRecordStore> stores = [];

    private string DatabasePath => Path.Combine(directory, "nested", "records.db");

    protected override IRecordStore CreateStore()
    {
        var store = new SqliteRecordStore(DatabasePath);
        stores.Add(store);
        return store;
    }

    protected override IRecordStore CreateStore(TimeSpan viewTimeLimit)
    {
        var store = new SqliteRecordStore(DatabasePath) { ViewTimeLimit = viewTimeLimit };
        stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in stores) store.Dispose();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task The_file_is_created_in_wal_mode_with_the_documented_layout()
    {
        await Store.EnsureTableAsync(Table, [new("p", PropertyType.Integer)]);
        Assert.True(File.Exists(DatabasePath));

        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());

        command.CommandText = $"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{Table}') ORDER BY cid";
        var columns = new List<string>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) columns.Add($"{reader.GetString(0)} {reader.GetString(1)} {reader.GetInt64(2)} {reader.GetInt64(3)}");
        Assert.Equal(
        [
            "_system_id INTEGER 0 1",
            "_system_key TEXT 1 0",
            "_system_subkey TEXT 1 0",
            "_system_date INTEGER 1 0",
            "_system_updated INTEGER 1 0",
            "_system_extra TEXT 0 0",
            "p INTEGER 0 0",
        ], columns);

        command.CommandText = $"SELECT COUNT(*) FROM pragma_index_list('{Table}') WHERE \"unique\" = 1";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public async Task A_table_of_an_older_version_continues_above_its_ids()
    {
        // Older versions gave rows SQLite's rowid and kept sequences in a column: new ids must stay above the old ones.
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE TABLE \"{Table}\" (_system_id INTEGER PRIMARY KEY, _system_key TEXT NOT NULL, _system_subkey TEXT NOT NULL DEFAULT '', " +
                "_system_date INTEGER NOT NULL, _system_updated INTEGER NOT NULL, _system_extra TEXT NULL, _system_seq INTEGER NULL, v TEXT); " +
                $"CREATE UNIQUE INDEX \"{Table}$key\" ON \"{Table}\" (_system_key, _system_date, _system_subkey); " +
                $"INSERT INTO \"{Table}\" (_system_id, _system_key, _system_date, _system_updated, v) VALUES (40, 'A', 1, 1, 'old');";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        Assert.Equal(40, await Store.LastSequenceAsync(Table));
        await Store.WriteAsync(Table, [new RecordBatch(["v"], [new RecordRow("B", "", 2, ["new"], null)], DuplicateKeyHandling.Ignore)], 5);

        var rows = await Store.QueryAsync(Table, [new("v", PropertyType.String)], KeySelector.All, DataQuery.Changes(0, 10));
        Assert.Equal([("A", 40L), ("B", 41L)], rows.Select(r => (r.Key, r.Id)));
        Assert.Equal(41, await Store.LastSequenceAsync(Table));
        Assert.Equal("B", Assert.Single(await Store.QueryAsync(Table, [new("v", PropertyType.String)], KeySelector.All, DataQuery.Changes(40, 10))).Key);
    }

    [Fact]
    public async Task Rows_survive_reopening_the_file()
    {
        await Store.EnsureTableAsync(Table, [new("v", PropertyType.String)]);
        await Store.WriteAsync(Table, [new RecordBatch(["v"], [new RecordRow("A", "", 1, ["kept"], null)], DuplicateKeyHandling.Ignore)], 1);
        foreach (var s in stores) s.Dispose();
        stores.Clear();

        using var reopened = new SqliteRecordStore(DatabasePath);
        var row = Assert.Single(await reopened.QueryAsync(Table, [new("v", PropertyType.String)], KeySelector.All, DataQuery.Latest));
        Assert.Equal("kept", row.Values[0]);
    }
}
