using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules.Engine.Conditions;

namespace Apperate.Actors.Rules.Engine;

/// <summary>
/// Turns a rule request into the definition that is stored and evaluated: facts resolved against the workspace's
/// datasets and normalized, conditions checked against their facts' types and rewritten to <c>$index[i]</c>, outputs
/// checked and given stable ids and secrets.
/// </summary>
/// <remarks>
/// <para>Every problem is reported at once, each naming its field (<c>index[1]</c>, <c>conditions[0][2]</c>,
/// <c>outputs[0].url</c>), as one <see cref="ErrorKind.Invalid"/> <see cref="ApperateException"/>. The type rules are
/// the compiler's own (<see cref="ConditionBuilder"/>), so a rule that validates compiles.</para>
/// <para>One rule watches one dataset: every fact in <c>index</c> (and every fact its conditions name) must be of the
/// same dataset. Additional facts may be of any dataset of the workspace. A bare property name in a condition means that
/// property of the rule's dataset; it is added to <c>index</c> once and referred to as <c>$index[k]</c>.</para>
/// <para>Edits keep what identifies state: an output that keeps its method and target keeps its id (so its throttle
/// and pending deliveries follow it) and its secret; the state generation changes only when what is evaluated changes
/// (type, index or conditions).</para>
/// </remarks>
public static class RuleValidator
{
    private static readonly string[] ForbiddenHeaders = ["Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection"];

    /// <summary>Validates <paramref name="request"/> as a create (no <see cref="RuleValidationContext.Existing"/>) or an edit.</summary>
    /// <exception cref="ApperateException">Listing every field at fault.</exception>
    public static RuleDefinition Validate(RuleRequest request, RuleValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var errors = new List<FieldError>();
        var name = CheckName(request.Name, errors);
        if (!Enum.IsDefined(request.Type)) errors.Add(new FieldError(null, "type", "must be \"any\" or \"all\""));

        var facts = new Facts(context, errors);
        var requestIndex = request.Index ?? [];
        for (var i = 0; i < requestIndex.Length; i++) facts.AddIndexFact(requestIndex[i], $"index[{i}]");
        var conditions = CheckConditions(request.Conditions ?? [], requestIndex.Length, facts, errors);
        if (facts.All.Count > RuleLimits.MaxFacts)
            errors.Add(new FieldError(null, "index", $"a rule may use at most {RuleLimits.MaxFacts} facts, not {facts.All.Count}"));

        var additional = request.AdditionalIndex ?? [];
        if (additional.Length > RuleLimits.MaxFacts)
            errors.Add(new FieldError(null, "additionalIndex", $"may list at most {RuleLimits.MaxFacts} facts, not {additional.Length}"));
        var additionalFacts = new string[additional.Length];
        for (var i = 0; i < additional.Length; i++) additionalFacts[i] = facts.Resolve(additional[i], $"additionalIndex[{i}]")?.Fact ?? "";

        var outputs = CheckOutputs(request.Outputs ?? [], facts.Dataset, context, errors);

        if (errors.Count > 0) throw new ApperateException(ErrorKind.Invalid, string.Join("; ", errors), errors);

        var index = facts.All.Select(f => f!.Fact).ToArray();
        var existing = context.Existing;
        var sameEvaluation = existing is not null && existing.Type == request.Type
            && existing.Index.SequenceEqual(index, StringComparer.Ordinal) && existing.Conditions.SequenceEqual(conditions);
        return new RuleDefinition(
            context.RuleId,
            context.Workspace,
            facts.Dataset!.DatasetId,
            name!,
            request.Type,
            index,
            conditions,
            outputs,
            additionalFacts,
            Version: existing is null ? 1 : existing.Version + 1,
            Created: existing?.Created ?? context.Now,
            Updated: context.Now,
            Paused: existing?.Paused ?? false,
            StateGeneration: existing is null ? 1 : sameEvaluation ? existing.StateGeneration : existing.StateGeneration + 1,
            OutputsNumbered: Math.Max(existing?.OutputsNumbered ?? 0, NumberOf(outputs)));
    }

    private static string? CheckName(string? requested, List<FieldError> errors)
    {
        var name = requested?.Trim();
        if (string.IsNullOrEmpty(name)) errors.Add(new FieldError(null, "ruleName", "is required: the rule's name"));
        else if (name.Length > RuleLimits.MaxNameLength) errors.Add(new FieldError(null, "ruleName", $"must be at most {RuleLimits.MaxNameLength} characters"));
        else return name;
        return null;
    }

    private static RuleCondition[] CheckConditions(RuleCondition[] requested, int indexCount, Facts facts, List<FieldError> errors)
    {
        if (requested.Length == 0) errors.Add(new FieldError(null, "conditions", "a rule needs at least one condition"));
        else if (requested.Length > RuleLimits.MaxConditions)
            errors.Add(new FieldError(null, "conditions", $"a rule may have at most {RuleLimits.MaxConditions} conditions, not {requested.Length}"));

        // Left sides first: facts named in full may name the dataset that bare property names belong to.
        var lefts = new int[requested.Length];
        var bare = new List<int>();
        for (var n = 0; n < requested.Length; n++)
        {
            var left = requested[n].Left ?? "";
            var field = $"conditions[{n}][0]";
            lefts[n] = -1;
            if (FactText.IsIndexReference(left))
            {
                if (!FactText.TryParseIndexReference(left, out var i))
                    errors.Add(new FieldError(null, field, $"'{left}' is not a fact reference; write \"$index[i]\""));
                else if (i >= indexCount)
                    errors.Add(new FieldError(null, field, $"'{left}' is out of range: index has {indexCount} fact{(indexCount == 1 ? "" : "s")}"));
                else
                    lefts[n] = i;
            }
            else if (left.Contains(':'))
            {
                lefts[n] = facts.AddConditionFact(left, field);
            }
            else
            {
                bare.Add(n);
            }
        }
        if (facts.Dataset is null && !facts.Failed)
            errors.Add(new FieldError(null, "index", $"name the dataset with at least one fact, such as \"{facts.Example}\""));
        else if (facts.Dataset is not null)
            foreach (var n in bare) lefts[n] = facts.AddProperty(requested[n].Left ?? "", $"conditions[{n}][0]");

        var conditions = new RuleCondition[requested.Length];
        var all = facts.All;
        for (var n = 0; n < requested.Length; n++)
        {
            var c = requested[n];
            string? right = null;
            if (c.RightJson is not null)
            {
                try
                {
                    using var document = JsonDocument.Parse(c.RightJson);
                    right = document.RootElement.ValueKind == JsonValueKind.Null ? null : JsonText.Compact(document.RootElement);
                }
                catch (JsonException)
                {
                    errors.Add(new FieldError(null, $"conditions[{n}][2]", "is not valid JSON"));
                    continue;
                }
            }
            if (c.Operator is null) errors.Add(new FieldError(null, $"conditions[{n}][1]", "the operator is required"));
            else if (lefts[n] >= 0) ConditionBuilder.Build(n, all, lefts[n], c.Operator, right, indexCount, errors);
            conditions[n] = new RuleCondition(FactText.IndexReference(Math.Max(lefts[n], 0)), c.Operator ?? "", right);
        }
        return conditions;
    }

    private static RuleOutput[] CheckOutputs(RuleOutput[] requested, DatasetDefinition? ruleDataset, RuleValidationContext context, List<FieldError> errors)
    {
        if (requested.Length == 0) errors.Add(new FieldError(null, "outputs", "a rule needs at least one output"));
        else if (requested.Length > RuleLimits.MaxOutputs)
            errors.Add(new FieldError(null, "outputs", $"a rule may have at most {RuleLimits.MaxOutputs} outputs, not {requested.Length}"));

        var existing = context.Existing?.Outputs ?? [];
        var matched = new bool[existing.Length];
        // Ids are never given twice: alerts pending for a removed output must never reach a new one.
        var next = 1 + Math.Max(context.Existing?.OutputsNumbered ?? 0,
            existing.Select(o => o.Id is ['o', .. var digits] && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : 0)
                .DefaultIfEmpty(0).Max());

        var outputs = new RuleOutput[requested.Length];
        for (var i = 0; i < requested.Length; i++)
        {
            var o = requested[i];
            var field = $"outputs[{i}]";
            var method = o.Method?.ToLowerInvariant() switch
            {
                "webhook" => "webhook",
                "logs" or "log" => "logs",
                "dataset" => "dataset",
                _ => null,
            };
            if (method is null)
            {
                errors.Add(new FieldError(null, field + ".method", o.Method is null ? "is required: webhook, logs or dataset" : $"'{o.Method}' is not supported; use webhook, logs or dataset"));
                continue;
            }
            if (o.Frequency < 0 || o.Frequency > RuleLimits.MaxFrequencySeconds)
                errors.Add(new FieldError(null, field + ".frequency", $"must be 0 to {RuleLimits.MaxFrequencySeconds.ToString(CultureInfo.InvariantCulture)} seconds"));

            var output = method switch
            {
                "webhook" => CheckWebhook(o, field, context, errors),
                "dataset" => CheckDatasetOutput(o, field, ruleDataset, context, errors),
                _ => CheckLogs(o, field, errors),
            };
            if (output is null) continue;

            // An output that keeps its method and target is the same output: same id (throttle state and pending deliveries
            // follow it), same secret unless a new one is given, and enabled again.
            var j = -1;
            for (var k = 0; k < existing.Length && j < 0; k++)
                if (!matched[k] && existing[k].Id is not null && SameTarget(existing[k], output)) j = k;
            if (j >= 0)
            {
                matched[j] = true;
                outputs[i] = output with { Id = existing[j].Id, Secret = output.Secret ?? existing[j].Secret ?? NewSecretFor(output, context) };
            }
            else
            {
                outputs[i] = output with { Id = "o" + (next++).ToString(CultureInfo.InvariantCulture), Secret = output.Secret ?? NewSecretFor(output, context) };
            }
        }
        return outputs;
    }

    private static int NumberOf(RuleOutput[] outputs) =>
        outputs.Select(o => o?.Id is ['o', .. var digits] && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : 0)
            .DefaultIfEmpty(0).Max();

    private static string? NewSecretFor(RuleOutput output, RuleValidationContext context) => output.Method == "webhook" ? context.NewSecret() : null;

    private static bool SameTarget(RuleOutput a, RuleOutput b) =>
        a.Method == b.Method && a.Method switch
        {
            "webhook" => string.Equals(a.Url, b.Url, StringComparison.Ordinal),
            "dataset" => string.Equals(a.DatasetId, b.DatasetId, StringComparison.OrdinalIgnoreCase),
            _ => true,
        };

    private static RuleOutput? CheckWebhook(RuleOutput o, string field, RuleValidationContext context, List<FieldError> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrEmpty(o.Url))
            errors.Add(new FieldError(null, field + ".url", "is required for a webhook output: the https:// or http:// URL alerts are posted to"));
        else if (o.Url.Length > 2048 || !Uri.TryCreate(o.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            errors.Add(new FieldError(null, field + ".url", "must be an absolute http:// or https:// URL of at most 2048 characters"));
        else if (context.CheckUrl(o.Url) is { } refused)
            errors.Add(new FieldError(null, field + ".url", refused));

        if (o.Secret is not null && !context.IsValidSecret(o.Secret))
            errors.Add(new FieldError(null, field + ".secret", "is not a usable signing secret: leave it out to get one (whsec_…), or give a whsec_ secret of 24 to 64 random bytes in base64"));
        if (o.DatasetId is not null) errors.Add(new FieldError(null, field + ".datasetId", "a webhook output takes url, secret, headers and frequency"));
        var headers = CheckHeaders(o.Headers, field + ".headers", errors);
        return errors.Count > before ? null : new RuleOutput(null, "webhook", o.Frequency, o.Url, o.Secret, headers);
    }

    private static RuleOutput? CheckDatasetOutput(RuleOutput o, string field, DatasetDefinition? ruleDataset, RuleValidationContext context, List<FieldError> errors)
    {
        var before = errors.Count;
        var datasetId = o.DatasetId;
        if (string.IsNullOrEmpty(datasetId))
            errors.Add(new FieldError(null, field + ".datasetId", "is required for a dataset output: the dataset alerts are written to (created when missing)"));
        else if (Names.Check(datasetId) is { } bad)
            errors.Add(new FieldError(null, field + ".datasetId", bad));
        else if (ruleDataset is not null && string.Equals(datasetId, ruleDataset.DatasetId, StringComparison.OrdinalIgnoreCase))
            errors.Add(new FieldError(null, field + ".datasetId", $"is the dataset the rule watches; a rule writing its alerts into '{ruleDataset.DatasetId}' would feed itself"));
        else
            datasetId = context.FindDataset(datasetId)?.DatasetId ?? datasetId;
        OnlyFrequency(o, field, "a dataset output takes datasetId and frequency", errors, datasetAllowed: true);
        return errors.Count > before ? null : new RuleOutput(null, "dataset", o.Frequency, DatasetId: datasetId);
    }

    private static RuleOutput? CheckLogs(RuleOutput o, string field, List<FieldError> errors)
    {
        var before = errors.Count;
        OnlyFrequency(o, field, "a logs output takes only frequency", errors, datasetAllowed: false);
        return errors.Count > before ? null : new RuleOutput(null, "logs", o.Frequency);
    }

    private static void OnlyFrequency(RuleOutput o, string field, string reason, List<FieldError> errors, bool datasetAllowed)
    {
        if (o.Url is not null) errors.Add(new FieldError(null, field + ".url", reason));
        if (o.Secret is not null) errors.Add(new FieldError(null, field + ".secret", reason));
        if (o.Headers is { Count: > 0 }) errors.Add(new FieldError(null, field + ".headers", reason));
        if (!datasetAllowed && o.DatasetId is not null) errors.Add(new FieldError(null, field + ".datasetId", reason));
    }

    /// <summary>
    /// Extra webhook headers: RFC 9110 token names, values without control characters, none the delivery sets itself
    /// (Content-Type, Content-Length, Host, the Standard Webhooks <c>webhook-*</c> headers) or that would change how the
    /// request is framed (Transfer-Encoding, Connection).
    /// </summary>
    private static Dictionary<string, string>? CheckHeaders(IReadOnlyDictionary<string, string>? headers, string field, List<FieldError> errors)
    {
        if (headers is null || headers.Count == 0) return null;
        if (headers.Count > RuleLimits.MaxHeaders)
            errors.Add(new FieldError(null, field, $"at most {RuleLimits.MaxHeaders} headers, not {headers.Count}"));
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (name.Length == 0 || name.Length > 256 || !name.All(IsTokenChar))
                errors.Add(new FieldError(null, field, $"'{name}' is not a valid header name"));
            else if (name.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase) || ForbiddenHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
                errors.Add(new FieldError(null, field, $"'{name}' is set by the delivery and cannot be given"));
            else if (value is null || value.Length > 4096 || value.Any(c => char.IsControl(c) && c != '\t'))
                errors.Add(new FieldError(null, field, $"the value of '{name}' must be at most 4096 characters without control characters"));
            else if (!result.TryAdd(name, value))
                errors.Add(new FieldError(null, field, $"'{name}' is given twice (header names ignore case)"));
        }
        return result;

        static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
    }

    /// <summary>The facts of a rule being validated: resolved, normalized, of one dataset, bare names added once.</summary>
    private sealed class Facts(RuleValidationContext context, List<FieldError> errors)
    {
        private readonly List<FactRef?> _all = [];
        private string? _datasetField;

        /// <summary>Every fact of <c>index</c>: those requested (null where one failed), then those added from conditions.</summary>
        public IReadOnlyList<FactRef?> All => _all;

        /// <summary>The dataset the rule watches, once a fact named it.</summary>
        public DatasetDefinition? Dataset { get; private set; }

        /// <summary>True when a fact failed to resolve (so a missing dataset is not worth a second error).</summary>
        public bool Failed { get; private set; }

        public string Example => FactText.Format(context.Workspace, "TRADES", "price", []);

        public void AddIndexFact(string? text, string field) => _all.Add(OfRuleDataset(Resolve(text, field), field));

        /// <summary>A full fact on a condition's left side: its position in index, -1 when it failed.</summary>
        public int AddConditionFact(string text, string field) => Add(OfRuleDataset(Resolve(text, field), field));

        /// <summary>A bare property name (maybe nested) of the rule's dataset: its position in index, -1 when it failed.</summary>
        public int AddProperty(string text, string field)
        {
            if (!FactText.TryParsePath(text, out var property, out var path))
            {
                Fail(field, $"'{text}' is not a property name or a fact (\"$index[i]\", or a property of the rule's dataset such as \"price\")");
                return -1;
            }
            return Add(Property(Dataset!, property, path, field));
        }

        /// <summary>Resolves a full fact of any dataset of the workspace.</summary>
        public FactRef? Resolve(string? text, string field)
        {
            if (text is null || !FactText.TryParse(text, out var parts))
                return Fail(field, $"a fact is WORKSPACE:DATASET:DATASET_ID:property (e.g. {Example}), not '{text}'");
            if (!string.Equals(parts.Workspace, context.Workspace, StringComparison.OrdinalIgnoreCase))
                return Fail(field, $"workspace '{parts.Workspace}' is not this rule's workspace '{context.Workspace}'");
            if (!string.Equals(parts.Namespace, FactText.DatasetNamespace, StringComparison.OrdinalIgnoreCase))
                return Fail(field, $"'{parts.Namespace}' is not a fact namespace; facts are WORKSPACE:DATASET:DATASET_ID:property (e.g. {Example})");
            if (context.FindDataset(parts.Dataset) is not { } dataset)
                return Fail(field, $"dataset '{parts.Dataset}' does not exist");
            return Property(dataset, parts.Property, parts.Path, field);
        }

        private FactRef? Property(DatasetDefinition dataset, string name, string[] path, string field)
        {
            if (dataset.Schema.Find(name) is not { } property)
                return Fail(field, $"dataset '{dataset.DatasetId}' has no property '{name}'");
            if (path.Length > 0 && property.Type is not (PropertyType.Object or PropertyType.Any))
                return Fail(field, $"'{property.Name}' is {TypeName(property.Type)} property; only object and any properties have nested fields");
            return new FactRef(FactText.Format(context.Workspace, dataset.DatasetId, property.Name, path), dataset.DatasetId, property.Name, path, property.Type);
        }

        private FactRef? OfRuleDataset(FactRef? fact, string field)
        {
            if (fact is null) return null;
            if (Dataset is null)
            {
                Dataset = context.FindDataset(fact.DatasetId);
                _datasetField = field;
                return fact;
            }
            if (string.Equals(fact.DatasetId, Dataset.DatasetId, StringComparison.OrdinalIgnoreCase)) return fact;
            return Fail(field, $"a rule watches one dataset: {_datasetField} is of '{Dataset.DatasetId}', this fact of '{fact.DatasetId}' (report facts of other datasets in additionalIndex)");
        }

        private int Add(FactRef? fact)
        {
            if (fact is null) return -1;
            var existing = _all.FindIndex(f => f is not null && string.Equals(f.Fact, fact.Fact, StringComparison.Ordinal));
            if (existing >= 0) return existing;
            _all.Add(fact);
            return _all.Count - 1;
        }

        private FactRef? Fail(string field, string reason)
        {
            errors.Add(new FieldError(null, field, reason));
            Failed = true;
            return null;
        }

        private static string TypeName(PropertyType type) => type switch
        {
            PropertyType.Integer => "an integer",
            PropertyType.Number => "a number",
            PropertyType.String => "a string",
            PropertyType.Boolean => "a boolean",
            PropertyType.Date => "a date",
            PropertyType.DateTime => "a date-time",
            _ => "an array",
        };
    }
}
