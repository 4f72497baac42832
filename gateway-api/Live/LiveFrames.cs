using System.Buffers;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Output;

namespace Apperate.Actors.Gateway.Live;

/// <summary>
/// The frames of a live subscription: data messages (default type) whose data is a JSON array of records, as
/// <c>GET /data</c> writes them, with the last record's commit sequence as the id; heartbeats; resets.
/// </summary>
public sealed class LiveFrames(string[]? filter, bool includeSystem)
{
    /// <summary>How long a client waits before reconnecting (the <c>retry:</c> field of the first frame).</summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(3);

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private PropertyDefinition[]? _source;
    private PropertyDefinition[]? _projected;
    private int[]? _positions;

    /// <summary>A data message of <paramref name="rows"/>; <paramref name="id"/> is the sequence to resume after, or null (events, a snapshot page).</summary>
    public SseItem<string> Records(PropertyDefinition[] properties, IReadOnlyList<StoredRow> rows, long? id)
    {
        Project(properties);
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, Json.WriterOptions with { SkipValidation = true }))
        {
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                if (_positions is null)
                {
                    RecordOutput.WriteRecord(writer, properties, row, includeSystem);
                    continue;
                }
                var values = new object?[_positions.Length];
                for (var i = 0; i < values.Length; i++) values[i] = _positions[i] < 0 ? null : row.Values[_positions[i]];
                RecordOutput.WriteRecord(writer, _projected!, row with { Values = values, Extra = null }, includeSystem);
            }
            writer.WriteEndArray();
        }
        var item = new SseItem<string>(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        return id is { } sequence ? item with { EventId = sequence.ToString(CultureInfo.InvariantCulture) } : item;
    }

    /// <summary><c>event: heartbeat</c> with the dataset's latest sequence this process has seen.</summary>
    public static SseItem<string> Heartbeat(long latest) => new($"{{\"seq\":{latest.ToString(CultureInfo.InvariantCulture)}}}", "heartbeat");

    /// <summary>The first frame: a heartbeat that also sets the client's reconnection delay.</summary>
    public static SseItem<string> First(long latest) => Heartbeat(latest) with { ReconnectionInterval = Retry };

    /// <summary><c>event: reset</c>: the position asked for cannot be resumed; a snapshot follows.</summary>
    public static SseItem<string> Reset(long latest, long asked) =>
        new($"{{\"seq\":{latest.ToString(CultureInfo.InvariantCulture)},\"lastEventId\":{asked.ToString(CultureInfo.InvariantCulture)}}}", "reset");

    /// <summary>True when two property lists are the same schema (commits from another process carry their own copy).</summary>
    public static bool Same(PropertyDefinition[] a, PropertyDefinition[] b) => ReferenceEquals(a, b) || a.AsSpan().SequenceEqual(b);

    private void Project(PropertyDefinition[] properties)
    {
        if (filter is null || (_source is not null && Same(properties, _source))) return;
        _source = properties;
        _positions = new int[filter.Length];
        _projected = new PropertyDefinition[filter.Length];
        for (var i = 0; i < filter.Length; i++)
        {
            _positions[i] = Array.FindIndex(properties, p => string.Equals(p.Name, filter[i], StringComparison.OrdinalIgnoreCase));
            _projected[i] = _positions[i] >= 0 ? properties[_positions[i]] : new PropertyDefinition(filter[i], PropertyType.String);
        }
    }
}
