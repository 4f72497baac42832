using Nethereum.RPC.Eth.DTOs;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// Reading blocks in order with a few calls in flight: asking for block n also asks for the next
/// <see cref="Depth"/> confirmed blocks, so a backfill waits for one round trip per <see cref="Depth"/> blocks instead
/// of one per block. Blocks are still taken (and their parents checked) strictly in order; after a reorg or a block
/// the node did not serve, what was asked ahead is dropped and asked again.
/// </summary>
public sealed class BlockPrefetch(EthereumNode node, CancellationToken cancellationToken)
{
    /// <summary>How many blocks are asked for ahead of the one being read.</summary>
    public const int Depth = 8;

    private readonly Dictionary<long, Task<BlockWithTransactions?>> _asked = [];

    /// <summary>Block <paramref name="number"/> (null when not served), asking ahead up to <paramref name="confirmed"/>.</summary>
    public Task<BlockWithTransactions?> GetAsync(long number, long confirmed)
    {
        if (!_asked.Remove(number, out var block)) block = node.BlockAsync(number, cancellationToken);
        for (var next = number + 1; next <= Math.Min(confirmed, number + Depth); next++)
            if (!_asked.ContainsKey(next)) _asked[next] = node.BlockAsync(next, cancellationToken);
        return block;
    }

    /// <summary>Drops what was asked ahead (their answers, or failures, are not read).</summary>
    public void Clear()
    {
        foreach (var asked in _asked.Values) _ = asked.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _asked.Clear();
    }
}
