using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Engine;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>
/// The body of an alert, as stored in the outbox and sent unchanged on every attempt:
/// <c>{"type":"rule.triggered","timestamp":…,"data":{alertId, ruleId, ruleName, ruleVersion, outputId, workspace,
/// datasetId, key, subkey, date, sequence, facts, additional, conditions, record}}</c>.
/// </summary>
/// <remarks>
/// <c>timestamp</c> is when the alert was raised (the commit); <c>date</c> is the record's own index date, epoch ms,
/// like <c>key</c> and <c>subkey</c>. A log output's entries are the <c>data</c> objects.
/// </remarks>
public static class AlertBody
{
    /// <summary>The event type of every alert.</summary>
    public const string Type = "rule.triggered";

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>An alert's body as JSON text.</summary>
    public static string Build(AlertSubject subject, string alertId, RuleOutput output, long created)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", Type);
            writer.WriteString("timestamp", Timestamp(created));
            writer.WriteStartObject("data");
            WriteData(writer, subject, alertId, output);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>ISO 8601 UTC with milliseconds.</summary>
    public static string Timestamp(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteData(Utf8JsonWriter writer, AlertSubject s, string alertId, RuleOutput output)
    {
        var rule = s.Rule.Compiled;
        var definition = rule.Definition;
        var row = s.Row;
        writer.WriteString("alertId", alertId);
        writer.WriteString("ruleId", definition.Id);
        writer.WriteString("ruleName", definition.Name);
        writer.WriteNumber("ruleVersion", definition.Version);
        writer.WriteString("outputId", output.Id);
        writer.WriteString("workspace", definition.Workspace);
        writer.WriteString("datasetId", s.Dataset.DatasetId);
        writer.WriteString("key", row.Key);
        if (row.Subkey.Length > 0) writer.WriteString("subkey", row.Subkey); else writer.WriteNull("subkey");
        writer.WriteNumber("date", row.Date);
        writer.WriteNumber("sequence", s.Sequence);

        writer.WriteStartObject("facts");
        for (var i = 0; i < rule.Facts.Length; i++)
        {
            writer.WritePropertyName(rule.Facts[i].Fact);
            rule.WriteFactValue(writer, i, row.Values, s.Positions);
        }
        writer.WriteEndObject();

        writer.WriteStartObject("additional");
        for (var i = 0; i < rule.Additional.Length; i++)
        {
            var fact = rule.Additional[i];
            writer.WritePropertyName(fact.Fact);
            if (string.Equals(fact.DatasetId, definition.DatasetId, StringComparison.OrdinalIgnoreCase))
                rule.WriteFactValue(writer, rule.Facts.Length + i, row.Values, s.Positions);
            else
                WriteOther(writer, fact, row.Key, s.Additional);
        }
        writer.WriteEndObject();

        writer.WriteStartArray("conditions");
        for (var i = 0; i < definition.Conditions.Length; i++)
        {
            var condition = definition.Conditions[i];
            writer.WriteStartObject();
            writer.WriteString("index", condition.Left);
            writer.WriteString("op", condition.Operator);
            writer.WritePropertyName("value");
            writer.WriteRawValue(rule.ConditionRight(i), skipInputValidation: true);
            writer.WriteBoolean("result", s.Results[i]);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        writer.WritePropertyName("record");
        RecordJson.Write(writer, s.Columns, row.Values, row.Extra);
    }

    private static void WriteOther(Utf8JsonWriter writer, FactRef fact, string key, AdditionalRecords? records)
    {
        if (records is null || !records.TryGet(fact.DatasetId, key, out var properties, out var stored))
        {
            writer.WriteNullValue();
            return;
        }
        var at = Array.FindIndex(properties, p => string.Equals(p.Name, fact.Property, StringComparison.OrdinalIgnoreCase));
        if (at < 0) writer.WriteNullValue();
        else FactJson.Write(writer, stored.Values[at], properties[at].Type, fact.Path);
    }
}

/// <summary>What an alert is about: the rule, the record event and how the rule judged it.</summary>
public readonly record struct AlertSubject(
    ActiveRule Rule, DatasetDefinition Dataset, PropertyDefinition[] Columns, RecordRow Row, long Sequence,
    int[] Positions, bool[] Results, AdditionalRecords? Additional);
