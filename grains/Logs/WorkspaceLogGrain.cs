using Apperate.Actors.Datasets;
using Apperate.Actors.Storage;

namespace Apperate.Actors.Logs;

/// <summary>A workspace's log, kept in a record-store table keyed by time.</summary>
public sealed class WorkspaceLogGrain(IRecordStore store) : Grain, IWorkspaceLogGrain
{
    private static readonly string[] Columns = Array.ConvertAll(SystemTables.LogColumns, c => c.Name);
    private bool _tableReady;
    private long _sequence;

    private string Table => SystemTables.WorkspaceLog(this.GetPrimaryKeyString());

    /// <inheritdoc />
    public async Task AppendAsync(LogEntry entry)
    {
        await EnsureTableAsync();
        // The subkey keeps entries of the same millisecond apart.
        var subkey = $"{Environment.TickCount64:x}-{++_sequence:x}";
        var row = new RecordRow("log", subkey, entry.Timestamp, [entry.Level, entry.Source, entry.SourceId, entry.Message], null);
        await store.WriteAsync(Table, [new RecordBatch(Columns, [row], DuplicateKeyHandling.Ignore)], entry.Timestamp);
    }

    /// <inheritdoc />
    public async Task<LogEntry[]> QueryAsync(long from, long to, int limit)
    {
        await EnsureTableAsync();
        var rows = await store.QueryAsync(Table, SystemTables.LogColumns, new KeySelector("log", null), SystemTables.OldestFirst(from, to, limit, 0));
        return Array.ConvertAll(rows, r => new LogEntry(r.Date, (string)r.Values[0]!, (string)r.Values[1]!, r.Values[2] as string, (string)r.Values[3]!));
    }

    private async Task EnsureTableAsync()
    {
        if (_tableReady) return;
        await store.EnsureTableAsync(Table, SystemTables.LogColumns);
        _tableReady = true;
    }
}
