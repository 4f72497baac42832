using System.Buffers;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using Apperate.Actors.Storage.Sqlite;
using Apperate.Actors.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Apperate.Actors.Bench;

/// <summary>
/// <c>--allocation-micro</c>: the bytes the async write path allocates per record in each stage it runs in process
/// (no service, no HTTP, no grain): parsing the request body, validating it into rows, the record stream's payload
/// written and read back (the Orleans serializer, as the record queue stores it), and the SQLite commit. Batches of
/// 100 bench records, after a warm-up; process-wide allocated bytes, so each stage counts the threads it uses.
/// </summary>
internal static class AllocationMicro
{
    private const int RecordsPerBatch = 100;

    public static async Task<int> RunAsync(int batches)
    {
        var validator = Payloads.Validator();
        var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(RecordBatch).Assembly).AddAssembly(typeof(RecordQueueAdapter).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var directory = Directory.CreateTempSubdirectory("apperate-alloc");
        using var store = new SqliteRecordStore(Path.Combine(directory.FullName, "records.db"));
        await store.EnsureTableAsync("t_alloc", validator.Schema.Properties);
        var body = new ArrayBufferWriter<byte>();
        var stages = new (string Name, long Bytes)[] { ("parse the JSON body (JsonDocument)", 0), ("validate into rows (RecordValidator)", 0),
            ("stream payload written (Orleans serializer)", 0), ("stream payload read back", 0), ("SQLite commit (SqliteRecordStore.WriteAsync)", 0) };
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long payloadBytes = 0;

        async Task OneAsync(long first, bool measure)
        {
            Payloads.WriteJsonBody(body, first, RecordsPerBatch);
            var t0 = GC.GetTotalAllocatedBytes(precise: true);
            using var document = JsonDocument.Parse(body.WrittenMemory);
            var t1 = GC.GetTotalAllocatedBytes(precise: true);
            var batch = validator.Validate(document.RootElement, now, RecordLimits.Default).Batch!;
            var t2 = GC.GetTotalAllocatedBytes(precise: true);
            var payload = serializer.SerializeToArray(new List<object> { batch });
            var t3 = GC.GetTotalAllocatedBytes(precise: true);
            var events = RecordQueueAdapter.Events(serializer, payload);
            var t4 = GC.GetTotalAllocatedBytes(precise: true);
            await store.WriteAsync("t_alloc", [(RecordBatch)events[0]], now);
            var t5 = GC.GetTotalAllocatedBytes(precise: true);
            if (!measure) return;
            payloadBytes += payload.Length;
            stages[0].Bytes += t1 - t0;
            stages[1].Bytes += t2 - t1;
            stages[2].Bytes += t3 - t2;
            stages[3].Bytes += t4 - t3;
            stages[4].Bytes += t5 - t4;
        }

        for (var i = 0; i < 200; i++) await OneAsync((long)i * RecordsPerBatch, measure: false);
        for (var i = 0; i < batches; i++) await OneAsync((long)(200 + i) * RecordsPerBatch, measure: true);

        var records = (double)batches * RecordsPerBatch;
        Console.WriteLine($"Bytes allocated per record, {batches:N0} batches of {RecordsPerBatch} bench records (one record is ~{body.WrittenCount / RecordsPerBatch} bytes of JSON):");
        foreach (var (name, bytes) in stages) Console.WriteLine($"  {name,-48} {bytes / records,8:N0} B");
        Console.WriteLine($"  {"all of these",-48} {stages.Sum(s => s.Bytes) / records,8:N0} B");
        Console.WriteLine($"The stream payload itself: {payloadBytes / records:N0} B per record.");
        store.Dispose();
        directory.Delete(recursive: true);
        return 0;
    }
}
