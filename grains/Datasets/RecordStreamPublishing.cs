namespace Apperate.Actors.Datasets;

/// <summary>Helpers for publishers of the record stream.</summary>
public static class RecordStreamPublishing
{
    /// <summary>Items of at most this many records keep a stream item far below the memory stream's 1 MB cache block.</summary>
    public const int MaxItemRows = 2_000;

    /// <summary>True when a publish failed because the bounded stream queue is full (Orleans raises a plain exception for it).</summary>
    public static bool IsQueueFull(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e.Message.Contains("reached its maximum", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
