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

    public void Dispose()
    {
        foreach (var store in stores) store.Dispose();
    }
}
