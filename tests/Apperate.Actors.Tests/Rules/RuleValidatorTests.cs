using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Engine;
using static Apperate.Actors.Tests.Rules.RuleTestKit;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Facts, one dataset per rule, operators against their facts' types, outputs, ids and secrets across edits.</summary>
[Trait("Category", "Unit")]
public sealed class RuleValidatorTests
{
    private const string Price = "DEMO:DATASET:TRADES:price";

    private static ApperateException Bad(RuleRequest request, RuleDefinition? existing = null) => Refused(() => Validate(request, existing));

    private static ApperateException BadCondition(string fact, string op, string? right) =>
        Bad(Request([fact], [C("$index[0]", op, right)]));

    [Fact]
    public void A_create_normalizes_facts_and_sets_the_first_version()
    {
        var rule = Validate(Request(["demo:dataset:TRADES:PRICE", "Demo:Dataset:trades:meta.a.b"],
            [C("$index[0]", ">", "150"), C("$index[1]", "exists")], RuleMatch.All, name: "  big  ",
            outputs: [new RuleOutput(null, "webhook", 5, "https://example.com/h"), new RuleOutput(null, "logs", 0)],
            additional: ["DEMO:DATASET:QUOTES:BID"]));

        Assert.Equal(RuleId, rule.Id);
        Assert.Equal("Demo", rule.Workspace);
        Assert.Equal("Trades", rule.DatasetId);
        Assert.Equal("big", rule.Name);
        Assert.Equal(RuleMatch.All, rule.Type);
        Assert.Equal(["Demo:DATASET:Trades:price", "Demo:DATASET:Trades:meta.a.b"], rule.Index);
        Assert.Equal(["Demo:DATASET:QUOTES:bid"], rule.AdditionalIndex);
        Assert.Equal((1, Now, Now, false, 1), (rule.Version, rule.Created, rule.Updated, rule.Paused, rule.StateGeneration));
        Assert.Equal(new RuleOutput("o1", "webhook", 5, "https://example.com/h", "whsec_generated1"), rule.Outputs[0]);
        Assert.Equal(new RuleOutput("o2", "logs", 0), rule.Outputs[1]);
    }

    [Theory]
    [InlineData("TRADES:price", "a fact is WORKSPACE:DATASET:DATASET_ID:property")]
    [InlineData("DEMO:DATASET:TRADES:", "a fact is WORKSPACE:DATASET:DATASET_ID:property")]
    [InlineData("DEMO:DATASET:TRADES:meta..a", "a fact is WORKSPACE:DATASET:DATASET_ID:property")]
    [InlineData("OTHER:DATASET:TRADES:price", "workspace 'OTHER' is not this rule's workspace 'Demo'")]
    [InlineData("DEMO:VIEW:TRADES:price", "'VIEW' is not a fact namespace")]
    [InlineData("DEMO:DATASET:NOPE:price", "dataset 'NOPE' does not exist")]
    [InlineData("DEMO:DATASET:TRADES:prize", "dataset 'Trades' has no property 'prize'")]
    [InlineData("DEMO:DATASET:TRADES:price.cents", "'price' is a number property; only object and any properties have nested fields")]
    [InlineData("DEMO:DATASET:TRADES:tags.0", "'tags' is an array property; only object and any properties have nested fields")]
    public void Bad_facts_name_their_index_entry(string fact, string reason)
    {
        var ex = Bad(Request([Price, fact], [C("$index[0]", ">", "1")]));
        Assert.Equal(["index[1]"], Fields(ex));
        Assert.StartsWith(reason, ex.Errors[0].Reason);
    }

    [Fact]
    public void Nested_fields_of_object_and_any_properties_are_facts()
    {
        var rule = Validate(Request(["DEMO:DATASET:TRADES:meta.a.b", "DEMO:DATASET:TRADES:extra.x"], [C("$index[0]", ">", "1"), C("$index[1]", "contains", "\"y\"")]));
        Assert.Equal(["Demo:DATASET:Trades:meta.a.b", "Demo:DATASET:Trades:extra.x"], rule.Index);
    }

    [Fact]
    public void A_rule_watches_one_dataset()
    {
        var ex = Bad(Request([Price, "DEMO:DATASET:QUOTES:bid"], [C("$index[0]", ">", "1")]));
        Assert.Equal(["index[1]"], Fields(ex));
        Assert.Contains("one dataset", ex.Message);
        Assert.Contains("additionalIndex", ex.Message);
        // Other datasets are fine as additional facts.
        Assert.Equal("Trades", Validate(Request([Price], [C("$index[0]", ">", "1")], additional: ["DEMO:DATASET:QUOTES:bid", "DEMO:DATASET:ORDERS:qty"])).DatasetId);
        Assert.Equal(["additionalIndex[0]"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1")], additional: ["DEMO:DATASET:QUOTES:ask"]))));
    }

    [Fact]
    public void Fact_references_must_be_in_range()
    {
        Assert.Equal(["conditions[1][0]"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1"), C("$index[1]", ">", "1")]))));
        Assert.Equal(["conditions[0][2]"], Fields(Bad(Request([Price], [C("$index[0]", ">", "\"$index[3]\"")]))));
        Assert.Equal(["conditions[0][0]"], Fields(Bad(Request([Price], [C("$index[x]", ">", "1")]))));
    }

    [Fact]
    public void Bare_property_names_join_the_index_once()
    {
        var rule = Validate(Request([Price], [C("price", ">", "1"), C("symbol", "=", "\"A\""), C("SYMBOL", "!=", "\"B\""), C("meta.a", "exists")]));
        Assert.Equal(["Demo:DATASET:Trades:price", "Demo:DATASET:Trades:symbol", "Demo:DATASET:Trades:meta.a"], rule.Index);
        Assert.Equal(["$index[0]", "$index[1]", "$index[1]", "$index[2]"], rule.Conditions.Select(c => c.Left));
    }

    [Fact]
    public void Bare_names_need_a_fact_naming_the_dataset()
    {
        var ex = Bad(Request([], [C("price", ">", "1")]));
        Assert.Equal(["index"], Fields(ex));
        Assert.Contains("name the dataset with at least one fact", ex.Message);
        // A full fact on a condition's left side names it too.
        var rule = Validate(Request([], [C("DEMO:DATASET:TRADES:size", ">", "1"), C("price", "<", "5")]));
        Assert.Equal(["Demo:DATASET:Trades:size", "Demo:DATASET:Trades:price"], rule.Index);
        Assert.Equal(["conditions[1][0]"], Fields(Bad(Request([Price], [C("price", ">", "1"), C("prize", ">", "1")]))));
    }

    [Fact]
    public void A_rule_needs_conditions_and_outputs()
    {
        Assert.Contains("conditions", Fields(Bad(Request([Price], []))));
        Assert.Equal(["outputs"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1")], outputs: []))));
    }

    [Theory]
    // Operators that do not apply to the fact's type: the operator is at fault.
    [InlineData("DEMO:DATASET:TRADES:price", "contains", "\"1\"", "conditions[0][1]", "'contains' does not apply to a number fact")]
    [InlineData("DEMO:DATASET:TRADES:symbol", ">", "\"A\"", "conditions[0][1]", "'>' does not apply to a string fact")]
    [InlineData("DEMO:DATASET:TRADES:active", ">", "true", "conditions[0][1]", "does not apply to a boolean fact")]
    [InlineData("DEMO:DATASET:TRADES:date", "contains", "\"2024\"", "conditions[0][1]", "does not apply to a date-time fact")]
    [InlineData("DEMO:DATASET:TRADES:meta", "=", "\"x\"", "conditions[0][1]", "does not apply to an object fact")]
    [InlineData("DEMO:DATASET:TRADES:size", "changedBy", "5", "conditions[0][1]", "'changedBy' is not an operator")]
    [InlineData("DEMO:DATASET:TRADES:symbol", "CONTAINS", "\"A\"", "conditions[0][1]", "did you mean 'contains'?")]
    // Right sides of the wrong type: the right side is at fault, naming the fact's type.
    [InlineData("DEMO:DATASET:TRADES:price", ">", "\"150\"", "conditions[0][2]", "'>' on a number fact")]
    [InlineData("DEMO:DATASET:TRADES:size", "=", "true", "conditions[0][2]", "on an integer fact")]
    [InlineData("DEMO:DATASET:TRADES:symbol", "=", "5", "conditions[0][2]", "on a string fact")]
    [InlineData("DEMO:DATASET:TRADES:symbol", "in", "\"AAPL\"", "conditions[0][2]", "non-empty array of strings")]
    [InlineData("DEMO:DATASET:TRADES:symbol", "in", "[]", "conditions[0][2]", "non-empty array of strings")]
    [InlineData("DEMO:DATASET:TRADES:symbol", "notIn", "[\"A\",1]", "conditions[0][2]", "non-empty array of strings")]
    [InlineData("DEMO:DATASET:TRADES:active", "=", "\"true\"", "conditions[0][2]", "takes true or false")]
    [InlineData("DEMO:DATASET:TRADES:date", ">", "\"yesterday\"", "conditions[0][2]", "on a date-time fact")]
    [InlineData("DEMO:DATASET:TRADES:price", "between", "[5]", "conditions[0][2]", "[low, high]")]
    [InlineData("DEMO:DATASET:TRADES:price", "between", "[5,1]", "conditions[0][2]", "low not above high")]
    [InlineData("DEMO:DATASET:TRADES:date", "between", "[\"2024-02-01\",\"2024-01-01\"]", "conditions[0][2]", "a not after b")]
    [InlineData("DEMO:DATASET:TRADES:price", "changedBy%", "0", "conditions[0][2]", "positive number")]
    [InlineData("DEMO:DATASET:TRADES:price", "changedBy%", "-5", "conditions[0][2]", "positive number")]
    [InlineData("DEMO:DATASET:TRADES:price", "crossesAbove", "\"x\"", "conditions[0][2]", "a number")]
    [InlineData("DEMO:DATASET:TRADES:price", "between", "\"$index[0]\"", "conditions[0][2]", "takes literal values")]
    [InlineData("DEMO:DATASET:TRADES:price", "exists", "1", "conditions[0][2]", "takes no right side")]
    [InlineData("DEMO:DATASET:TRADES:price", ">", null, "conditions[0][2]", "needs a right side")]
    [InlineData("DEMO:DATASET:TRADES:meta.a", ">", "\"soon\"", "conditions[0][2]", "on a nested fact")]
    public void Operators_and_right_sides_must_fit_the_fact(string fact, string op, string? right, string field, string fragment)
    {
        var ex = BadCondition(fact, op, right);
        Assert.Equal([field], Fields(ex));
        Assert.Contains(fragment, ex.Errors[0].Reason);
    }

    [Fact]
    public void An_unknown_operator_lists_those_of_the_type()
    {
        var ex = BadCondition(Price, "above", "1");
        Assert.Contains(">, >=, <, <=, =, !=, between, changedBy%, crossesAbove, crossesBelow, exists, notExists", ex.Message);
        Assert.Contains("== is accepted for =", ex.Message);
    }

    [Fact]
    public void Every_listed_operator_is_accepted_for_its_type()
    {
        var samples = new (string Fact, IReadOnlyList<RuleOperator> Operators, Func<string, string?> Right)[]
        {
            (Price, RuleOperators.Number, op => op switch { "between" => "[1,2]", "exists" or "notExists" => null, _ => "5" }),
            ("DEMO:DATASET:TRADES:symbol", RuleOperators.String, op => op switch { "in" or "notIn" => "[\"A\"]", "exists" or "notExists" => null, _ => "\"A\"" }),
            ("DEMO:DATASET:TRADES:active", RuleOperators.Boolean, op => op is "exists" or "notExists" ? null : "true"),
            ("DEMO:DATASET:TRADES:date", RuleOperators.Date, op => op switch
            {
                "between" => "[\"2024-01-01\",1735689600000]",
                "within" => "\"09:30:00 - 16:00:00\"",
                "exists" or "notExists" => null,
                _ => "\"2024-01-01T12:00:00Z\"",
            }),
        };
        foreach (var (fact, operators, right) in samples)
            foreach (var op in operators)
                Validate(Request([fact], [C("$index[0]", op.Value, right(op.Value))]));
        // == is equality too.
        Validate(Request([Price], [C("$index[0]", "==", "5")]));
    }

    [Theory]
    [InlineData("DEMO:DATASET:TRADES:date", "between", "\"09:30:00 - 16:00:00\"")]
    [InlineData("DEMO:DATASET:TRADES:date", "within", "\"22:00:00 - 02:00:00\"")]
    [InlineData("DEMO:DATASET:TRADES:date", "within", "\"22:00:00-02:00:00\"")]
    [InlineData("DEMO:DATASET:TRADES:date", ">", "1700000000000")]
    [InlineData("DEMO:DATASET:TRADES:day", "<=", "\"2024-01-01T10:00:00+02:00\"")]
    [InlineData("DEMO:DATASET:TRADES:extra", "within", "\"00:00:00 - 00:00:59\"")]
    [InlineData("DEMO:DATASET:TRADES:meta.n", "between", "[1,2]")]
    [InlineData("DEMO:DATASET:TRADES:meta.d", "between", "[\"2024-01-01\",\"2024-02-01\"]")]
    [InlineData("DEMO:DATASET:TRADES:meta.s", "in", "[\"x\"]")]
    [InlineData("DEMO:DATASET:TRADES:meta.n", "crossesAbove", "10")]
    public void Dates_windows_and_nested_facts_accept(string fact, string op, string right) =>
        Validate(Request([fact], [C("$index[0]", op, right)]));

    [Theory]
    [InlineData("DEMO:DATASET:TRADES:date", "within", "\"9:30:00 - 16:00:00\"", "time window")]
    [InlineData("DEMO:DATASET:TRADES:date", "within", "\"24:00:00 - 01:00:00\"", "time window")]
    [InlineData("DEMO:DATASET:TRADES:date", "within", "\"09:30 - 16:00\"", "time window")]
    [InlineData("DEMO:DATASET:TRADES:date", "between", "\"09:30:00\"", "time window")]
    [InlineData("DEMO:DATASET:TRADES:date", "within", "[\"2024-01-01\",\"2024-02-01\"]", "time window")]
    [InlineData("DEMO:DATASET:TRADES:day", "within", "\"09:30:00 - 16:00:00\"", "only on a date-time fact")]
    public void Time_windows_are_HH_MM_SS_on_date_times(string fact, string op, string right, string fragment)
    {
        var ex = BadCondition(fact, op, right);
        Assert.Equal(["conditions[0][2]"], Fields(ex));
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Two_facts_compare_when_their_types_are_compatible()
    {
        Validate(Request([Price, "DEMO:DATASET:TRADES:bid"], [C("$index[0]", ">", "\"$index[1]\""), C("$index[0]", "crossesAbove", "\"$index[1]\"")]));
        Validate(Request([Price, "DEMO:DATASET:TRADES:size"], [C("$index[0]", "!=", "\"$index[1]\"")]));
        Validate(Request(["DEMO:DATASET:TRADES:date", "DEMO:DATASET:TRADES:day"], [C("$index[0]", ">=", "\"$index[1]\"")]));
        Validate(Request(["DEMO:DATASET:TRADES:symbol", "DEMO:DATASET:TRADES:note"], [C("$index[1]", "contains", "\"$index[0]\"")]));
        Validate(Request([Price, "DEMO:DATASET:TRADES:meta.p"], [C("$index[0]", "<", "\"$index[1]\"")]));

        var ex = Bad(Request([Price, "DEMO:DATASET:TRADES:symbol"], [C("$index[0]", ">", "\"$index[1]\"")]));
        Assert.Equal(["conditions[0][2]"], Fields(ex));
        Assert.Contains("string fact", ex.Message);
        Assert.Equal(["conditions[0][2]"], Fields(Bad(Request([Price, "DEMO:DATASET:TRADES:meta"], [C("$index[0]", "=", "\"$index[1]\"")]))));
        Assert.Equal(["conditions[0][2]"], Fields(Bad(Request(["DEMO:DATASET:TRADES:date", Price], [C("$index[0]", "<", "\"$index[1]\"")]))));
    }

    [Fact]
    public void Right_sides_are_stored_compact()
    {
        var rule = Validate(Request([Price], [C("$index[0]", "between", "[ 1 , 2 ]")]));
        Assert.Equal("[1,2]", rule.Conditions[0].RightJson);
        Assert.Equal(["conditions[0][2]"], Fields(Bad(Request([Price], [C("$index[0]", ">", "{oops")]))));
    }

    [Fact]
    public void Names_are_trimmed_and_bounded()
    {
        Assert.Equal(["ruleName"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1")], name: "   "))));
        Assert.Equal(["ruleName"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1")], name: new string('n', 201)))));
        Assert.Equal(200, Validate(Request([Price], [C("$index[0]", ">", "1")], name: " " + new string('n', 200) + " ")).Name.Length);
    }

    [Theory]
    [InlineData("webhook", null, null, null, "outputs[0].url", "is required")]
    [InlineData("webhook", "ftp://example.com/x", null, null, "outputs[0].url", "absolute http")]
    [InlineData("webhook", "/relative", null, null, "outputs[0].url", "absolute http")]
    [InlineData("webhook", "http://10.0.0.1/hook", null, null, "outputs[0].url", "resolves to a private address")]
    [InlineData("webhook", "https://example.com/h", "secret", null, "outputs[0].secret", "not a usable signing secret")]
    [InlineData("webhook", "https://example.com/h", null, "ALERTS", "outputs[0].datasetId", "webhook output takes")]
    [InlineData("dataset", null, null, null, "outputs[0].datasetId", "is required")]
    [InlineData("dataset", null, null, "bad-name", "outputs[0].datasetId", "may contain only")]
    [InlineData("dataset", null, null, "_system_alerts", "outputs[0].datasetId", "reserved")]
    [InlineData("dataset", null, null, "trades", "outputs[0].datasetId", "would feed itself")]
    [InlineData("dataset", "https://example.com/h", null, "ALERTS", "outputs[0].url", "takes datasetId and frequency")]
    [InlineData("logs", "https://example.com/h", null, null, "outputs[0].url", "takes only frequency")]
    [InlineData("logs", null, null, "ALERTS", "outputs[0].datasetId", "takes only frequency")]
    [InlineData("email", null, null, null, "outputs[0].method", "'email' is not supported; use webhook, logs or dataset")]
    public void Outputs_are_checked(string method, string? url, string? secret, string? datasetId, string field, string fragment)
    {
        var ex = Bad(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, method, 0, url, secret, DatasetId: datasetId)]));
        Assert.Equal([field], Fields(ex));
        Assert.Contains(fragment, ex.Errors[0].Reason);
    }

    [Fact]
    public void Frequency_is_whole_non_negative_seconds()
    {
        Assert.Equal(["outputs[0].frequency"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "logs", -1)]))));
        Assert.Equal(["outputs[0].frequency"], Fields(Bad(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "logs", RuleLimits.MaxFrequencySeconds + 1)]))));
    }

    [Theory]
    [InlineData("Content-Type", "set by the delivery")]
    [InlineData("content-length", "set by the delivery")]
    [InlineData("Host", "set by the delivery")]
    [InlineData("webhook-id", "set by the delivery")]
    [InlineData("Webhook-Signature", "set by the delivery")]
    [InlineData("Bad Name", "not a valid header name")]
    [InlineData("X:Y", "not a valid header name")]
    public void Webhook_headers_are_checked(string name, string fragment)
    {
        var ex = Bad(Request([Price], [C("$index[0]", ">", "1")],
            outputs: [new RuleOutput(null, "webhook", 0, "https://example.com/h", Headers: new Dictionary<string, string> { [name] = "v" })]));
        Assert.Equal(["outputs[0].headers"], Fields(ex));
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Header_values_may_not_break_lines_and_names_may_not_repeat()
    {
        Assert.Contains("control characters", Bad(Request([Price], [C("$index[0]", ">", "1")],
            outputs: [new RuleOutput(null, "webhook", 0, "https://example.com/h", Headers: new Dictionary<string, string> { ["X-A"] = "a\r\nHost: evil" })])).Message);
        Assert.Contains("given twice", Bad(Request([Price], [C("$index[0]", ">", "1")],
            outputs: [new RuleOutput(null, "webhook", 0, "https://example.com/h", Headers: new Dictionary<string, string> { ["X-A"] = "a", ["x-a"] = "b" })])).Message);
        var ok = Validate(Request([Price], [C("$index[0]", ">", "1")],
            outputs: [new RuleOutput(null, "webhook", 0, "https://example.com/h", Headers: new Dictionary<string, string> { ["X-Api-Key"] = "k 1\t2" })]));
        Assert.Equal("k 1\t2", ok.Outputs[0].Headers!["x-api-key"]);
    }

    [Fact]
    public void A_dataset_output_keeps_the_target_as_created_and_need_not_exist()
    {
        var rule = Validate(Request([Price], [C("$index[0]", ">", "1")],
            outputs: [new RuleOutput(null, "dataset", 0, DatasetId: "quotes"), new RuleOutput(null, "dataset", 0, DatasetId: "NEW_ALERTS")]));
        Assert.Equal(["QUOTES", "NEW_ALERTS"], rule.Outputs.Select(o => o.DatasetId));
        Assert.All(rule.Outputs, o => Assert.Null(o.Secret));
    }

    [Fact]
    public void Given_secrets_are_kept()
    {
        var rule = Validate(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "webhook", 0, "https://example.com/h", "whsec_mine_123")]));
        Assert.Equal("whsec_mine_123", rule.Outputs[0].Secret);
    }

    [Fact]
    public void An_edit_keeps_output_ids_and_secrets_by_method_and_target()
    {
        var created = Validate(Request([Price], [C("$index[0]", ">", "1")], outputs:
        [
            new RuleOutput(null, "webhook", 0, "https://a.example.com/h"),
            new RuleOutput(null, "webhook", 0, "https://b.example.com/h"),
            new RuleOutput(null, "dataset", 0, DatasetId: "ALERTS"),
            new RuleOutput(null, "logs", 0),
        ]));
        Assert.Equal(["o1", "o2", "o3", "o4"], created.Outputs.Select(o => o.Id));
        var disabled = created with { Outputs = created.Outputs.Select(o => o.Id == "o2" ? o with { DisabledReason = "410 Gone" } : o).ToArray(), Paused = true };

        var edited = RuleValidator.Validate(Request([Price], [C("$index[0]", ">", "1")], name: "renamed", outputs:
        [
            new RuleOutput(null, "logs", 30),
            new RuleOutput(null, "webhook", 0, "https://b.example.com/h"),
            new RuleOutput(null, "webhook", 0, "https://c.example.com/h"),
            new RuleOutput(null, "dataset", 0, DatasetId: "alerts"),
            new RuleOutput(null, "webhook", 0, "https://a.example.com/h", "whsec_replaced_1"),
        ]), Context(disabled, now: Now + 1000));

        Assert.Equal(["o4", "o2", "o5", "o3", "o1"], edited.Outputs.Select(o => o.Id));
        Assert.Equal(30, edited.Outputs[0].Frequency);
        Assert.Equal(created.Outputs[1].Secret, edited.Outputs[1].Secret);
        Assert.Null(edited.Outputs[1].DisabledReason);
        Assert.Equal("whsec_generated1", edited.Outputs[2].Secret);
        Assert.Equal("whsec_replaced_1", edited.Outputs[4].Secret);
        Assert.Equal((2, Now, Now + 1000, true, 1, "renamed"),
            (edited.Version, edited.Created, edited.Updated, edited.Paused, edited.StateGeneration, edited.Name));
    }

    [Fact]
    public void Each_existing_output_matches_at_most_once()
    {
        var created = Validate(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "logs", 0)]));
        var edited = Validate(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "logs", 0), new RuleOutput(null, "logs", 60)]), created);
        Assert.Equal(["o1", "o2"], edited.Outputs.Select(o => o.Id));
    }

    [Fact]
    public void An_output_id_is_never_given_twice_even_after_its_output_was_removed()
    {
        var created = Validate(Request([Price], [C("$index[0]", ">", "1")],
            outputs: [new RuleOutput(null, "logs", 0), new RuleOutput(null, "dataset", 0, DatasetId: "OUT_A")]));
        Assert.Equal(["o1", "o2"], created.Outputs.Select(o => o.Id));
        Assert.Equal(2, created.OutputsNumbered);
        // o2 is removed; alerts may still be pending for it.
        var fewer = Validate(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "logs", 0)]), created);
        Assert.Equal(["o1"], fewer.Outputs.Select(o => o.Id));
        Assert.Equal(2, fewer.OutputsNumbered);
        var more = Validate(Request([Price], [C("$index[0]", ">", "1")], outputs: [new RuleOutput(null, "logs", 0), new RuleOutput(null, "dataset", 0, DatasetId: "OUT_B")]), fewer);
        Assert.Equal(["o1", "o3"], more.Outputs.Select(o => o.Id));
        Assert.Equal(3, more.OutputsNumbered);
    }

    [Fact]
    public void The_state_generation_changes_only_with_what_is_evaluated()
    {
        var created = Validate(Request([Price], [C("$index[0]", ">", "150")], outputs: [new RuleOutput(null, "logs", 0)]));
        Assert.Equal(1, created.StateGeneration);

        // Same evaluation written differently (lower-case fact, spaces in the right side, a bare name for the same fact).
        var same = Validate(Request(["demo:dataset:trades:price"], [C("price", ">", " 150 ")], name: "other", outputs: [new RuleOutput(null, "logs", 60)]), created);
        Assert.Equal((2, 1), (same.Version, same.StateGeneration));

        Assert.Equal(2, Validate(Request([Price], [C("$index[0]", ">", "151")]), same).StateGeneration);
        Assert.Equal(2, Validate(Request([Price], [C("$index[0]", ">", "150")], RuleMatch.All), same).StateGeneration);
        Assert.Equal(2, Validate(Request([Price, "DEMO:DATASET:TRADES:size"], [C("$index[0]", ">", "150")]), same).StateGeneration);
        var moved = Validate(Request(["DEMO:DATASET:QUOTES:bid"], [C("$index[0]", ">", "150")]), same);
        Assert.Equal(("QUOTES", 2), (moved.DatasetId, moved.StateGeneration));
    }
}
