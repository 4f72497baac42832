using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Engine;
using static Apperate.Actors.Tests.Rules.RuleTestKit;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Compiled conditions against rows: every operator, absent values, dates and windows, fact pairs, state, keys, binding.</summary>
[Trait("Category", "Unit")]
public sealed class RuleCompilerTests
{
    private const string Meta = """{"a":{"b":7},"list":[1,{"x":"y"}],"s":"2024-01-01T10:00:00Z","n":null}""";

    /// <summary>The outcome of one condition on <c>$index[0]</c> = <paramref name="fact"/> (a TRADES property) for one row.</summary>
    private static bool One(string fact, string op, string? right, params (string Name, object? Value)[] values)
    {
        var rule = Compile(RuleMatch.Any, [$"DEMO:DATASET:TRADES:{fact}"], C("$index[0]", op, right));
        return Evaluate(rule, Row(values)).Passed;
    }

    private static (bool Passed, bool[] Results) Evaluate(CompiledRule rule, object?[] row, IConditionState? state = null, string[]? columns = null)
    {
        var results = new bool[rule.ConditionCount];
        var passed = rule.Evaluate(row, rule.Bind(columns ?? TradeColumns), state ?? new DictionaryState(), results);
        return (passed, results);
    }

    private static void AssertOutcome(bool passed, bool[] results, (bool Passed, bool[] Results) actual)
    {
        Assert.Equal(passed, actual.Passed);
        Assert.Equal(results, actual.Results);
    }

    /// <summary>Feeds one key's values in order through a one-condition rule; returns each outcome.</summary>
    private static bool[] Sequence(CompiledRule rule, DictionaryState state, params (string Name, object? Value)[][] rows) =>
        rows.Select(r => Evaluate(rule, Row(r), state).Passed).ToArray();

    [Theory]
    [InlineData(">", "150", 150.5, true)]
    [InlineData(">", "150", 150.0, false)]
    [InlineData(">", "150", 151L, true)]
    [InlineData(">=", "150", 150.0, true)]
    [InlineData(">=", "150.5", 150.4, false)]
    [InlineData("<", "150", 149.99, true)]
    [InlineData("<", "150", 150.0, false)]
    [InlineData("<=", "150", 150L, true)]
    [InlineData("=", "150", 150.0, true)]
    [InlineData("==", "150", 150L, true)]
    [InlineData("=", "150.5", 150.0, false)]
    [InlineData("!=", "150", 150.0, false)]
    [InlineData("!=", "150", 150.1, true)]
    [InlineData("between", "[100,200]", 100.0, true)]
    [InlineData("between", "[100,200]", 200L, true)]
    [InlineData("between", "[100,200]", 200.01, false)]
    [InlineData("between", "[1.5,1.5]", 1.5, true)]
    public void Number_operators(string op, string right, object value, bool expected) =>
        Assert.Equal(expected, One("price", op, right, ("price", value)));

    [Theory]
    [InlineData(">", "1.5", 2L, true)]
    [InlineData("=", "2.0", 2L, true)]
    [InlineData("=", "9007199254740993", 9007199254740993L, true)]
    [InlineData("=", "9007199254740993", 9007199254740992L, false)]
    [InlineData("<", "-1", -2L, true)]
    public void Integer_facts_compare_exactly_when_both_sides_are_whole(string op, string right, long value, bool expected) =>
        Assert.Equal(expected, One("size", op, right, ("size", value)));

    [Theory]
    [InlineData("price", ">", "1")]
    [InlineData("price", "!=", "1")]
    [InlineData("price", "between", "[0,1]")]
    [InlineData("price", "changedBy%", "1")]
    [InlineData("price", "crossesAbove", "1")]
    [InlineData("symbol", "=", "\"A\"")]
    [InlineData("symbol", "!=", "\"A\"")]
    [InlineData("symbol", "contains", "\"\"")]
    [InlineData("symbol", "notIn", "[\"A\"]")]
    [InlineData("active", "!=", "true")]
    [InlineData("date", "!=", "\"2024-01-01\"")]
    [InlineData("date", "within", "\"00:00:00 - 23:59:59\"")]
    [InlineData("meta.a.b", "!=", "1")]
    [InlineData("price", "exists", null)]
    public void Absent_and_null_values_are_false_for_every_operator_but_notExists(string fact, string op, string? right)
    {
        Assert.False(One(fact, op, right));
        // Not carried by the batch at all (position -1) is the same.
        var rule = Compile(RuleMatch.Any, [$"DEMO:DATASET:TRADES:{fact}"], C("$index[0]", op, right));
        Assert.False(Evaluate(rule, [1.0], columns: ["size"]).Passed);
    }

    [Fact]
    public void NotExists_is_true_for_absent_and_null_values_only()
    {
        Assert.True(One("price", "notExists", null));
        Assert.False(One("price", "notExists", null, ("price", 0.0)));
        Assert.True(One("meta.missing", "notExists", null, ("meta", Meta)));
        Assert.True(One("meta.n", "notExists", null, ("meta", Meta)));
        Assert.False(One("meta.a", "notExists", null, ("meta", Meta)));
    }

    [Theory]
    [InlineData("=", "\"AAPL\"", "AAPL", true)]
    [InlineData("=", "\"AAPL\"", "aapl", false)]
    [InlineData("==", "\"AAPL\"", "AAPL", true)]
    [InlineData("!=", "\"AAPL\"", "MSFT", true)]
    [InlineData("!=", "\"AAPL\"", "AAPL", false)]
    [InlineData("contains", "\"AP\"", "AAPL", true)]
    [InlineData("contains", "\"ap\"", "AAPL", false)]
    [InlineData("startsWith", "\"AA\"", "AAPL", true)]
    [InlineData("startsWith", "\"PL\"", "AAPL", false)]
    [InlineData("endsWith", "\"PL\"", "AAPL", true)]
    [InlineData("endsWith", "\"AA\"", "AAPL", false)]
    [InlineData("=", "\"$indexes\"", "$indexes", true)]
    [InlineData("in", "[\"MSFT\",\"AAPL\"]", "AAPL", true)]
    [InlineData("in", "[\"MSFT\"]", "AAPL", false)]
    [InlineData("notIn", "[\"MSFT\"]", "AAPL", true)]
    [InlineData("notIn", "[\"MSFT\",\"AAPL\"]", "AAPL", false)]
    public void String_operators_are_case_sensitive(string op, string right, string value, bool expected) =>
        Assert.Equal(expected, One("symbol", op, right, ("symbol", value)));

    [Theory]
    [InlineData("=", "true", true, true)]
    [InlineData("=", "true", false, false)]
    [InlineData("!=", "true", false, true)]
    [InlineData("==", "false", false, true)]
    public void Boolean_operators(string op, string right, bool value, bool expected) =>
        Assert.Equal(expected, One("active", op, right, ("active", value)));

    [Theory]
    [InlineData("date", ">", "\"2024-01-01\"", "2024-01-01T00:00:00.001Z", true)]
    [InlineData("date", ">", "\"2024-01-01\"", "2024-01-01T00:00:00Z", false)]
    [InlineData("date", "=", "1704067200000", "2024-01-01T00:00:00Z", true)]
    [InlineData("date", "=", "\"2024-01-01T02:00:00+02:00\"", "2024-01-01 00:00:00", true)]
    [InlineData("date", "<", "\"2024-01-01T01:00:00+02:00\"", "2023-12-31T22:59:59Z", true)]
    [InlineData("date", "<=", "\"2024-01-01T01:00:00+02:00\"", "2023-12-31T23:00:01Z", false)]
    [InlineData("date", "!=", "\"2024-01-01\"", "2024-01-01T00:00:00Z", false)]
    [InlineData("day", ">=", "\"2024-01-01T00:00:00Z\"", "2024-01-01", true)]
    [InlineData("day", "<", "\"2024-01-01T00:00:00Z\"", "2024-01-01", false)]
    [InlineData("date", "between", "[\"2024-01-01\",\"2024-01-31\"]", "2024-01-31T00:00:00Z", true)]
    [InlineData("date", "between", "[\"2024-01-01\",\"2024-01-31\"]", "2024-01-31T00:00:00.001Z", false)]
    [InlineData("date", "between", "[1704067200000,\"2024-01-02\"]", "2024-01-01T12:00:00Z", true)]
    [InlineData("date", ">", "0", "not a date", false)]
    [InlineData("date", "!=", "0", "not a date", false)]
    public void Dates_compare_as_instants(string fact, string op, string right, string value, bool expected) =>
        Assert.Equal(expected, One(fact, op, right, (fact, value)));

    [Theory]
    [InlineData("within", "09:30:00 - 16:00:00", "2024-01-02T09:30:00Z", true)]
    [InlineData("within", "09:30:00 - 16:00:00", "2024-01-02T16:00:00.999Z", true)]
    [InlineData("within", "09:30:00 - 16:00:00", "2024-01-02T16:00:01Z", false)]
    [InlineData("between", "09:30:00 - 16:00:00", "2024-01-02T09:29:59Z", false)]
    [InlineData("between", "09:30:00 - 16:00:00", "2024-01-02T12:00:00+02:00", true)]
    [InlineData("between", "09:30:00 - 16:00:00", "2024-01-02T10:00:00+02:00", false)]
    [InlineData("within", "22:00:00 - 02:00:00", "2024-01-02T22:00:00Z", true)]
    [InlineData("within", "22:00:00 - 02:00:00", "2024-01-02T23:00:00Z", true)]
    [InlineData("within", "22:00:00 - 02:00:00", "2024-01-03T01:59:59Z", true)]
    [InlineData("within", "22:00:00 - 02:00:00", "2024-01-03T02:00:01Z", false)]
    [InlineData("within", "22:00:00 - 02:00:00", "2024-01-03T12:00:00Z", false)]
    [InlineData("within", "22:00:00 - 02:00:00", "1969-12-31T23:30:00Z", true)]
    [InlineData("within", "22:00:00 - 02:00:00", "1969-12-31T21:30:00Z", false)]
    public void Time_windows_read_the_UTC_time_of_day(string op, string window, string value, bool expected) =>
        Assert.Equal(expected, One("date", op, JsonSerializer.Serialize(window), ("date", value)));

    [Fact]
    public void Two_facts_of_a_record_compare()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:bid", "DEMO:DATASET:TRADES:size", "DEMO:DATASET:TRADES:date",
                "DEMO:DATASET:TRADES:day", "DEMO:DATASET:TRADES:symbol", "DEMO:DATASET:TRADES:note", "DEMO:DATASET:TRADES:meta.p"],
            C("$index[0]", ">", "\"$index[1]\""),
            C("$index[0]", "!=", "\"$index[2]\""),
            C("$index[3]", ">=", "\"$index[4]\""),
            C("$index[6]", "contains", "\"$index[5]\""),
            C("$index[7]", "<", "\"$index[0]\""));
        var (_, results) = Evaluate(rule, Row(("price", 10.0), ("bid", 9.5), ("size", 10L), ("date", "2024-01-01T00:00:00Z"), ("day", "2024-01-01"),
            ("symbol", "AAPL"), ("note", "bought AAPL"), ("meta", """{"p":9}""")));
        Assert.Equal([true, false, true, true, true], results);

        (_, results) = Evaluate(rule, Row(("price", 10.0), ("size", 11L), ("date", "2023-12-31T23:59:59Z"), ("day", "2024-01-01"), ("symbol", "MSFT"),
            ("note", "bought AAPL"), ("meta", """{"p":"9"}""")));
        Assert.Equal([false, true, false, false, false], results);
    }

    [Fact]
    public void Two_nested_facts_compare_by_what_they_hold()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:meta.x", "DEMO:DATASET:TRADES:extra.y"],
            C("$index[0]", ">", "\"$index[1]\""), C("$index[0]", "=", "\"$index[1]\""));
        Assert.Equal([true, false], Evaluate(rule, Row(("meta", """{"x":2}"""), ("extra", """{"y":1.5}"""))).Results);
        Assert.Equal([true, false], Evaluate(rule, Row(("meta", """{"x":"2024-01-02"}"""), ("extra", """{"y":"2024-01-01T23:00:00Z"}"""))).Results);
        Assert.Equal([false, true], Evaluate(rule, Row(("meta", """{"x":"a"}"""), ("extra", """{"y":"a"}"""))).Results);
        Assert.Equal([false, true], Evaluate(rule, Row(("meta", """{"x":true}"""), ("extra", """{"y":true}"""))).Results);
        Assert.Equal([false, false], Evaluate(rule, Row(("meta", """{"x":1}"""), ("extra", """{"y":"1"}"""))).Results);
    }

    [Fact]
    public void ChangedBy_compares_with_the_key_s_previous_value()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price"], C("$index[0]", "changedBy%", "1"));
        Assert.True(rule.IsStateful);
        var state = new DictionaryState();
        Assert.Equal([false, true, false, false, true, false, true],
            Sequence(rule, state, [("price", 100.0)], [("price", 101.0)], [("price", 101.5)], [("price", 100.49)], [("price", 0.0)], [("price", 0L)], [("price", 5L)]));
        Assert.Equal(5, state.Values[0]);

        // An absent value neither passes nor moves the state.
        var other = new DictionaryState();
        Assert.Equal([false, false, true], Sequence(rule, other, [("price", 100.0)], [], [("price", 98.0)]));
    }

    [Fact]
    public void Without_persisted_updates_the_state_stays_where_it_was()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price"], C("$index[0]", "changedBy%", "1"));
        var state = new DictionaryState();
        Assert.False(Evaluate(rule, Row(("price", 100.0)), state).Passed);
        state.Persist = false;
        Assert.True(Evaluate(rule, Row(("price", 150.0)), state).Passed);
        state.Persist = true;
        Assert.True(Evaluate(rule, Row(("price", 101.0)), state).Passed);
    }

    [Fact]
    public void Crossing_a_threshold_is_a_move_from_one_side_to_the_other()
    {
        var above = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price"], C("$index[0]", "crossesAbove", "150"));
        Assert.Equal([false, true, false, false, false, true, false],
            Sequence(above, new DictionaryState(), [("price", 149.0)], [("price", 151.0)], [("price", 152.0)], [("price", 149.0)], [("price", 150.0)], [("price", 151L)], [("price", 150.0)]));

        var below = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:size"], C("$index[0]", "crossesBelow", "150"));
        Assert.Equal([false, true, false, false, true],
            Sequence(below, new DictionaryState(), [("size", 151L)], [("size", 149L)], [("size", 148L)], [("size", 150L)], [("size", 149L)]));
    }

    [Fact]
    public void Crossing_another_fact_tracks_their_difference()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:ask"], C("$index[0]", "crossesAbove", "\"$index[1]\""));
        Assert.Equal([false, true, false, false, true, false],
            Sequence(rule, new DictionaryState(),
                [("price", 10.0), ("ask", 11.0)], [("price", 12.0), ("ask", 11.0)], [("price", 13.0), ("ask", 12.0)], [("price", 11.0), ("ask", 12.0)],
                [("price", 12.0), ("ask", 11.5)], [("price", 12.0)]));
    }

    [Fact]
    public void Stateful_conditions_advance_even_when_another_condition_decides()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price"], C("$index[0]", ">", "0"), C("$index[0]", "changedBy%", "10"));
        var state = new DictionaryState();
        AssertOutcome(true, [true, false], Evaluate(rule, Row(("price", 100.0)), state));
        Assert.Equal(100, state.Values[1]);
        AssertOutcome(true, [true, true], Evaluate(rule, Row(("price", 120.0)), state));
        Assert.Equal(120, state.Values[1]);
    }

    [Fact]
    public void Any_and_all_combine_every_result()
    {
        var conditions = new[] { C("price", ">", "100"), C("symbol", "=", "\"AAPL\""), C("size", ">=", "10") };
        var all = Compile(RuleMatch.All, ["DEMO:DATASET:TRADES:price"], conditions);
        var any = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price"], conditions);
        Assert.False(all.IsStateful);
        var row = Row(("price", 101.0), ("symbol", "AAPL"), ("size", 5L));
        AssertOutcome(false, [true, true, false], Evaluate(all, row));
        AssertOutcome(true, [true, true, false], Evaluate(any, row));
        Assert.True(Evaluate(all, Row(("price", 101.0), ("symbol", "AAPL"), ("size", 10L))).Passed);
        Assert.False(Evaluate(any, Row(("price", 99.0), ("symbol", "MSFT"))).Passed);
        Assert.Throws<ArgumentException>(() => all.Evaluate(row, all.Bind(TradeColumns), new DictionaryState(), new bool[2]));
    }

    [Theory]
    [InlineData(RuleMatch.All, new[] { "symbol|=|\"AAPL\"", "price|>|1" }, new[] { "AAPL" })]
    [InlineData(RuleMatch.All, new[] { "symbol|in|[\"C\",\"A\",\"B\"]", "symbol|==|\"B\"" }, new[] { "B" })]
    [InlineData(RuleMatch.All, new[] { "symbol|=|\"A\"", "symbol|=|\"B\"" }, new string[0])]
    [InlineData(RuleMatch.All, new[] { "symbol|!=|\"A\"", "price|>|1" }, null)]
    [InlineData(RuleMatch.All, new[] { "symbol|notIn|[\"A\"]" }, null)]
    [InlineData(RuleMatch.All, new[] { "symbol|contains|\"A\"" }, null)]
    [InlineData(RuleMatch.All, new[] { "symbol|=|\"$index[1]\"" }, null)]
    [InlineData(RuleMatch.Any, new[] { "symbol|=|\"A\"", "symbol|in|[\"C\",\"B\",\"A\"]" }, new[] { "A", "B", "C" })]
    [InlineData(RuleMatch.Any, new[] { "symbol|=|\"A\"", "price|>|1" }, null)]
    public void Keys_are_those_a_rule_can_pass_for(RuleMatch type, string[] conditions, string[]? keys)
    {
        var rule = Compile(type, ["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:note"],
            conditions.Select(c => c.Split('|')).Select(p => C(p[0], p[1], p[2])).ToArray());
        Assert.Equal(keys, rule.Keys);
    }

    [Theory]
    [InlineData("42", new[] { "42" })]
    [InlineData("42.0", new[] { "42" })]
    [InlineData("-7", new[] { "-7" })]
    [InlineData("42.5", new string[0])]
    public void Integer_keys_are_their_invariant_text(string literal, string[] keys)
    {
        var rule = RuleCompiler.Compile(Validate(Request(["DEMO:DATASET:ORDERS:id"], [C("$index[0]", "=", literal)], RuleMatch.All)), Orders);
        Assert.Equal(keys, rule.Keys);
    }

    [Fact]
    public void Number_keys_are_not_filtered()
    {
        var rule = RuleCompiler.Compile(Validate(Request(["DEMO:DATASET:LEVELS:level"], [C("$index[0]", "=", "5")], RuleMatch.All)), Levels);
        Assert.Null(rule.Keys);
    }

    [Fact]
    public void Bind_finds_facts_in_any_column_order_ignoring_case()
    {
        var rule = RuleCompiler.Compile(Validate(Request(["DEMO:DATASET:TRADES:symbol", "DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:meta.a.b"],
            [C("$index[1]", ">", "1"), C("$index[2]", ">", "1")], additional: ["DEMO:DATASET:TRADES:size", "DEMO:DATASET:QUOTES:bid", "DEMO:DATASET:TRADES:note"])), Trades);

        Assert.Equal([1, 0, 2, -1, -1, -1], rule.Bind(["PRICE", "Symbol", "meta"]));
        Assert.Equal([0, 1, -1, 2, -1, -1], rule.Bind(["symbol", "price", "size"]));
        Assert.Equal(["Trades", "Trades", "Trades"], rule.Facts.Select(f => f.DatasetId));
        Assert.Equal(["b"], rule.Facts[2].Path[1..]);
        Assert.Equal(("QUOTES", "bid", PropertyType.Any), (rule.Additional[1].DatasetId, rule.Additional[1].Property, rule.Additional[1].Type));

        var results = new bool[2];
        Assert.True(rule.Evaluate([155.0, "AAPL", """{"a":{"b":2}}"""], rule.Bind(["price", "symbol", "meta"]), new DictionaryState(), results));
        Assert.Equal([true, true], results);
    }

    [Theory]
    [InlineData("meta.a.b", ">", "5", true)]
    [InlineData("meta.a.b", "=", "7", true)]
    [InlineData("meta.a.b", "=", "\"7\"", false)]
    [InlineData("meta.a.b", "between", "[7,8]", true)]
    [InlineData("meta.list.1.x", "=", "\"y\"", true)]
    [InlineData("meta.list.2.x", "exists", null, false)]
    [InlineData("meta.a", "exists", null, true)]
    [InlineData("meta.a", ">", "1", false)]
    [InlineData("meta.s", ">", "\"2024-01-01\"", true)]
    [InlineData("meta.s", "within", "\"09:00:00 - 11:00:00\"", true)]
    [InlineData("meta.s", "startsWith", "\"2024\"", true)]
    [InlineData("meta.s", "in", "[\"x\"]", false)]
    [InlineData("meta.missing", "exists", null, false)]
    public void Nested_facts_are_judged_by_the_value_they_hold(string fact, string op, string? right, bool expected) =>
        Assert.Equal(expected, One(fact, op, right, ("meta", Meta)));

    [Theory]
    [InlineData("5", ">", "4", true)]
    [InlineData("\"abc\"", "contains", "\"b\"", true)]
    [InlineData("\"abc\"", ">", "4", false)]
    [InlineData("true", "=", "true", true)]
    [InlineData("[1,2]", "exists", null, true)]
    public void Any_properties_are_judged_by_the_value_they_hold(string json, string op, string? right, bool expected) =>
        Assert.Equal(expected, One("extra", op, right, ("extra", json)));

    [Fact]
    public void Fact_values_are_written_as_json()
    {
        var rule = RuleCompiler.Compile(Validate(Request(
            ["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:symbol", "DEMO:DATASET:TRADES:meta.a", "DEMO:DATASET:TRADES:meta", "DEMO:DATASET:TRADES:extra",
             "DEMO:DATASET:TRADES:size", "DEMO:DATASET:TRADES:meta.nope", "DEMO:DATASET:TRADES:date"],
            [C("$index[0]", ">", "1"), C("$index[1]", "exists")],
            additional: ["DEMO:DATASET:TRADES:active", "DEMO:DATASET:QUOTES:bid"])), Trades);
        var row = Row(("price", 151.5), ("symbol", "AAPL"), ("meta", Meta), ("extra", "5"), ("size", 10L), ("date", "2024-01-01T00:00:00Z"), ("active", true));
        var positions = rule.Bind(TradeColumns);

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < positions.Length; i++) rule.WriteFactValue(writer, i, row, positions);
            writer.WriteEndArray();
        }
        Assert.Equal($$"""[151.5,"AAPL",{"b":7},{{Meta}},5,10,null,"2024-01-01T00:00:00Z",true,null]""", Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Values_of_other_datasets_are_written_with_their_own_type()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            FactJson.Write(writer, "\"x\"", PropertyType.String, []);
            FactJson.Write(writer, "\"x\"", PropertyType.Any, []);
            FactJson.Write(writer, """{"a":[1,2]}""", PropertyType.Object, ["a", "1"]);
            FactJson.Write(writer, 2.5, PropertyType.Number, []);
            writer.WriteEndArray();
        }
        Assert.Equal("""["\u0022x\u0022","x",2,2.5]""", Encoding.UTF8.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Condition_right_sides_are_reported_as_json()
    {
        var rule = Compile(RuleMatch.Any, ["DEMO:DATASET:TRADES:price", "DEMO:DATASET:TRADES:bid"],
            C("$index[0]", ">", "150"), C("$index[0]", ">", "\"$index[1]\""), C("$index[0]", "exists"), C("symbol", "in", "[\"A\", \"B\"]"));
        Assert.Equal(["150", "\"$index[1]\"", "null", """["A","B"]"""], Enumerable.Range(0, 4).Select(rule.ConditionRight));
    }

    [Fact]
    public void A_rule_that_no_longer_fits_its_dataset_does_not_compile()
    {
        var rule = Validate(Request(["DEMO:DATASET:TRADES:price"], [C("$index[0]", ">", "150")], additional: ["DEMO:DATASET:TRADES:note"]));
        var retyped = Dataset("Trades", "symbol", ("symbol", PropertyType.String), ("price", PropertyType.String));
        var ex = Assert.Throws<ApperateException>(() => RuleCompiler.Compile(rule, retyped));
        Assert.Equal(["conditions[0][1]"], Fields(ex));
        var gone = Dataset("Trades", "symbol", ("symbol", PropertyType.String));
        Assert.Equal(["index[0]"], Fields(Assert.Throws<ApperateException>(() => RuleCompiler.Compile(rule, gone))));

        // A renamed dataset keeps its rules; an additional fact that is gone reads as absent.
        var renamed = RuleCompiler.Compile(rule, Dataset("TRADES_V2", "symbol", ("symbol", PropertyType.String), ("price", PropertyType.Number)));
        Assert.Equal("TRADES_V2", renamed.Facts[0].DatasetId);
        Assert.Equal([1, -1], renamed.Bind(["symbol", "price"]));
    }

    [Fact]
    public void The_operator_table_is_what_the_schema_lists()
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) RuleOperators.WriteJson(writer);
        using var json = JsonDocument.Parse(buffer.ToArray());
        Assert.Equal(["number", "string", "boolean", "date"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(RuleOperators.Number.Select(o => o.Value), json.RootElement.GetProperty("number").EnumerateArray().Select(o => o.GetProperty("value").GetString()));
        Assert.Contains(json.RootElement.GetProperty("date").EnumerateArray(), o => o.GetProperty("label").GetString() == "is within time window");
        Assert.Equal(["exists", "notExists"], RuleOperators.For(PropertyType.Object).Select(o => o.Value));
        Assert.Equal("date", RuleOperators.TypeName(PropertyType.DateTime));
    }
}
