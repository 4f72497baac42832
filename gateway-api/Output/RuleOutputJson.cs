using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Rules;

namespace Apperate.Actors.Gateway.Output;

/// <summary>Rules as the Rules API shows them.</summary>
public static class RuleOutputJson
{
    /// <summary>
    /// A rule as <c>GET /v1/rules</c> lists it: <c>{id, name, dateCreated, dateUpdated, isActive, ran, passed, failed, sent,
    /// evaluated}</c> with Apperate's date form, plus <c>throttled</c>, <c>deliveryFailed</c>, <c>lastError</c>, <c>created</c>
    /// and <c>updated</c> (epoch ms); <paramref name="detailed"/> adds the definition (secrets never shown) and <c>version</c>.
    /// </summary>
    public static void WriteSummary(Utf8JsonWriter w, RuleInfo info, bool detailed)
    {
        var d = info.Definition;
        var c = info.Counters;
        w.WriteStartObject();
        w.WriteString("id", d.Id);
        w.WriteString("name", d.Name);
        w.WriteString("dateCreated", Day(d.Created));
        w.WriteString("dateUpdated", Day(d.Updated));
        w.WriteBoolean("isActive", !d.Paused);
        w.WriteNumber("ran", c.Ran);
        w.WriteNumber("passed", c.Passed);
        w.WriteNumber("failed", c.Failed);
        w.WriteNumber("sent", c.Sent);
        w.WriteNumber("evaluated", c.Evaluated);
        w.WriteNumber("throttled", c.Throttled);
        w.WriteNumber("deliveryFailed", info.DeliveryFailed);
        if (info.LastError is null) w.WriteNull("lastError"); else w.WriteString("lastError", info.LastError);
        w.WriteNumber("created", d.Created);
        w.WriteNumber("updated", d.Updated);
        if (detailed)
        {
            w.WriteNumber("version", d.Version);
            w.WriteString("ruleName", d.Name);
            w.WriteString("type", d.Type == RuleMatch.All ? "all" : "any");
            w.WriteString("datasetId", d.DatasetId);
            w.WriteStartArray("index");
            foreach (var fact in d.Index) w.WriteStringValue(fact);
            w.WriteEndArray();
            w.WriteStartArray("conditions");
            foreach (var condition in d.Conditions)
            {
                w.WriteStartArray();
                w.WriteStringValue(condition.Left);
                w.WriteStringValue(condition.Operator);
                if (condition.RightJson is { } right) w.WriteRawValue(right, skipInputValidation: true);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WritePropertyName("outputs");
            WriteOutputs(w, d.WithoutSecrets().Outputs);
            w.WriteStartArray("additionalIndex");
            foreach (var fact in d.AdditionalIndex) w.WriteStringValue(fact);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>Outputs as written to the rule: <c>{id, method, frequency, url?, secret?, headers?, datasetId?, disabled?}</c>; a secret only when given.</summary>
    public static void WriteOutputs(Utf8JsonWriter w, IReadOnlyList<RuleOutput> outputs)
    {
        w.WriteStartArray();
        foreach (var o in outputs)
        {
            w.WriteStartObject();
            w.WriteString("id", o.Id);
            w.WriteString("method", o.Method);
            w.WriteNumber("frequency", o.Frequency);
            if (o.Url is not null) w.WriteString("url", o.Url);
            if (o.Secret is not null) w.WriteString("secret", o.Secret);
            if (o.Headers is { Count: > 0 } headers)
            {
                w.WriteStartObject("headers");
                foreach (var (name, value) in headers) w.WriteString(name, value);
                w.WriteEndObject();
            }
            if (o.DatasetId is not null) w.WriteString("datasetId", o.DatasetId);
            if (o.DisabledReason is not null) w.WriteString("disabled", o.DisabledReason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>One delivery attempt: <c>{deliveryId, outputId, attempt, status, httpStatus, error, at, nextAttemptAt}</c>.</summary>
    public static void WriteAttempt(Utf8JsonWriter w, DeliveryAttempt a)
    {
        w.WriteStartObject();
        w.WriteString("deliveryId", a.DeliveryId);
        w.WriteString("outputId", a.OutputId);
        w.WriteNumber("attempt", a.Attempt);
        w.WriteString("status", a.Status);
        if (a.HttpStatus is { } status) w.WriteNumber("httpStatus", status); else w.WriteNull("httpStatus");
        if (a.Error is null) w.WriteNull("error"); else w.WriteString("error", a.Error);
        w.WriteNumber("at", a.At);
        if (a.NextAttemptAt is { } next) w.WriteNumber("nextAttemptAt", next); else w.WriteNull("nextAttemptAt");
        w.WriteEndObject();
    }

    private static string Day(long epochMs) => DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
