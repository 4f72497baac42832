using Apperate.Actors.Storage.Queue;

namespace Apperate.Actors.Tests.Storage;

/// <summary>The record-queue contract on MariaDB, a database of its own per test (the queue's tables have fixed names).</summary>
public sealed class MySqlRecordQueueTests(MySqlStoreFixture fixture) : RecordQueueContract, IClassFixture<MySqlStoreFixture>
{
    private string connectionString = "";

    public override async Task InitializeAsync() => connectionString = fixture.Server.ConnectionString(await fixture.Server.CreateDatabaseAsync("queue"));

    protected override QueueDatabase Database() => new MySqlQueueDatabase(connectionString);
}
