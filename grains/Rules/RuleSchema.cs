using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Engine;

namespace Apperate.Actors.Rules;

/// <summary>
/// What <c>GET /v1/rules/schema</c> answers: the operators per fact type, the output methods (those Apperate had and this
/// service does not send are listed disabled) and every fact of the workspace's datasets, in Apperate's shape.
/// </summary>
public static class RuleSchema
{
    /// <summary>Writes the schema of a workspace.</summary>
    public static void Write(Utf8JsonWriter w, string workspace, IReadOnlyList<DatasetDefinition> datasets)
    {
        w.WriteStartObject();
        w.WritePropertyName("operators");
        RuleOperators.WriteJson(w);

        w.WriteStartArray("notificationTypes");
        Method(w, "Webhook", RuleOutputs.Webhook, true, """{"type":"object","properties":{"method":{"const":"webhook"},"url":{"type":"string","format":"uri"},"secret":{"type":"string","pattern":"^(whsec_)?[A-Za-z0-9+/=]+$"},"headers":{"type":"object","additionalProperties":{"type":"string"}},"frequency":{"type":"integer","minimum":0}},"required":["method","url"]}""");
        Method(w, "Logs", RuleOutputs.Logs, true, """{"type":"object","properties":{"method":{"const":"logs"},"frequency":{"type":"integer","minimum":0}},"required":["method"]}""");
        Method(w, "Dataset", RuleOutputs.Dataset, true, """{"type":"object","properties":{"method":{"const":"dataset"},"datasetId":{"type":"string","pattern":"^[A-Za-z0-9_]{1,64}$"},"frequency":{"type":"integer","minimum":0}},"required":["method","datasetId"]}""");
        foreach (var (label, value) in new[] { ("Email", "email"), ("SMS", "sms"), ("Slack", "slack") })
            Method(w, label, value, false, null);
        w.WriteEndArray();

        w.WriteStartObject("schema");
        w.WriteStartArray("workspaces");
        w.WriteStartObject();
        w.WriteString("workspace", workspace);
        w.WriteStartArray("namespaces");
        w.WriteStartObject();
        w.WriteString("namespace", "DATASET");
        w.WriteStartArray("entities");
        foreach (var dataset in datasets)
        {
            w.WriteStartObject();
            w.WriteString("entity", dataset.DatasetId);
            w.WriteStartArray("facts");
            foreach (var property in dataset.Schema.Properties)
            {
                w.WriteStartObject();
                w.WriteString("label", property.Name);
                w.WriteString("value", $"{workspace}:DATASET:{dataset.DatasetId}:{property.Name}");
                w.WriteString("type", RuleOperators.TypeName(property.Type) ?? "any");
                w.WriteBoolean("isLookup", string.Equals(property.Name, dataset.ColumnMapping.Key, StringComparison.OrdinalIgnoreCase));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Method(Utf8JsonWriter w, string label, string value, bool enabled, string? schema)
    {
        w.WriteStartObject();
        w.WriteString("label", label);
        w.WriteString("value", value);
        w.WriteBoolean("enabled", enabled);
        w.WritePropertyName("schema");
        if (schema is null) w.WriteNullValue();
        else w.WriteRawValue(schema);
        w.WriteEndObject();
    }
}
