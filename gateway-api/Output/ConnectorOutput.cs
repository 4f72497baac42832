using System.Text.Json;
using Apperate.Actors.Connectors;

namespace Apperate.Actors.Gateway.Output;

/// <summary>Writes connectors in the API's shape.</summary>
public static class ConnectorOutput
{
    /// <summary>
    /// <c>{connectorType,datasetId,description,id,state:{jobId,status,execId?,error?},streams:[{id}],selectedStream?,
    /// updated,wait[,config],stats}</c>; <c>config</c> (secrets masked) only when <paramref name="displayConfigs"/>.
    /// </summary>
    public static void Write(Utf8JsonWriter w, ConnectorInfo c, bool displayConfigs)
    {
        w.WriteStartObject();
        w.WriteString("connectorType", c.ConnectorType);
        w.WriteString("datasetId", c.DatasetId);
        w.WriteString("description", c.Description);
        w.WriteString("id", c.Id);
        w.WritePropertyName("state");
        WriteState(w, c);
        w.WriteStartArray("streams");
        foreach (var stream in c.Streams)
        {
            w.WriteStartObject();
            w.WriteString("id", stream);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (c.SelectedStream is { } selected) w.WriteString("selectedStream", selected);
        w.WriteString("updated", Iso(c.Updated));
        w.WriteBoolean("wait", c.Wait);
        if (displayConfigs)
        {
            w.WritePropertyName("config");
            w.WriteRawValue(c.ConfigJson);
        }
        w.WriteStartObject("stats");
        w.WriteNumber("recordsWritten", c.Stats.RecordsWritten);
        if (c.Stats.LastRecordTime is { } last) w.WriteString("lastRecordTime", Iso(last)); else w.WriteNull("lastRecordTime");
        w.WriteNumber("restarts", c.Stats.Restarts);
        w.WriteNumber("reconnects", c.Stats.Reconnects);
        w.WriteNumber("consecutiveFailures", c.Stats.ConsecutiveFailures);
        if (c.Stats.LastError is { } error) w.WriteString("lastError", error); else w.WriteNull("lastError");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary><c>{"id","state":{…}}</c>: the answer to a change.</summary>
    public static void WriteChange(Utf8JsonWriter w, ConnectorInfo c)
    {
        w.WriteStartObject();
        w.WriteString("id", c.Id);
        w.WritePropertyName("state");
        WriteState(w, c);
        w.WriteEndObject();
    }

    private static void WriteState(Utf8JsonWriter w, ConnectorInfo c)
    {
        w.WriteStartObject();
        w.WriteString("jobId", c.JobId);
        w.WriteString("status", ConnectorTransitions.Name(c.Status));
        if (c.ExecId is { } exec && c.Status == ConnectorStatus.Running) w.WriteString("execId", exec);
        if (c.Error is { } error && c.Status == ConnectorStatus.Errored) w.WriteString("error", error);
        w.WriteEndObject();
    }

    /// <summary>Epoch ms as <c>2023-03-24T14:56:10.000Z</c>.</summary>
    public static string Iso(long epochMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
