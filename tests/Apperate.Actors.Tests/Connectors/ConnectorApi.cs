using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>Connector calls over HTTP shared by the ETHEREUM and MYSQL tests.</summary>
public static class ConnectorApi
{
    /// <summary>How long a connector may take to reach a state or store a record.</summary>
    public static readonly TimeSpan Soon = TimeSpan.FromSeconds(30);

    /// <summary>A connector name of letters and digits.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    /// <summary>GET /v1/connectors/connector/:name → the one connector.</summary>
    public static async Task<JsonObject> Connector(this Api api, string name, bool displayConfigs = false)
    {
        var reply = (await api.Get($"/v1/connectors/connector/{name}{(displayConfigs ? "?displayConfigs=true" : "")}")).Expect(200);
        return reply.Json.AsArray().Single()!.AsObject();
    }

    /// <summary>Waits until the connector's status is <paramref name="status"/>; the failure shows what it was.</summary>
    public static async Task<JsonObject> WaitForStatus(this Api api, string name, string status, Func<string> diagnostics)
    {
        JsonObject? last = null;
        try
        {
            await Eventually.Until(async () =>
            {
                last = await api.Connector(name);
                return last["state"]!["status"]!.GetValue<string>() == status;
            }, Soon, $"connector {name} to be {status}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Last seen: {last?.ToJsonString()}{Environment.NewLine}{diagnostics()}", ex);
        }
        return last!;
    }

    /// <summary>Creates a connector, waits for its streams, selects <paramref name="stream"/> and starts it.</summary>
    public static async Task<JsonObject> StartConnector(this Api api, string name, string type, string datasetId, JsonObject config, string stream, Func<string> diagnostics, bool wait = true)
    {
        var body = new JsonObject { ["datasetId"] = datasetId, ["connectorType"] = type, ["config"] = config, ["wait"] = wait };
        (await api.Post($"/v1/connectors/connector/{name}", body.ToJsonString())).Expect(201);
        var received = await api.WaitForStatus(name, "received", diagnostics);
        (await api.Put($"/v1/connectors/connector/{name}", new JsonObject { ["selectedStream"] = stream }.ToJsonString())).Expect(200);
        (await api.Put($"/v1/connectors/connector/{name}", """{"status":"running"}""")).Expect(200);
        return received;
    }

    /// <summary>Polls GET /v1/data until <paramref name="done"/> holds for the rows; returns them.</summary>
    public static async Task<JsonArray> WaitForRows(this Api api, string pathAndQuery, Func<JsonArray, bool> done, string what, Func<string> diagnostics)
    {
        JsonArray rows = [];
        try
        {
            await Eventually.Until(async () =>
            {
                rows = await api.Data(pathAndQuery);
                return done(rows);
            }, Soon, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Last rows: {rows.ToJsonString()}{Environment.NewLine}{diagnostics()}", ex);
        }
        return rows;
    }
}
