using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Apperate.Actors.Datasets;
using Microsoft.Extensions.Logging;
using Websocket.Client;

namespace Apperate.Actors.Connectors.Coinbase;

/// <summary>
/// COINBASE: the Exchange WebSocket market-data feed (Websocket.Client). Discovery subscribes to every channel in
/// <see cref="CoinbaseChannels"/> and offers those the feed accepts; a run subscribes to the selected channel plus
/// <c>heartbeat</c> for its products, again after every reconnect.
/// </summary>
/// <remarks>
/// The socket's receive loop only copies each message into an unbounded in-memory queue (the feed disconnects slow
/// consumers); parsing and batching happen on the reader's side. No message for <see cref="Watchdog"/> (heartbeats
/// arrive every second) reconnects. The feed's <c>error</c> messages are fatal; a connection that cannot be
/// (re)established ends the run so the connector retries with backoff. The checkpoint is the last stored
/// <c>sequence</c> per product: messages at or below it (re-sent after a reconnect) are skipped, and the unique
/// index stores any other repeat once.
/// </remarks>
public sealed partial class CoinbaseSource(ILoggerFactory loggers) : IConnectorSource
{
    /// <summary>No message at all for this long means the connection is dead.</summary>
    public static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    /// <summary>At most this many records per batch.</summary>
    public const int MaxBatchRows = 1_000;

    private readonly ILogger<CoinbaseSource> _logger = loggers.CreateLogger<CoinbaseSource>();

    /// <inheritdoc />
    public string ConnectorType => ConnectorSchemas.Coinbase;

    /// <inheritdoc />
    public async Task<SourceStream[]> DiscoverAsync(string configJson, CancellationToken cancellationToken)
    {
        var config = CoinbaseConfig.Parse(configJson);
        var inbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        using var client = NewClient(config.Url);
        client.IsReconnectionEnabled = false;
        using var received = client.MessageReceived.Subscribe(m => inbox.Writer.TryWrite(BytesOf(m)));
        await ConnectAsync(client, config.Url, cancellationToken);
        try
        {
            client.Send(SubscribeMessage(config.ProductIds, CoinbaseChannels.All.Select(c => c.Name)));
            var any = CoinbaseChannels.All[0];
            while (true)
            {
                var message = TickerParser.Parse(await inbox.Reader.ReadAsync(cancellationToken), any);
                switch (message.Kind)
                {
                    case FeedMessageKind.Error:
                        throw new ConnectorSourceException(message.Error!, fatal: true);
                    case FeedMessageKind.Subscriptions:
                        return CoinbaseChannels.All.Where(c => message.Channels!.Contains(c.Name)).Select(c => c.Stream).ToArray();
                }
            }
        }
        finally
        {
            await CloseAsync(client);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceRun run, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var config = CoinbaseConfig.Parse(run.ConfigJson);
        var channel = CoinbaseChannels.Find(run.Stream.Id)
            ?? throw new ConnectorSourceException($"'{run.Stream.Id}' is not a channel this connector reads", fatal: true);
        var columns = run.Stream.Columns;
        var sequences = ReadCheckpoint(run.Checkpoint);
        var subscribe = SubscribeMessage(config.ProductIds, channel.Name == "heartbeat" ? ["heartbeat"] : [channel.Name, "heartbeat"]);

        var inbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        using var client = NewClient(config.Url);
        client.ReconnectTimeout = Watchdog;
        client.LostReconnectTimeout = TimeSpan.Zero;
        client.ErrorReconnectTimeout = TimeSpan.FromSeconds(1);
        using var reconnected = client.ReconnectionHappened.Subscribe(info =>
        {
            // Every new connection must subscribe within 5 s or the feed closes it.
            client.Send(subscribe);
            if (info.Type != ReconnectionType.Initial) run.Monitor.Reconnected(info.Type.ToString());
        });
        using var disconnected = client.DisconnectionHappened.Subscribe(info =>
        {
            if (info.Type == DisconnectionType.Error)
                inbox.Writer.TryComplete(new ConnectorSourceException($"cannot reach {config.Url}: {info.Exception?.Message ?? "connection failed"}", fatal: false, info.Exception));
        });
        using var received = client.MessageReceived.Subscribe(m => inbox.Writer.TryWrite(BytesOf(m)));
        await ConnectAsync(client, config.Url, cancellationToken);
        LogSubscribed(config.Url, string.Join(",", config.ProductIds), channel.Name);
        try
        {
            var rows = new List<RecordRow>();
            while (true)
            {
                var first = await inbox.Reader.ReadAsync(cancellationToken);
                Accept(first);
                while (rows.Count < MaxBatchRows && inbox.Reader.TryRead(out var next)) Accept(next);
                if (rows.Count == 0) continue;
                yield return new SourceBatch(new RecordBatch(columns, rows.ToArray(), DuplicateKeyHandling.Ignore), WriteCheckpoint(sequences));
                rows.Clear();
            }

            void Accept(byte[] json)
            {
                var message = TickerParser.Parse(json, channel);
                switch (message.Kind)
                {
                    case FeedMessageKind.Error:
                        throw new ConnectorSourceException(message.Error!, fatal: true);
                    case FeedMessageKind.Data when message.Row is { } row:
                        if (message.Sequence is { } sequence && message.ProductId is { } product)
                        {
                            if (sequences.TryGetValue(product, out var last) && sequence <= last) return;
                            sequences[product] = sequence;
                        }
                        rows.Add(row);
                        return;
                    case FeedMessageKind.Data:
                        LogSkipped(channel.Name, message.Problem!);
                        return;
                }
            }
        }
        finally
        {
            await CloseAsync(client);
        }
    }

    private WebsocketClient NewClient(Uri url) =>
        new(url, loggers.CreateLogger<WebsocketClient>(), () => new ClientWebSocket { Options = { KeepAliveInterval = TimeSpan.FromSeconds(20) } })
        {
            Name = $"coinbase {url}",
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Bytes go straight to the parser: no string per message.
            IsTextMessageConversionEnabled = false,
        };

    private static async Task ConnectAsync(WebsocketClient client, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            await client.StartOrFail().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ConnectorSourceException($"cannot connect to {url}: {ex.Message}", fatal: false, ex);
        }
    }

    private static async Task CloseAsync(WebsocketClient client)
    {
        try
        {
            client.IsReconnectionEnabled = false;
            if (client.IsRunning) await client.Stop(WebSocketCloseStatus.NormalClosure, "done").WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // Closing politely is a courtesy; Dispose aborts the socket either way.
        }
    }

    private static byte[] BytesOf(ResponseMessage message) =>
        message.Binary ?? (message.Stream is { } stream ? stream.ToArray() : Encoding.UTF8.GetBytes(message.Text ?? ""));

    private static string SubscribeMessage(IEnumerable<string> products, IEnumerable<string> channels) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = "subscribe", ["product_ids"] = products.ToArray(), ["channels"] = channels.ToArray() });

    private static Dictionary<string, long> ReadCheckpoint(string? checkpoint) =>
        string.IsNullOrEmpty(checkpoint)
            ? new Dictionary<string, long>(StringComparer.Ordinal)
            : new Dictionary<string, long>(JsonSerializer.Deserialize<Dictionary<string, long>>(checkpoint)!, StringComparer.Ordinal);

    private static string WriteCheckpoint(Dictionary<string, long> sequences) => JsonSerializer.Serialize(sequences);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coinbase feed {Url}: reading {Channel} of {Products}")]
    private partial void LogSubscribed(Uri url, string products, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coinbase {Channel} message skipped: {Problem}")]
    private partial void LogSkipped(string channel, string problem);
}
