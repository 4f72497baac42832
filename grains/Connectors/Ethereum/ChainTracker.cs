using System.Text.Json.Nodes;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// The hashes of the last blocks read, to notice a reorg (a new block whose <c>parentHash</c> is not the stored hash
/// of the block before it) and to find the common ancestor. It is the ETHEREUM checkpoint.
/// </summary>
/// <remarks>
/// Keeps the last <see cref="Window"/> blocks: a reorg deeper than that re-reads the whole window. After a rewind, the
/// blocks up to <see cref="ReplaceThrough"/> that were stored from the orphaned chain are read again, and their
/// records are replaced (their keys deleted first).
/// </remarks>
public sealed class ChainTracker
{
    /// <summary>How many recent block hashes are kept.</summary>
    public const int Window = 128;

    private readonly SortedList<long, string> _hashes = [];
    private readonly Dictionary<long, long> _timestamps = [];

    /// <summary>The last block read, or null before the first.</summary>
    public long? Last => _hashes.Count == 0 ? null : _hashes.Keys[^1];

    /// <summary>The hash of the last block read.</summary>
    public string? LastHash => _hashes.Count == 0 ? null : _hashes.Values[^1];

    /// <summary>Blocks at or below this number were stored from a chain that has since been replaced.</summary>
    public long ReplaceThrough { get; private set; } = -1;

    /// <summary>The stored hash of block <paramref name="number"/>, if still in the window.</summary>
    public string? HashOf(long number) => _hashes.GetValueOrDefault(number);

    /// <summary>The block numbers in the window, newest first: the candidates for a common ancestor.</summary>
    public IEnumerable<long> NewestFirst() => _hashes.Keys.Reverse();

    /// <summary>False when block <paramref name="number"/> does not extend the chain read so far.</summary>
    public bool Extends(long number, string parentHash) =>
        HashOf(number - 1) is not { } parent || string.Equals(parent, parentHash, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the records of block <paramref name="number"/> replace ones stored from an orphaned chain.</summary>
    public bool Replaces(long number) => number <= ReplaceThrough;

    /// <summary>Records block <paramref name="number"/> as read (with its timestamp in Unix seconds, when known).</summary>
    public void Add(long number, string hash, long? timestamp = null)
    {
        while (_hashes.Count > 0 && _hashes.Keys[^1] >= number) Forget(_hashes.Count - 1);
        _hashes[number] = hash;
        if (timestamp is { } t) _timestamps[number] = t;
        while (_hashes.Count > Window) Forget(0);
    }

    /// <summary>The stored timestamp (Unix seconds) of block <paramref name="number"/>, if known.</summary>
    public long? TimestampOf(long number) => _timestamps.TryGetValue(number, out var t) ? t : null;

    private void Forget(int index)
    {
        _timestamps.Remove(_hashes.Keys[index]);
        _hashes.RemoveAt(index);
    }

    /// <summary>
    /// Forgets every block after <paramref name="ancestor"/> (the newest block both chains share, or one before the
    /// window when none is shared) and returns the next block to read.
    /// </summary>
    public long RewindTo(long ancestor)
    {
        if (Last is { } last) ReplaceThrough = Math.Max(ReplaceThrough, last);
        while (_hashes.Count > 0 && _hashes.Keys[^1] > ancestor) Forget(_hashes.Count - 1);
        return ancestor + 1;
    }

    /// <summary>The checkpoint text: <c>{"number","hash","replaceThrough","recent":[[number,hash(,timestamp)]…]}</c>.</summary>
    public string ToCheckpoint()
    {
        var recent = new JsonArray();
        foreach (var (number, hash) in _hashes)
            recent.Add(_timestamps.TryGetValue(number, out var t) ? new JsonArray(number, hash, t) : new JsonArray(number, hash));
        return new JsonObject
        {
            ["number"] = Last,
            ["hash"] = LastHash,
            ["replaceThrough"] = ReplaceThrough,
            ["recent"] = recent,
        }.ToJsonString();
    }

    /// <summary>Reads a checkpoint written by <see cref="ToCheckpoint"/>; null or empty is a fresh tracker.</summary>
    public static ChainTracker FromCheckpoint(string? checkpoint)
    {
        var tracker = new ChainTracker();
        if (string.IsNullOrEmpty(checkpoint)) return tracker;
        var root = JsonNode.Parse(checkpoint)!.AsObject();
        foreach (var entry in root["recent"]?.AsArray() ?? [])
        {
            var number = entry![0]!.GetValue<long>();
            tracker._hashes[number] = entry[1]!.GetValue<string>();
            if (entry.AsArray().Count > 2) tracker._timestamps[number] = entry[2]!.GetValue<long>();
        }
        if (tracker._hashes.Count == 0 && root["number"]?.GetValue<long>() is { } last && root["hash"]?.GetValue<string>() is { } hash)
            tracker._hashes[last] = hash;
        tracker.ReplaceThrough = root["replaceThrough"]?.GetValue<long>() ?? -1;
        return tracker;
    }
}
