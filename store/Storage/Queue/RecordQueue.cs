using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Apperate.Actors.Telemetry;

namespace Apperate.Actors.Storage.Queue;

/// <summary>Limits of a <see cref="RecordQueue"/>.</summary>
public sealed record RecordQueueOptions
{
    /// <summary>Unacknowledged messages a queue may hold before enqueues to it fail with <see cref="QueueFullException"/>.</summary>
    public long MaxPendingPerQueue { get; init; } = 100_000;

    /// <summary>Messages one group commit takes at most.</summary>
    public int MaxMessagesPerCommit { get; init; } = 2_000;

    /// <summary>Where the group commits run (<see cref="Storage.WriteThreads"/>, below reads in priority); null: the thread pool.</summary>
    public WriteThreads? WriteThreads { get; init; }
}

/// <summary>
/// <see cref="IRecordQueue"/> over a <see cref="QueueDatabase"/>. Enqueues and acknowledgements wait in a channel; one
/// writer per process takes what is waiting and commits it in one transaction: it locks the heads of the queues and
/// streams involved (in sorted order, so writers of several processes never deadlock), deletes what is acknowledged,
/// gives each message the next sequence of its queue and of its stream, refuses the calls that would pass a queue's
/// limit, inserts the rest and commits. A queue's head
/// row stays locked until commit, so its sequence order is commit order.
/// </summary>
public sealed class RecordQueue : IRecordQueue, IAsyncDisposable
{
    private const int RowsPerInsert = 100;

    private readonly QueueDatabase _database;
    private readonly RecordQueueOptions _options;
    private readonly Channel<Pending> _waiting = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _ready = new(1, 1);
    private readonly Task _writer;
    private volatile bool _tablesReady;

    public RecordQueue(QueueDatabase database, RecordQueueOptions? options = null)
    {
        _database = database;
        _options = options ?? new RecordQueueOptions();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>A call waiting for the writer: messages to enqueue, or (with <see cref="AckQueue"/>) sequences to acknowledge.</summary>
    private sealed class Pending(IReadOnlyList<QueueItem> items, int ackQueue = -1, IReadOnlyList<long>? acks = null)
    {
        public IReadOnlyList<QueueItem> Items { get; } = items;
        public int AckQueue { get; } = ackQueue;
        public IReadOnlyList<long> Acks { get; } = acks ?? [];
        public TaskCompletionSource<QueuePosition[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public QueuePosition[]? Positions { get; set; }
        public Exception? Refused { get; set; }
    }

    /// <inheritdoc />
    public Task<QueuePosition[]> EnqueueAsync(IReadOnlyList<QueueItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            ArgumentException.ThrowIfNullOrEmpty(item.StreamKey);
            ArgumentNullException.ThrowIfNull(item.Payload);
        }
        if (items.Count == 0) return Task.FromResult(Array.Empty<QueuePosition>());
        var pending = new Pending(items);
        if (!_waiting.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(RecordQueue));
        // A cancellation after the writer took the call leaves it to commit: the caller cannot tell, as after any timeout.
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<QueuedMessage[]> ReadAsync(int queueId, long afterSequence, int max, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null,
            $"SELECT queue_id, seq, stream_key, stream_seq, payload, created FROM {QueueDatabase.MessagesTable} WHERE queue_id = @q AND seq > @a ORDER BY seq LIMIT @n",
            ("@q", queueId), ("@a", afterSequence), ("@n", (long)max));
        return await ReadMessagesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<QueuedMessage[]> ReadStreamAsync(string streamKey, long afterStreamSequence, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null,
            $"SELECT queue_id, seq, stream_key, stream_seq, payload, created FROM {QueueDatabase.MessagesTable} WHERE stream_key = @s AND stream_seq > @a ORDER BY stream_seq",
            ("@s", streamKey), ("@a", afterStreamSequence));
        return await ReadMessagesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<QueuedMessage[]> ReadMessagesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var messages = new List<QueuedMessage>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            messages.Add(new QueuedMessage(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetInt64(1), Text(reader.GetValue(2)),
                reader.GetInt64(3), (byte[])reader.GetValue(4), reader.GetInt64(5)));
        return [.. messages];
    }

    /// <inheritdoc />
    public Task AcknowledgeAsync(int queueId, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) return Task.CompletedTask;
        // Through the writer, so acknowledgements share the enqueues' transactions (one commit, one lock order).
        var pending = new Pending([], queueId, sequences);
        if (!_waiting.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(RecordQueue));
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long> ReadStartAsync(int queueId, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var oldest = Command(connection, null, $"SELECT MIN(seq) FROM {QueueDatabase.MessagesTable} WHERE queue_id = @q", ("@q", queueId));
        if (await oldest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull) return Convert.ToInt64(value, CultureInfo.InvariantCulture) - 1;
        await using var head = Command(connection, null, $"SELECT next_seq FROM {QueueDatabase.HeadsTable} WHERE queue_id = @q", ("@q", queueId));
        return await head.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } next and not DBNull ? Convert.ToInt64(next, CultureInfo.InvariantCulture) - 1 : 0;
    }

    /// <inheritdoc />
    public async Task<long> PendingAsync(int queueId, CancellationToken cancellationToken = default)
    {
        await OffCaller.Switch();
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT pending FROM {QueueDatabase.HeadsTable} WHERE queue_id = @q", ("@q", queueId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Stops taking enqueues and waits for the writer to finish what it holds.</summary>
    public async ValueTask DisposeAsync()
    {
        _waiting.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _ready.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _waiting.Reader;
        var group = new List<Pending>();
        // The writer's own connection, kept between commits (opened again after a failure).
        DbConnection? connection = null;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await WriteThreads.Enter(_options.WriteThreads);
            group.Clear();
            var messages = 0;
            while (messages < _options.MaxMessagesPerCommit && reader.TryRead(out var pending))
            {
                group.Add(pending);
                messages += pending.Items.Count + pending.Acks.Count;
            }
            try
            {
                connection ??= await _database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
                await CommitAsync(connection, group).ConfigureAwait(false);
                foreach (var p in group)
                {
                    if (p.Refused is { } refused) p.Done.TrySetException(refused);
                    else p.Done.TrySetResult(p.Positions!);
                }
            }
            catch (Exception ex)
            {
                foreach (var p in group) p.Done.TrySetException(ex);
                if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
                connection = null;
            }
        }
        if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CommitAsync(DbConnection connection, List<Pending> group)
    {
        await EnsureTablesAsync(CancellationToken.None).ConfigureAwait(false);
        var queues = group.SelectMany(p => p.Items).Select(i => i.QueueId).Concat(group.Where(p => p.AckQueue >= 0).Select(p => p.AckQueue))
            .Distinct().Order().ToArray();
        var streams = group.SelectMany(p => p.Items).Select(i => i.StreamKey).Distinct().Order(StringComparer.Ordinal).ToArray();

        await using var transaction = await _database.BeginWriteAsync(connection, CancellationToken.None).ConfigureAwait(false);
        var heads = new Dictionary<int, (long Next, long Pending)>();
        foreach (var queue in queues)
        {
            await using (var ensure = Command(connection, transaction, _database.EnsureHead, ("@q", queue))) await ensure.ExecuteNonQueryAsync().ConfigureAwait(false);
            await using var read = Command(connection, transaction, $"SELECT next_seq, pending FROM {QueueDatabase.HeadsTable} WHERE queue_id = @q{_database.ForUpdate}", ("@q", queue));
            await using var row = await read.ExecuteReaderAsync().ConfigureAwait(false);
            await row.ReadAsync().ConfigureAwait(false);
            heads[queue] = (row.GetInt64(0), row.GetInt64(1));
        }
        var streamHeads = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var stream in streams)
        {
            await using (var ensure = Command(connection, transaction, _database.EnsureStream, ("@s", stream))) await ensure.ExecuteNonQueryAsync().ConfigureAwait(false);
            await using var read = Command(connection, transaction, $"SELECT last_seq FROM {QueueDatabase.StreamsTable} WHERE stream_key = @s{_database.ForUpdate}", ("@s", stream));
            streamHeads[stream] = Convert.ToInt64(await read.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        // Acknowledgements first: the room they make is there for the enqueues of the same commit.
        foreach (var ack in group.Where(p => p.AckQueue >= 0))
        {
            var deleted = 0L;
            for (var start = 0; start < ack.Acks.Count; start += RowsPerInsert)
            {
                var chunk = ack.Acks.Skip(start).Take(RowsPerInsert).ToArray();
                var parameters = new List<(string, object)> { ("@q", ack.AckQueue) };
                for (var i = 0; i < chunk.Length; i++) parameters.Add(("@s" + i.ToString(CultureInfo.InvariantCulture), chunk[i]));
                await using var delete = Command(connection, transaction,
                    $"DELETE FROM {QueueDatabase.MessagesTable} WHERE queue_id = @q AND seq IN ({string.Join(", ", chunk.Select((_, i) => "@s" + i.ToString(CultureInfo.InvariantCulture)))})",
                    [.. parameters]);
                deleted += await delete.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            var (next, waiting) = heads[ack.AckQueue];
            heads[ack.AckQueue] = (next, waiting - deleted);
            ack.Positions = [];
        }

        var created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = new List<(QueueItem Item, long Sequence, long StreamSequence)>();
        foreach (var pending in group.Where(p => p.AckQueue < 0))
        {
            // All of a call's messages or none: refuse it when one of its queues would pass the limit.
            var refused = pending.Items.GroupBy(i => i.QueueId).FirstOrDefault(g => heads[g.Key].Pending + g.Count() > _options.MaxPendingPerQueue);
            if (refused is not null)
            {
                pending.Refused = new QueueFullException(refused.Key, heads[refused.Key].Pending, _options.MaxPendingPerQueue);
                continue;
            }
            var positions = new QueuePosition[pending.Items.Count];
            for (var i = 0; i < positions.Length; i++)
            {
                var item = pending.Items[i];
                var (next, waiting) = heads[item.QueueId];
                heads[item.QueueId] = (next + 1, waiting + 1);
                var streamSequence = streamHeads[item.StreamKey] + 1;
                streamHeads[item.StreamKey] = streamSequence;
                positions[i] = new QueuePosition(next, streamSequence);
                rows.Add((item, next, streamSequence));
            }
            pending.Positions = positions;
        }

        for (var start = 0; start < rows.Count; start += RowsPerInsert)
        {
            var chunk = rows.Skip(start).Take(RowsPerInsert).ToArray();
            var values = new StringBuilder();
            var parameters = new List<(string, object)>();
            for (var r = 0; r < chunk.Length; r++)
            {
                var n = r.ToString(CultureInfo.InvariantCulture);
                values.Append(r == 0 ? "" : ", ").Append($"(@q{n}, @s{n}, @k{n}, @t{n}, @p{n}, @c)");
                parameters.Add(("@q" + n, chunk[r].Item.QueueId));
                parameters.Add(("@s" + n, chunk[r].Sequence));
                parameters.Add(("@k" + n, chunk[r].Item.StreamKey));
                parameters.Add(("@t" + n, chunk[r].StreamSequence));
                parameters.Add(("@p" + n, chunk[r].Item.Payload));
            }
            parameters.Add(("@c", created));
            await using var insert = Command(connection, transaction,
                $"INSERT INTO {QueueDatabase.MessagesTable} (queue_id, seq, stream_key, stream_seq, payload, created) VALUES {values}", [.. parameters]);
            await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        foreach (var (queue, (next, waiting)) in heads)
        {
            await using var update = Command(connection, transaction, $"UPDATE {QueueDatabase.HeadsTable} SET next_seq = @n, pending = @p WHERE queue_id = @q", ("@n", next), ("@p", waiting), ("@q", queue));
            await update.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        foreach (var (stream, last) in streamHeads)
        {
            await using var update = Command(connection, transaction, $"UPDATE {QueueDatabase.StreamsTable} SET last_seq = @l WHERE stream_key = @s", ("@l", last), ("@s", stream));
            await update.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
        foreach (var (queue, (_, waiting)) in heads) ApperateMetrics.SetQueueDepth(queue, waiting);
    }

    private async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        if (_tablesReady) return;
        await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tablesReady) return;
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var statement in _database.CreateTables)
            {
                await using var command = Command(connection, null, statement);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            _tablesReady = true;
        }
        finally
        {
            _ready.Release();
        }
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string text, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    private static string Text(object value) => value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : (string)value;
}
