using Apperate.Actors.Storage.Queue;

namespace Apperate.Actors.Tests.Storage;

/// <summary>The record-queue contract on a SQLite file of its own per test.</summary>
[Trait("Category", "Unit")]
public sealed class SqliteRecordQueueTests : RecordQueueContract
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "apperate-queue-" + Guid.NewGuid().ToString("N"));

    protected override QueueDatabase Database() => new SqliteQueueDatabase(Path.Combine(directory, "queue.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }
}
