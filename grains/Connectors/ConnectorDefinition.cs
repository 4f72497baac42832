using System.Text.Json;
using System.Text.Json.Nodes;

namespace Apperate.Actors.Connectors;

/// <summary>What a user defines about a connector (everything but its state).</summary>
/// <param name="ConnectorType">COINBASE, ETHEREUM or MYSQL.</param>
/// <param name="DatasetId">The dataset the records go to.</param>
/// <param name="Description">Free text, empty when none.</param>
/// <param name="Wait">Write synchronously (true) or through the async record stream.</param>
/// <param name="ConfigJson">The type-specific configuration, defaults applied, as JSON.</param>
[GenerateSerializer, Alias("apperate.ConnectorDefinition")]
public sealed record ConnectorDefinition(
    [property: Id(0)] string ConnectorType,
    [property: Id(1)] string DatasetId,
    [property: Id(2)] string Description,
    [property: Id(3)] bool Wait,
    [property: Id(4)] string ConfigJson);

/// <summary>A parsed <c>PUT</c> body: each member is null when not asked for.</summary>
/// <param name="Definition">The new definition when config, datasetId, wait or description change.</param>
/// <param name="SelectedStream">The stream to select.</param>
/// <param name="Status">Running or Stopped.</param>
public sealed record ConnectorChange(ConnectorDefinition? Definition, string? SelectedStream, ConnectorStatus? Status);

/// <summary>
/// Parses and validates connector definitions (<c>POST</c>) and changes (<c>PUT</c>) against the type's JSON Schema,
/// collecting every violation.
/// </summary>
public static class ConnectorRequests
{
    private static readonly string[] Changeable = ["config", "datasetId", "wait", "description"];

    /// <summary>
    /// The definition in <paramref name="json"/> for the connector <paramref name="name"/>. Raises
    /// <see cref="ErrorKind.Invalid"/> listing every violation, or saying that the type is not available.
    /// </summary>
    public static ConnectorDefinition ParseCreate(string name, string json, string[] availableTypes)
    {
        var body = ParseObject(json);
        var errors = new List<FieldError>();
        var definition = Validate(body, errors);
        if (body["id"] is JsonValue id && id.TryGetValue<string>(out var given) && !string.Equals(given, name, StringComparison.OrdinalIgnoreCase))
            errors.Add(new FieldError(null, "id", $"'{given}' differs from the connector name '{name}' in the path"));
        if (errors.Count > 0) throw Invalid(errors);
        RequireAvailable(definition!.ConnectorType, availableTypes);
        return definition;
    }

    /// <summary>The change in <paramref name="json"/> to a connector defined by <paramref name="current"/>.</summary>
    public static ConnectorChange ParseChange(ConnectorDefinition current, string json)
    {
        var body = ParseObject(json);
        var errors = new List<FieldError>();

        string? stream = null;
        if (body.TryGetPropertyValue("selectedStream", out var s))
        {
            if (s is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0) stream = text;
            else errors.Add(new FieldError(null, "selectedStream", "must be a stream id (a non-empty string)"));
        }

        ConnectorStatus? status = null;
        if (body.TryGetPropertyValue("status", out var st) || (body["state"] is JsonObject state && state.TryGetPropertyValue("status", out st)))
        {
            status = st is JsonValue sv && sv.TryGetValue<string>(out var text) ? text switch
            {
                "running" => ConnectorStatus.Running,
                "stopped" => ConnectorStatus.Stopped,
                _ => null,
            } : null;
            if (status is null) errors.Add(new FieldError(null, "status", $"can be set to \"running\" or \"stopped\", not {st?.ToJsonString() ?? "null"}"));
        }

        if (body["connectorType"] is { } type && !(type is JsonValue tv && tv.TryGetValue<string>(out var t) && t == current.ConnectorType))
            errors.Add(new FieldError(null, "connectorType", $"cannot change; this connector is {current.ConnectorType}"));

        ConnectorDefinition? definition = null;
        if (Changeable.Any(body.ContainsKey))
        {
            var merged = new JsonObject
            {
                ["connectorType"] = current.ConnectorType,
                ["datasetId"] = current.DatasetId,
                ["description"] = current.Description,
                ["wait"] = current.Wait,
                ["config"] = JsonNode.Parse(current.ConfigJson),
            };
            foreach (var member in Changeable)
                if (body.TryGetPropertyValue(member, out var value)) merged[member] = value?.DeepClone();
            definition = Validate(merged, errors);
        }

        if (errors.Count > 0) throw Invalid(errors);
        if (definition is null && stream is null && status is null)
            throw ApperateException.Invalid("body", "nothing to change: send selectedStream, status, config, datasetId, wait or description");
        return new ConnectorChange(definition, stream, status);
    }

    /// <summary>Applies the schema's defaults to <paramref name="body"/> and validates it; null when the type is unusable.</summary>
    private static ConnectorDefinition? Validate(JsonObject body, List<FieldError> errors)
    {
        var typeNode = body["connectorType"];
        if (typeNode is null)
        {
            errors.Add(new FieldError(null, "connectorType", $"is required: one of {string.Join(", ", ConnectorSchemas.Types)}"));
            return null;
        }
        var type = typeNode is JsonValue tv && tv.TryGetValue<string>(out var t) ? t : null;
        var schema = type is null ? null : ConnectorSchemas.Find(type);
        if (schema is null)
        {
            errors.Add(new FieldError(null, "connectorType", $"must be one of {string.Join(", ", ConnectorSchemas.Types)}, got {typeNode.ToJsonString()}"));
            return null;
        }

        var before = errors.Count;
        ConnectorSchemaValidator.ApplyDefaults(schema, body);
        ConnectorSchemaValidator.Validate(schema, body, "", errors);

        // Beyond the schema: an ETHEREUM event ABI must parse (the schema only says it is text or JSON).
        if (type == ConnectorSchemas.Ethereum && body["config"] is JsonObject ethereum) Ethereum.EthereumConfig.Check(ethereum, errors);

        // Beyond the schema: records need a dataset with a valid id.
        string? datasetId = null;
        if (body["datasetId"] is JsonValue d && d.TryGetValue<string>(out var id))
        {
            if (id.Length == 0) errors.Add(new FieldError(null, "datasetId", "is required: the dataset the connector writes to"));
            else if (Names.Check(id) is { } bad) errors.Add(new FieldError(null, "datasetId", bad));
            else datasetId = id;
        }
        else if (body["datasetId"] is null)
        {
            errors.Add(new FieldError(null, "datasetId", "is required: the dataset the connector writes to"));
        }

        string description = "";
        if (body["description"] is { } desc)
        {
            if (desc is JsonValue dv && dv.TryGetValue<string>(out var text)) description = text;
            else if (desc.GetValueKind() != JsonValueKind.Null) errors.Add(new FieldError(null, "description", "must be a string"));
        }

        if (errors.Count > before) return null;
        return new ConnectorDefinition(type!, datasetId!, description, body["wait"]!.GetValue<bool>(), body["config"]!.ToJsonString());
    }

    private static void RequireAvailable(string type, string[] availableTypes)
    {
        if (availableTypes.Contains(type)) return;
        throw ApperateException.Invalid("connectorType",
            $"{type} connectors are not available yet in this version; available: {string.Join(", ", availableTypes)}");
    }

    private static JsonObject ParseObject(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            throw ApperateException.Invalid("body", $"malformed JSON: {ex.Message}");
        }
        return node as JsonObject ?? throw ApperateException.Invalid("body", "must be a JSON object");
    }

    private static ApperateException Invalid(List<FieldError> errors) => new(ErrorKind.Invalid, string.Join("; ", errors), errors);
}
