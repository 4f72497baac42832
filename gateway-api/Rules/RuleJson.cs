using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Rules;

namespace Apperate.Actors.Gateway.Rules;

/// <summary>Reads the body of <c>POST /v1/rules/create</c> as Apperate's clients send it.</summary>
/// <remarks>
/// Only the shape is checked here: what every field must look like, so a client learns which field is wrong before
/// anything is looked up. What the facts name, whether operators fit their facts and whether outputs are allowed is
/// the rule validator's work (in the rule's grain). Unknown members are ignored, as Apperate did.
/// </remarks>
public static class RuleJson
{
    /// <summary>
    /// Parses a rule body: <c>{token?, ruleName, type, index, conditions, outputs, additionalIndex?, id?}</c>.
    /// Raises <see cref="ApperateException"/> (<see cref="ErrorKind.Invalid"/>) listing every field at fault.
    /// </summary>
    /// <returns>The request, and the token when the body carries one (Apperate's clients send it there).</returns>
    public static (RuleRequest Request, string? Token) Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApperateException.Invalid("body", "must be a JSON object describing the rule");
        if (body.TryGetProperty("ruleSet", out var ruleSet) && ruleSet.ValueKind != JsonValueKind.Null)
            throw ApperateException.Invalid("ruleSet",
                "is the legacy IEX Cloud rule shape; this service takes Apperate's: facts in \"index\" (e.g. \"DEMO:DATASET:TRADES:price\") "
                + "and \"conditions\" such as [[\"$index[0]\", \">\", 150]]");

        var errors = new List<FieldError>();
        var token = OptionalString(body, "token", errors);
        var name = Name(body, errors);
        var type = Type(body, errors);
        var index = Facts(body, "index", errors);
        var conditions = Conditions(body, errors);
        var outputs = Outputs(body, errors);
        var additional = Facts(body, "additionalIndex", errors);
        var id = Id(body, errors);

        if (errors.Count > 0) throw new ApperateException(ErrorKind.Invalid, string.Join("; ", errors), errors);
        return (new RuleRequest(id, name!, type, index, conditions, outputs, additional), token);
    }

    private static string? Name(JsonElement body, List<FieldError> errors)
    {
        if (!body.TryGetProperty("ruleName", out var e) || e.ValueKind == JsonValueKind.Null)
            return Fail(errors, "ruleName", "is required: the rule's name");
        if (e.ValueKind != JsonValueKind.String) return Fail(errors, "ruleName", "must be a string");
        var name = e.GetString()!.Trim();
        if (name.Length == 0) return Fail(errors, "ruleName", "must not be empty");
        if (name.Length > RuleLimits.MaxNameLength) return Fail(errors, "ruleName", $"must be at most {RuleLimits.MaxNameLength} characters");
        return name;
    }

    private static RuleMatch Type(JsonElement body, List<FieldError> errors)
    {
        if (!body.TryGetProperty("type", out var e) || e.ValueKind == JsonValueKind.Null) return RuleMatch.Any;
        if (e.ValueKind == JsonValueKind.String)
        {
            if (string.Equals(e.GetString(), "any", StringComparison.OrdinalIgnoreCase)) return RuleMatch.Any;
            if (string.Equals(e.GetString(), "all", StringComparison.OrdinalIgnoreCase)) return RuleMatch.All;
        }
        errors.Add(new FieldError(null, "type", $"must be \"any\" (some condition holds) or \"all\" (every condition holds), not {e.GetRawText()}"));
        return RuleMatch.Any;
    }

    private static string[] Facts(JsonElement body, string field, List<FieldError> errors)
    {
        if (!body.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return [];
        if (e.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(null, field, "must be an array of facts such as \"DEMO:DATASET:TRADES:price\""));
            return [];
        }
        var facts = new string[e.GetArrayLength()];
        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) facts[i] = item.GetString()!;
            else errors.Add(new FieldError(null, $"{field}[{i}]", "must be a string: a fact such as \"DEMO:DATASET:TRADES:price\""));
            i++;
        }
        return facts;
    }

    private static RuleCondition[] Conditions(JsonElement body, List<FieldError> errors)
    {
        if (!body.TryGetProperty("conditions", out var e) || e.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError(null, "conditions", "is required: an array of [left, operator, right] such as [\"$index[0]\", \">\", 150]"));
            return [];
        }
        if (e.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(null, "conditions", "must be an array of [left, operator, right] such as [\"$index[0]\", \">\", 150]"));
            return [];
        }
        if (e.GetArrayLength() == 0)
        {
            errors.Add(new FieldError(null, "conditions", "a rule needs at least one condition"));
            return [];
        }

        var conditions = new List<RuleCondition>();
        var n = 0;
        foreach (var c in e.EnumerateArray())
        {
            var field = $"conditions[{n++}]";
            var length = c.ValueKind == JsonValueKind.Array ? c.GetArrayLength() : 0;
            if (length is not (2 or 3))
            {
                errors.Add(new FieldError(null, field, "must be [left, operator, right] (or [left, operator] for exists and notExists)"));
                continue;
            }
            var before = errors.Count;
            var left = c[0].ValueKind == JsonValueKind.String && c[0].GetString()!.Length > 0 ? c[0].GetString()! : null;
            if (left is null) errors.Add(new FieldError(null, field + "[0]", "must be a fact: \"$index[i]\", or a property name of the rule's dataset"));
            var op = c[1].ValueKind == JsonValueKind.String ? c[1].GetString()! : null;
            if (op is null) errors.Add(new FieldError(null, field + "[1]", "the operator must be a string such as \">\" or \"contains\""));
            string? right = null;
            if (length == 3)
            {
                if (c[2].ValueKind != JsonValueKind.Null) right = JsonText.Compact(c[2]);
            }
            else if (op is not null and not ("exists" or "notExists"))
            {
                errors.Add(new FieldError(null, field, $"'{op}' needs a right side: [left, \"{op}\", right]"));
            }
            if (errors.Count == before) conditions.Add(new RuleCondition(left!, op!, right));
        }
        return conditions.ToArray();
    }

    private static RuleOutput[] Outputs(JsonElement body, List<FieldError> errors)
    {
        if (!body.TryGetProperty("outputs", out var e) || e.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError(null, "outputs", "a rule needs at least one output: {\"method\":\"webhook\",\"url\":…}, {\"method\":\"logs\"} or {\"method\":\"dataset\",\"datasetId\":…}"));
            return [];
        }
        if (e.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(null, "outputs", "must be an array of outputs"));
            return [];
        }
        if (e.GetArrayLength() == 0)
        {
            errors.Add(new FieldError(null, "outputs", "a rule needs at least one output: {\"method\":\"webhook\",\"url\":…}, {\"method\":\"logs\"} or {\"method\":\"dataset\",\"datasetId\":…}"));
            return [];
        }

        var outputs = new List<RuleOutput>();
        var i = 0;
        foreach (var o in e.EnumerateArray())
        {
            var field = $"outputs[{i++}]";
            if (o.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new FieldError(null, field, "must be an object such as {\"method\":\"webhook\",\"url\":\"https://…\"}"));
                continue;
            }
            var before = errors.Count;
            var method = Method(o, field, errors);
            var frequency = Frequency(o, field, errors);
            var url = OptionalString(o, "url", errors, field);
            var secret = OptionalString(o, "secret", errors, field);
            var datasetId = OptionalString(o, "datasetId", errors, field);
            var headers = Headers(o, field, errors);
            if (errors.Count == before) outputs.Add(new RuleOutput(null, method!, frequency, url, secret, headers, datasetId));
        }
        return outputs.ToArray();
    }

    private static string? Method(JsonElement output, string field, List<FieldError> errors)
    {
        if (!output.TryGetProperty("method", out var e) || e.ValueKind != JsonValueKind.String)
            return Fail(errors, field + ".method", "is required: webhook, logs or dataset");
        var method = e.GetString()!;
        return method.ToLowerInvariant() switch
        {
            "webhook" => "webhook",
            "logs" or "log" => "logs",
            "dataset" => "dataset",
            _ => Fail(errors, field + ".method", $"'{method}' is not supported; use webhook, logs or dataset"),
        };
    }

    private static long Frequency(JsonElement output, string field, List<FieldError> errors)
    {
        if (!output.TryGetProperty("frequency", out var e) || e.ValueKind == JsonValueKind.Null) return 0;
        field += ".frequency";
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var seconds) || !double.IsFinite(seconds))
        {
            errors.Add(new FieldError(null, field, "must be a number of seconds (0 = every pass)"));
            return 0;
        }
        if (seconds < 0) errors.Add(new FieldError(null, field, "must not be negative (0 = every pass)"));
        else if (seconds != Math.Floor(seconds)) errors.Add(new FieldError(null, field, "must be whole seconds"));
        else if (seconds > RuleLimits.MaxFrequencySeconds)
            errors.Add(new FieldError(null, field, $"must be at most {RuleLimits.MaxFrequencySeconds.ToString(CultureInfo.InvariantCulture)} seconds (366 days)"));
        else return (long)seconds;
        return 0;
    }

    private static Dictionary<string, string>? Headers(JsonElement output, string field, List<FieldError> errors)
    {
        if (!output.TryGetProperty("headers", out var e) || e.ValueKind == JsonValueKind.Null) return null;
        field += ".headers";
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(null, field, "must be an object of header names to string values"));
            return null;
        }
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var h in e.EnumerateObject())
        {
            if (h.Value.ValueKind != JsonValueKind.String) errors.Add(new FieldError(null, field, $"the value of '{h.Name}' must be a string"));
            else if (!headers.TryAdd(h.Name, h.Value.GetString()!)) errors.Add(new FieldError(null, field, $"'{h.Name}' is given twice"));
        }
        return headers.Count == 0 ? null : headers;
    }

    private static string? Id(JsonElement body, List<FieldError> errors)
    {
        if (!body.TryGetProperty("id", out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.String && Guid.TryParseExact(e.GetString(), "D", out var id)) return id.ToString("D");
        return Fail(errors, "id", "must be the UUID of the rule to edit (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); leave it out to create a rule");
    }

    /// <summary>An optional string member; an empty string counts as absent.</summary>
    private static string? OptionalString(JsonElement parent, string name, List<FieldError> errors, string? prefix = null)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind == JsonValueKind.String) return e.GetString() is { Length: > 0 } s ? s : null;
        return Fail(errors, prefix is null ? name : $"{prefix}.{name}", "must be a string");
    }

    /// <summary>The right side of a condition as compact JSON text: how it is stored, compared between edits and reported.</summary>
    private static string? Fail(List<FieldError> errors, string field, string reason)
    {
        errors.Add(new FieldError(null, field, reason));
        return null;
    }
}
