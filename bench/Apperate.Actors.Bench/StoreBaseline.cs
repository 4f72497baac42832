using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using Apperate.Actors.Storage.Sqlite;

namespace Apperate.Actors.Bench;

/// <summary>What one raw-store measurement did.</summary>
public sealed record StoreRun(int BatchRows, int CommitRows, long Rows, long Commits, double StoreSeconds, double RowsPerSecond, Latency CommitLatency, long StoredCount);

/// <summary>
/// The raw-store baseline: the product's <see cref="SqliteRecordStore"/> on a fresh temporary database (it sets the
/// same pragmas as in the service: WAL, <c>synchronous=FULL</c>), fed the same rows the service would store — the
/// bench's JSON bodies run through the same <see cref="RecordValidator"/> into <see cref="RecordBatch"/>es.
/// No HTTP, no Orleans. Only the <see cref="SqliteRecordStore.WriteAsync"/> calls are timed.
/// </summary>
public sealed class StoreBaseline(string directory)
{
    private readonly RecordValidator _validator = Payloads.Validator();
    private readonly IReadOnlyList<PropertyDefinition> _properties = Payloads.ParsedSchema().Schema.Properties;

    /// <summary>
    /// Writes rows in batches of <paramref name="batchRows"/> (one batch = one request's records), <paramref name="commitRows"/>
    /// rows per <c>WriteAsync</c> call (one transaction, as the dataset grain's group commit makes them), until
    /// <paramref name="maxRows"/> rows or <paramref name="maxStoreTime"/> of store time.
    /// </summary>
    public async Task<StoreRun> MeasureAsync(int batchRows, int commitRows, long maxRows, TimeSpan maxStoreTime)
    {
        batchRows = (int)Math.Min(batchRows, maxRows);
        var path = Path.Combine(directory, $"store-baseline-{Guid.NewGuid():N}.db");
        const string table = "bench";
        var body = new ArrayBufferWriter<byte>();
        var commitLatencies = new List<double>();
        long rows = 0, next = 0;
        var storeTicks = 0L;
        long stored;
        using (var store = new SqliteRecordStore(path))
        {
            await store.EnsureTableAsync(table, _properties);
            var batchesPerCommit = Math.Max(1, (int)Math.Min(commitRows, maxRows) / batchRows);
            while (rows < maxRows && Stopwatch.GetElapsedTime(0, storeTicks) < maxStoreTime)
            {
                var batches = new RecordBatch[batchesPerCommit];
                for (var b = 0; b < batches.Length; b++)
                {
                    Payloads.WriteJsonBody(body, next, batchRows, bareObject: batchRows == 1);
                    next += batchRows;
                    using var document = JsonDocument.Parse(body.WrittenMemory);
                    var outcome = _validator.Validate(document.RootElement, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RecordLimits.Default);
                    if (!outcome.IsValid) throw new InvalidOperationException($"the bench's own rows are invalid: {outcome.ToException().Message}");
                    batches[b] = outcome.Batch;
                }
                var updated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var started = Stopwatch.GetTimestamp();
                var results = await store.WriteAsync(table, batches, updated);
                var ended = Stopwatch.GetTimestamp();
                storeTicks += ended - started;
                commitLatencies.Add(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
                rows += results.Sum(r => r.Written);
            }
            stored = await store.CountAsync(table);
        }
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try { File.Delete(path + suffix); } catch (IOException) { }
        }
        var seconds = Stopwatch.GetElapsedTime(0, storeTicks).TotalSeconds;
        return new StoreRun(batchRows, commitRows, rows, commitLatencies.Count, seconds, seconds > 0 ? rows / seconds : 0, Latency.Of(commitLatencies), stored);
    }
}
