using Apperate.Actors.Gateway.Rules;
using Apperate.Actors.Rules;
using static Apperate.Actors.Tests.Rules.RuleTestKit;

namespace Apperate.Actors.Tests.Rules;

/// <summary>The body of <c>POST /v1/rules/create</c> as Apperate's clients send it, and every shape error naming its field.</summary>
[Trait("Category", "Unit")]
public sealed class RuleJsonTests
{
    private static ApperateException Bad(string json) => Refused(() => RuleJson.Parse(Json(json)));

    [Fact]
    public void A_full_body_parses()
    {
        var (request, token) = RuleJson.Parse(Json("""
            {"token":"sk_abc","ruleName":"  Big trades ","type":"all","index":["DEMO:DATASET:TRADES:price","DEMO:DATASET:TRADES:symbol"],
             "conditions":[["$index[0]",">",150],["$index[1]","in", [ "AAPL" , "MSFT" ]],["$index[0]","exists"],["$index[1]","notExists",null]],
             "outputs":[{"method":"webhook","url":"https://example.com/hook","secret":"whsec_abcdefgh","headers":{"X-Team":"risk"},"frequency":60},
                        {"method":"log"},{"method":"dataset","datasetId":"ALERTS","frequency":0}],
             "additionalIndex":["DEMO:DATASET:QUOTES:bid"],"id":"3F2B8C1E-4D5A-4B6C-8D7E-9F0A1B2C3D4E","unknown":true}
            """));

        Assert.Equal("sk_abc", token);
        Assert.Equal("3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e", request.Id);
        Assert.Equal("Big trades", request.Name);
        Assert.Equal(RuleMatch.All, request.Type);
        Assert.Equal(["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:symbol"], request.Index);
        Assert.Equal(
            [C("$index[0]", ">", "150"), C("$index[1]", "in", """["AAPL","MSFT"]"""), C("$index[0]", "exists"), C("$index[1]", "notExists")],
            request.Conditions);
        Assert.Equal(3, request.Outputs.Length);
        var hook = request.Outputs[0];
        Assert.Equal(("webhook", "https://example.com/hook", "whsec_abcdefgh", 60L), (hook.Method, hook.Url, hook.Secret, hook.Frequency));
        Assert.Equal("risk", hook.Headers!["X-Team"]);
        Assert.Equal(new RuleOutput(null, "logs", 0), request.Outputs[1]);
        Assert.Equal(new RuleOutput(null, "dataset", 0, DatasetId: "ALERTS"), request.Outputs[2]);
        Assert.Equal(["DEMO:DATASET:QUOTES:bid"], request.AdditionalIndex);
    }

    [Fact]
    public void Defaults_type_any_no_facts_and_no_token()
    {
        var (request, token) = RuleJson.Parse(Json("""{"ruleName":"r","conditions":[["price",">",1]],"outputs":[{"method":"logs"}]}"""));
        Assert.Null(token);
        Assert.Null(request.Id);
        Assert.Equal(RuleMatch.Any, request.Type);
        Assert.Empty(request.Index);
        Assert.Empty(request.AdditionalIndex);
        Assert.Equal(0, request.Outputs[0].Frequency);
    }

    [Fact]
    public void Right_sides_keep_their_json_compact_and_unescaped()
    {
        var (request, _) = RuleJson.Parse(Json("""{"ruleName":"r","conditions":[["a","=","café <&>"],["b","between",[ 1.50 , 2 ]],["c","=",true]],"outputs":[{"method":"logs"}]}"""));
        Assert.Equal(["\"café <&>\"", "[1.50,2]", "true"], request.Conditions.Select(c => c.RightJson));
    }

    [Theory]
    [InlineData("""[]""", "body")]
    [InlineData("""{"conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "ruleName")]
    [InlineData("""{"ruleName":"  ","conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "ruleName")]
    [InlineData("""{"ruleName":5,"conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "ruleName")]
    [InlineData("""{"ruleName":"r","type":"some","conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "type")]
    [InlineData("""{"ruleName":"r","type":1,"conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "type")]
    [InlineData("""{"ruleName":"r","index":"DEMO:DATASET:T:p","conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "index")]
    [InlineData("""{"ruleName":"r","index":["a","b",3],"conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""", "index[2]")]
    [InlineData("""{"ruleName":"r","outputs":[{"method":"logs"}]}""", "conditions")]
    [InlineData("""{"ruleName":"r","conditions":{},"outputs":[{"method":"logs"}]}""", "conditions")]
    [InlineData("""{"ruleName":"r","conditions":[],"outputs":[{"method":"logs"}]}""", "conditions")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1],["a"]],"outputs":[{"method":"logs"}]}""", "conditions[1]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1],["a",">",1,2]],"outputs":[{"method":"logs"}]}""", "conditions[1]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1],"a > 1"],"outputs":[{"method":"logs"}]}""", "conditions[1]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1],["a",">"]],"outputs":[{"method":"logs"}]}""", "conditions[1]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1],["a",7,1]],"outputs":[{"method":"logs"}]}""", "conditions[1][1]")]
    [InlineData("""{"ruleName":"r","conditions":[[0,">",1]],"outputs":[{"method":"logs"}]}""", "conditions[0][0]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]]}""", "outputs")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[]}""", "outputs")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":{"method":"logs"}}""", "outputs")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":["logs"]}""", "outputs[0]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"frequency":1}]}""", "outputs[0].method")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs","frequency":"60"}]}""", "outputs[0].frequency")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs","frequency":-1}]}""", "outputs[0].frequency")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs","frequency":1.5}]}""", "outputs[0].frequency")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs","frequency":1e12}]}""", "outputs[0].frequency")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"webhook","url":"https://x","headers":["a"]}]}""", "outputs[0].headers")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"webhook","url":"https://x","headers":{"a":1}}]}""", "outputs[0].headers")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"webhook","url":7}]}""", "outputs[0].url")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs"}],"additionalIndex":"x"}""", "additionalIndex")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs"}],"additionalIndex":[1]}""", "additionalIndex[0]")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs"}],"id":"rule-1"}""", "id")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs"}],"id":42}""", "id")]
    [InlineData("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs"}],"token":5}""", "token")]
    public void Shape_errors_name_their_field(string json, string field)
    {
        var ex = Bad(json);
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Equal([field], Fields(ex));
    }

    [Fact]
    public void A_name_over_200_characters_is_refused()
    {
        var ex = Bad($$"""{"ruleName":"{{new string('x', 201)}}","conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""");
        Assert.Equal(["ruleName"], Fields(ex));
        Assert.Contains("200", ex.Message);
        Assert.Equal(200, RuleJson.Parse(Json($$"""{"ruleName":"{{new string('x', 200)}}","conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}""")).Request.Name.Length);
    }

    [Fact]
    public void Every_shape_error_is_listed_at_once()
    {
        var ex = Bad("""{"ruleName":"","type":"x","index":[1],"conditions":[["a"]],"outputs":[{"method":"fax"}],"id":"no"}""");
        Assert.Equal(["conditions[0]", "id", "index[0]", "outputs[0].method", "ruleName", "type"], Fields(ex).Order());
    }

    [Fact]
    public void The_legacy_rule_set_shape_says_what_to_use_instead()
    {
        var ex = Bad("""{"ruleName":"r","ruleSet":{"operator":"any","rules":[]},"outputs":[{"method":"logs"}]}""");
        Assert.Equal(["ruleSet"], Fields(ex));
        Assert.Contains("index", ex.Message);
        Assert.Contains("conditions", ex.Message);
        Assert.Contains("DEMO:DATASET:TRADES:price", ex.Message);
        // A null ruleSet is not the legacy shape.
        RuleJson.Parse(Json("""{"ruleName":"r","ruleSet":null,"conditions":[["a",">",1]],"outputs":[{"method":"logs"}]}"""));
    }

    [Theory]
    [InlineData("log", "logs")]
    [InlineData("logs", "logs")]
    [InlineData("Webhook", "webhook")]
    [InlineData("dataset", "dataset")]
    public void Methods_are_read_with_log_as_an_alias(string given, string method) =>
        Assert.Equal(method, RuleJson.Parse(Json($$"""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"{{given}}"}]}""")).Request.Outputs[0].Method);

    [Theory]
    [InlineData("email")]
    [InlineData("sms")]
    [InlineData("slack")]
    public void Other_methods_are_not_supported(string method)
    {
        var ex = Bad($$"""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"logs"},{"method":"{{method}}","to":"x@example.com"}]}""");
        Assert.Equal(["outputs[1].method"], Fields(ex));
        Assert.Equal($"'{method}' is not supported; use webhook, logs or dataset", ex.Errors[0].Reason);
    }

    [Fact]
    public void Empty_optional_strings_count_as_absent()
    {
        var output = RuleJson.Parse(Json("""{"ruleName":"r","conditions":[["a",">",1]],"outputs":[{"method":"webhook","url":"https://x","secret":"","datasetId":""}]}""")).Request.Outputs[0];
        Assert.Null(output.Secret);
        Assert.Null(output.DatasetId);
    }
}
