using System.Runtime.CompilerServices;
using Apperate.Actors.Datasets;
using Nethereum.RPC.Eth.DTOs;

namespace Apperate.Actors.Connectors.Ethereum;

// The logs stream: contract event logs read with eth_getLogs over bounded block ranges.
public sealed partial class EthereumSource
{
    /// <summary>The first block range of an <c>eth_getLogs</c> call; it halves when the node says a range holds too many logs and grows back after.</summary>
    public const int InitialLogRange = 2_000;

    /// <summary>The largest block range asked for at once.</summary>
    public const int MaxLogRange = 10_000;

    /// <summary>How far back a reorg looks for the first block of the ancestor's second (blocks of one second share a date).</summary>
    private const int MaxSameSecondBlocks = 1_000;

    /// <summary>
    /// Reads logs from <paramref name="next"/> on, in block ranges up to the confirmed head. Each range's first block
    /// must extend the last one read (its parent hash), and every log must come from the block whose header was read
    /// with it, or the chain moved: then the run finds the common ancestor, deletes every record dated from the
    /// ancestor's second on (logs are keyed by contract, so an orphaned block's logs are found by date) and reads again
    /// from the first block of that second.
    /// </summary>
    private async IAsyncEnumerable<SourceBatch> ReadLogsAsync(SourceRun run, EthereumConfig config, EthereumNode node, ChainTracker tracker, long next,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var columns = run.Stream.Columns;
        var range = InitialLogRange;
        long? replacedFrom = null;
        while (true)
        {
            var confirmed = await node.HeadAsync(cancellationToken) - config.Confirmations;
            if (next > confirmed)
            {
                await WaitForHeadAsync(node, config.PollInterval, cancellationToken);
                continue;
            }
            var to = Math.Min(confirmed, next + range - 1);
            var first = await node.HeaderAsync(next, cancellationToken);
            var last = to == next ? first : await node.HeaderAsync(to, cancellationToken);
            if (first is null || last is null)
            {
                // Not served yet although the head says so (a load-balanced node): wait like at the head.
                await WaitForHeadAsync(node, config.PollInterval, cancellationToken);
                continue;
            }
            if (!tracker.Extends(next, Decode(next, () => EthereumRecords.Header(first)).ParentHash))
            {
                var (from, deleteFrom) = await RewindLogsAsync(node, tracker, next, config.Url, cancellationToken);
                next = from;
                replacedFrom = Math.Min(replacedFrom ?? long.MaxValue, deleteFrom);
                continue;
            }
            var logs = await node.LogsAsync(next, to, config.Addresses, config.Topics, cancellationToken);
            if (logs is null)
            {
                if (range == 1) throw new ConnectorSourceException($"{config.Url} refuses the logs of block {next} as too many", fatal: false);
                range = Math.Max(1, range / 2);
                continue;
            }

            // The header of every block with logs: its date, and proof that the logs are of the chain being read.
            var headers = new SortedDictionary<long, BlockWithTransactionHashes> { [next] = first, [to] = last };
            var moved = false;
            foreach (var number in logs.Select(l => Decode(next, () => EthereumNode.ToInt64(l.BlockNumber, "blockNumber"))).Distinct())
            {
                if (!headers.ContainsKey(number)) headers[number] = await node.HeaderAsync(number, cancellationToken) ?? new BlockWithTransactionHashes();
                if (logs.Any(l => EthereumNode.ToInt64(l.BlockNumber, "blockNumber") == number && !string.Equals(l.BlockHash, headers[number].BlockHash, StringComparison.OrdinalIgnoreCase)))
                    moved = true;
            }
            if (moved) continue;

            var rows = logs
                .OrderBy(l => EthereumNode.ToInt64(l.BlockNumber, "blockNumber")).ThenBy(l => EthereumNode.ToInt64(l.LogIndex, "logIndex"))
                .Select(l =>
                {
                    var number = EthereumNode.ToInt64(l.BlockNumber, "blockNumber");
                    return Decode(number, () => EthereumRecords.Log(l, EthereumNode.ToInt64(headers[number].Timestamp, "timestamp"), config.Abi));
                })
                .ToArray();
            foreach (var (number, header) in headers)
                tracker.Add(number, Decode(number, () => EthereumRecords.Header(header)).Hash, EthereumNode.ToInt64(header.Timestamp, "timestamp"));

            // Large ranges are written in parts; only the last carries the checkpoint (a crash re-reads the range onto the same keys).
            var parts = rows.Chunk(MaxBatchRows).ToList();
            if (parts.Count == 0) parts.Add([]);
            for (var i = 0; i < parts.Count; i++)
            {
                yield return new SourceBatch(new RecordBatch(columns, parts[i], DuplicateKeyHandling.Replace), i == parts.Count - 1 ? tracker.ToCheckpoint() : null,
                    ReplacedFrom: i == 0 ? replacedFrom : null);
            }
            replacedFrom = null;
            next = to + 1;
            range = Math.Min(MaxLogRange, range * 2);
        }
    }

    /// <summary>
    /// After a reorg: the block to read again (the first block of the common ancestor's second) and the date from which
    /// stored logs are deleted (that second, in epoch ms).
    /// </summary>
    private async Task<(long Next, long ReplacedFrom)> RewindLogsAsync(EthereumNode node, ChainTracker tracker, long at, Uri url, CancellationToken cancellationToken)
    {
        var ancestor = Math.Max(0, await CommonAncestorAsync(node, tracker, cancellationToken));
        var header = await node.HeaderAsync(ancestor, cancellationToken)
            ?? throw new ConnectorSourceException($"{url} does not serve block {ancestor} after a reorg", fatal: false);
        var second = EthereumNode.ToInt64(header.Timestamp, "timestamp");
        var from = ancestor;
        for (var steps = 0; from > 0 && steps < MaxSameSecondBlocks; steps++)
        {
            var before = await node.HeaderAsync(from - 1, cancellationToken);
            if (before is null || EthereumNode.ToInt64(before.Timestamp, "timestamp") < second) break;
            from--;
        }
        LogReorg(url, at, ancestor, tracker.Last ?? -1);
        tracker.RewindTo(from - 1);
        return (from, second * 1000);
    }
}
