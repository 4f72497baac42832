using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors.Coinbase;

/// <summary>What a feed message is.</summary>
public enum FeedMessageKind
{
    /// <summary>A data message of the channel being read (<see cref="FeedMessage.Row"/> is set, or <see cref="FeedMessage.Problem"/>).</summary>
    Data,
    /// <summary>The feed's answer to a subscribe (<see cref="FeedMessage.Channels"/>).</summary>
    Subscriptions,
    /// <summary>The feed refused something (<see cref="FeedMessage.Error"/>).</summary>
    Error,
    /// <summary>Anything else (heartbeats of another channel, unknown types): ignored.</summary>
    Other,
}

/// <summary>One parsed feed message.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="ProductId">Its <c>product_id</c>, when it has one.</param>
/// <param name="Sequence">Its <c>sequence</c>, when it has one.</param>
/// <param name="Row">A data message as a record aligned with the channel's columns.</param>
/// <param name="Problem">Why a data message could not become a record.</param>
/// <param name="Error">An error message's <c>message</c> and <c>reason</c>, as one text.</param>
/// <param name="Channels">The channel names of a <c>subscriptions</c> message.</param>
public sealed record FeedMessage(FeedMessageKind Kind, string? ProductId, long? Sequence, RecordRow? Row, string? Problem, string? Error, string[]? Channels);

/// <summary>
/// Parses Exchange feed messages (UTF-8 JSON) in one forward pass. Data messages become records of a channel's
/// columns: decimal strings (<c>"50000.12"</c>) become numbers, integer ids integers, <c>time</c> the record's date.
/// </summary>
public static class TickerParser
{
    /// <summary>Parses one message for <paramref name="channel"/>; malformed JSON is a <see cref="FeedMessageKind.Other"/> with a problem.</summary>
    public static FeedMessage Parse(ReadOnlySpan<byte> json, CoinbaseChannel channel)
    {
        try
        {
            return ParseCore(json, channel);
        }
        catch (JsonException ex)
        {
            return new FeedMessage(FeedMessageKind.Other, null, null, null, $"malformed message: {ex.Message}", null, null);
        }
    }

    private static FeedMessage ParseCore(ReadOnlySpan<byte> json, CoinbaseChannel channel)
    {
        var columns = channel.Stream.Schema.Properties;
        var values = new object?[columns.Length];
        string? type = null, productId = null, message = null, reason = null, problem = null;
        long? sequence = null;
        List<string>? channels = null;

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return new FeedMessage(FeedMessageKind.Other, null, null, null, "not a JSON object", null, null);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8)) { reader.Read(); type = StringOf(ref reader); continue; }
            if (reader.ValueTextEquals("message"u8)) { reader.Read(); message = StringOf(ref reader); continue; }
            if (reader.ValueTextEquals("reason"u8)) { reader.Read(); reason = StringOf(ref reader); continue; }
            if (reader.ValueTextEquals("channels"u8)) { reader.Read(); channels = ChannelsOf(ref reader); continue; }
            var column = -1;
            for (var c = 0; c < columns.Length; c++)
            {
                if (reader.ValueTextEquals(columns[c].Name)) { column = c; break; }
            }
            var isProduct = reader.ValueTextEquals("product_id"u8);
            var isSequence = reader.ValueTextEquals("sequence"u8);
            reader.Read();
            if (isProduct) productId = StringOf(ref reader);
            if (isSequence && TryInteger(ref reader, out var s)) sequence = s;
            if (column >= 0)
            {
                if (!TryValue(ref reader, columns[column].Type, out values[column]))
                {
                    problem ??= $"{columns[column].Name} is not {Describe(columns[column].Type)}";
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
        }

        switch (type)
        {
            case "error":
                return new FeedMessage(FeedMessageKind.Error, productId, sequence, null, null,
                    reason is null ? message ?? "the feed reported an error" : message is null ? reason : $"{message}: {reason}", null);
            case "subscriptions":
                return new FeedMessage(FeedMessageKind.Subscriptions, null, null, null, null, null, channels?.ToArray() ?? []);
        }
        if (type is null || Array.IndexOf(channel.MessageTypes, type) < 0)
            return new FeedMessage(FeedMessageKind.Other, productId, sequence, null, null, null, null);
        if (problem is not null) return new FeedMessage(FeedMessageKind.Data, productId, sequence, null, problem, null, null);

        var mapping = channel.Stream.ColumnMapping;
        var schema = channel.Stream.Schema;
        var key = values[schema.IndexOf(mapping.Key)] as string;
        var subkey = values[schema.IndexOf(mapping.Subkey!)];
        var date = values[schema.IndexOf(mapping.Date!)] as string;
        if (key is null || subkey is null || date is null)
            return new FeedMessage(FeedMessageKind.Data, productId, sequence, null,
                $"a {type} message needs {mapping.Key}, {mapping.Subkey} and {mapping.Date}", null, null);
        DateValues.TryParseDateTime(date, out var epochMs);
        var row = new RecordRow(key, Convert.ToString(subkey, CultureInfo.InvariantCulture)!, epochMs, values, null);
        return new FeedMessage(FeedMessageKind.Data, productId, sequence, row, null, null, null);
    }

    private static bool TryValue(ref Utf8JsonReader reader, PropertyType type, out object? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        switch (type)
        {
            case PropertyType.Number:
                {
                    double d;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        // The feed sends decimals as strings; parse them from the bytes without allocating a string.
                        if (reader.ValueIsEscaped || !Utf8Parser.TryParse(reader.ValueSpan, out d, out var used) || used != reader.ValueSpan.Length || !double.IsFinite(d))
                            return false;
                    }
                    else if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out d))
                    {
                        return false;
                    }
                    value = d;
                    return true;
                }
            case PropertyType.Integer:
                if (!TryInteger(ref reader, out var n)) return false;
                value = n;
                return true;
            case PropertyType.DateTime:
                if (reader.TokenType != JsonTokenType.String) return false;
                var text = reader.GetString()!;
                if (!DateValues.TryParseDateTime(text, out _)) return false;
                value = text;
                return true;
            default:
                if (reader.TokenType != JsonTokenType.String) return false;
                value = reader.GetString();
                return true;
        }
    }

    private static bool TryInteger(ref Utf8JsonReader reader, out long value)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.TryGetInt64(out value);
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
            return Utf8Parser.TryParse(reader.ValueSpan, out value, out var used) && used == reader.ValueSpan.Length;
        value = 0;
        return false;
    }

    private static string? StringOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        reader.Skip();
        return null;
    }

    /// <summary><c>"channels"</c> of a subscriptions message: names, or objects with a <c>name</c>.</summary>
    private static List<string>? ChannelsOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }
        var names = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                names.Add(reader.GetString()!);
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isName = reader.ValueTextEquals("name"u8);
                    reader.Read();
                    if (isName && reader.TokenType == JsonTokenType.String) names.Add(reader.GetString()!);
                    else reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }
        }
        return names;
    }

    private static string Describe(PropertyType type) => type switch
    {
        PropertyType.Number => "a decimal number",
        PropertyType.Integer => "an integer",
        PropertyType.DateTime => "an ISO 8601 date-time",
        _ => "a string",
    };
}
