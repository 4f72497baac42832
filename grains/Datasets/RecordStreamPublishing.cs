using Orleans.Streams;

namespace Apperate.Actors.Datasets;

/// <summary>What became of one item offered to a dataset's record stream.</summary>
public enum PublishOutcome
{
    /// <summary>The item is on the stream and counted by the <see cref="WriteTracker"/>.</summary>
    Published,

    /// <summary>The stream's bounded queue refused it; nothing was queued.</summary>
    QueueFull,

    /// <summary>Shutdown has begun, so a drain might not wait for it; nothing was queued.</summary>
    Draining,
}

/// <summary>What became of one item offered to the record stream, and its sequence number in the publishing process's <see cref="WriteTracker"/>.</summary>
public readonly record struct PublishResult(PublishOutcome Outcome, long Sequence);

/// <summary>The one way items are put on the record stream, shared by every publisher (the gateway, connectors).</summary>
public static class RecordStreamPublishing
{
    /// <summary>Items of at most this many records keep a stream item far below the memory stream's 1 MB cache block.</summary>
    public const int MaxItemRows = 2_000;

    /// <summary>
    /// Counts <paramref name="item"/> as accepted for <paramref name="datasetKey"/>, then publishes it with its receipt;
    /// when it is not published (queue full, shutdown begun, or any failure) the count is taken back, so drains and
    /// barriers only wait for items that are really on the stream.
    /// </summary>
    /// <remarks>Draining is checked after counting: a drain that began earlier might not include this item.</remarks>
    public static async Task<PublishResult> PublishAsync(WriteTracker tracker, string datasetKey, IAsyncStream<RecordBatch> stream, RecordBatch item)
    {
        var receipted = tracker.Accept(datasetKey, item);
        var sequence = receipted.Receipt!.Sequence;
        if (tracker.IsDraining)
        {
            tracker.Acknowledge(sequence);
            return new(PublishOutcome.Draining, sequence);
        }
        try
        {
            await stream.OnNextAsync(receipted);
            return new(PublishOutcome.Published, sequence);
        }
        catch (Exception ex) when (IsQueueFull(ex))
        {
            tracker.Acknowledge(sequence);
            return new(PublishOutcome.QueueFull, sequence);
        }
        catch
        {
            tracker.Acknowledge(sequence);
            throw;
        }
    }

    /// <summary>True when a publish failed because the bounded stream queue is full (Orleans raises a plain exception for it).</summary>
    public static bool IsQueueFull(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e.Message.Contains("reached its maximum", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
