using System.Runtime.CompilerServices;
using Apperate.Actors.Datasets;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// ETHEREUM: blocks or transactions from a JSON-RPC node, read with Nethereum (<see cref="EthereumNode"/>). Over HTTP the head is polled every <c>pollIntervalMs</c>;
/// over WebSocket the run subscribes to <c>newHeads</c> and reads as soon as a head is announced (polling as well,
/// so a lost notification only delays).
/// </summary>
/// <remarks>
/// Blocks are read in order with <c>eth_getBlockByNumber(n, true)</c>, only once <c>confirmations</c> blocks are
/// mined on top of them. Each block's <c>parentHash</c> is checked against the stored hash of the block before it
/// (<see cref="ChainTracker"/>); on a mismatch the run walks back to the common ancestor and reads the new chain from
/// there, deleting the orphaned blocks' keys before writing their replacements. The checkpoint is the last block's
/// number and hash with the recent hashes, so a resume after a restart neither skips nor repeats a block and still
/// notices a reorg that happened while it was down.
/// </remarks>
public sealed partial class EthereumSource(ILoggerFactory loggers) : IConnectorSource
{
    /// <summary>At most this many blocks per batch.</summary>
    public const int MaxBatchBlocks = 100;

    /// <summary>At most about this many records per batch (a block's transactions are never split).</summary>
    public const int MaxBatchRows = 2_000;

    private readonly ILogger<EthereumSource> _logger = loggers.CreateLogger<EthereumSource>();

    /// <inheritdoc />
    public string ConnectorType => ConnectorSchemas.Ethereum;

    /// <inheritdoc />
    public async Task<SourceStream[]> DiscoverAsync(string configJson, CancellationToken cancellationToken)
    {
        var config = EthereumConfig.Parse(configJson);
        await using var node = EthereumNode.Connect(config.Url);
        var chainId = await node.ChainIdAsync(cancellationToken);
        LogDiscovered(config.Url, chainId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return EthereumRecords.All(config.Abi);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var config = EthereumConfig.Parse(run.ConfigJson);
        var transactions = run.Stream.Id switch
        {
            "blocks" or "logs" => false,
            "transactions" => true,
            _ => throw new ConnectorSourceException($"'{run.Stream.Id}' is not a stream this connector reads", fatal: true),
        };
        var tracker = ChainTracker.FromCheckpoint(run.Checkpoint);
        await using var node = EthereumNode.Connect(config.Url);
        var chainId = await node.ChainIdAsync(cancellationToken);
        if (config.IsWebSocket) await node.SubscribeNewHeadsAsync(cancellationToken);

        long next;
        if (tracker.Last is { } last) next = last + 1;
        else if (config.StartBlock is { } start) next = start;
        else next = Math.Max(0, await node.HeadAsync(cancellationToken) - config.Confirmations);
        LogReading(config.Url, chainId.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Stream.Id, next);
        if (run.Stream.Id == "logs")
        {
            await foreach (var batch in ReadLogsAsync(run, config, node, tracker, next, cancellationToken)) yield return batch;
            yield break;
        }

        var columns = run.Stream.Columns;
        var rows = new List<RecordRow>();
        var deletes = new List<string>();
        var ahead = new BlockPrefetch(node, cancellationToken);
        while (true)
        {
            var confirmed = await node.HeadAsync(cancellationToken) - config.Confirmations;
            var blocks = 0;
            var reorgAt = -1L;
            var unavailable = false;
            while (next <= confirmed && blocks < MaxBatchBlocks && rows.Count < MaxBatchRows)
            {
                var block = await ahead.GetAsync(next, confirmed);
                if (block is null)
                {
                    // Not served yet although the head says so (a load-balanced node): wait like at the head.
                    unavailable = true;
                    ahead.Clear();
                    break;
                }
                var (number, hash, parentHash) = Decode(next, () => EthereumRecords.Header(block));
                if (!tracker.Extends(number, parentHash))
                {
                    reorgAt = number;
                    ahead.Clear();
                    break;
                }
                if (tracker.Replaces(number)) deletes.Add(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (transactions) rows.AddRange(Decode(number, () => EthereumRecords.TransactionsOf(block)));
                else rows.Add(Decode(number, () => EthereumRecords.Block(block)));
                tracker.Add(number, hash);
                blocks++;
                next = number + 1;
            }

            if (blocks > 0)
            {
                yield return new SourceBatch(new RecordBatch(columns, rows.ToArray(), DuplicateKeyHandling.Replace), tracker.ToCheckpoint(),
                    deletes.Count == 0 ? null : deletes.ToArray());
                rows.Clear();
                deletes.Clear();
            }

            if (reorgAt >= 0)
            {
                var ancestor = await CommonAncestorAsync(node, tracker, cancellationToken);
                LogReorg(config.Url, reorgAt, ancestor, tracker.Last ?? -1);
                next = tracker.RewindTo(ancestor);
                continue;
            }
            if (!unavailable && next <= confirmed) continue;
            await WaitForHeadAsync(node, config.PollInterval, cancellationToken);
        }
    }

    /// <summary>The newest block in the tracker's window whose hash the node still has; one before the window when none.</summary>
    private static async Task<long> CommonAncestorAsync(EthereumNode node, ChainTracker tracker, CancellationToken cancellationToken)
    {
        var oldest = -1L;
        foreach (var number in tracker.NewestFirst())
        {
            oldest = number;
            if (string.Equals(await node.HashOfAsync(number, cancellationToken), tracker.HashOf(number), StringComparison.OrdinalIgnoreCase)) return number;
        }
        return oldest - 1;
    }

    private static async Task WaitForHeadAsync(EthereumNode node, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        if (node.NewHeads is not { } heads)
        {
            await Task.Delay(pollInterval, cancellationToken);
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(pollInterval);
        try
        {
            await heads.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ConnectorSourceException($"lost the connection to {node.Url}: {ex.Message}", fatal: false, ex);
        }
        // One read covers every head announced so far.
        while (heads.TryRead(out _)) { }
    }

    private static T Decode<T>(long number, Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (FormatException ex)
        {
            throw new ConnectorSourceException(number < 0 ? $"the node sent a malformed answer: {ex.Message}" : $"block {number} is malformed: {ex.Message}", fatal: false, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ethereum node {Url} answers for chain {ChainId}")]
    private partial void LogDiscovered(Uri url, string chainId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ethereum node {Url} (chain {ChainId}): reading {Stream} from block {Block}")]
    private partial void LogReading(Uri url, string chainId, string stream, long block);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ethereum node {Url}: reorg at block {Block}, common ancestor {Ancestor}, replacing blocks up to {Last}")]
    private partial void LogReorg(Uri url, long block, long ancestor, long last);
}
