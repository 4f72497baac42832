using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Engine;

namespace Apperate.Actors.Tests.Rules;

/// <summary>Datasets of a DEMO workspace, validation contexts over them, and shorthands for rules and rows.</summary>
internal static class RuleTestKit
{
    public const string RuleId = "3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e";
    public const long Now = 1_700_000_000_000;

    /// <summary>Every property type: the dataset most rules watch.</summary>
    public static readonly DatasetDefinition Trades = Dataset("Trades", "symbol",
        ("symbol", PropertyType.String), ("price", PropertyType.Number), ("bid", PropertyType.Number), ("ask", PropertyType.Number),
        ("size", PropertyType.Integer), ("date", PropertyType.DateTime), ("day", PropertyType.Date), ("active", PropertyType.Boolean),
        ("meta", PropertyType.Object), ("tags", PropertyType.Array), ("extra", PropertyType.Any), ("note", PropertyType.String));

    public static readonly DatasetDefinition Quotes = Dataset("QUOTES", "symbol", ("symbol", PropertyType.String), ("bid", PropertyType.Number));

    /// <summary>Integer keys.</summary>
    public static readonly DatasetDefinition Orders = Dataset("ORDERS", "id", ("id", PropertyType.Integer), ("qty", PropertyType.Integer));

    /// <summary>Number keys.</summary>
    public static readonly DatasetDefinition Levels = Dataset("LEVELS", "level", ("level", PropertyType.Number), ("name", PropertyType.String));

    private static readonly DatasetDefinition[] All = [Trades, Quotes, Orders, Levels];

    /// <summary>The TRADES columns in schema order.</summary>
    public static string[] TradeColumns => Array.ConvertAll(Trades.Schema.Properties, p => p.Name);

    public static DatasetDefinition Dataset(string id, string key, params (string Name, PropertyType Type)[] properties) =>
        new("Demo", id, null, null,
            new DatasetSchema(Array.ConvertAll(properties, p => new PropertyDefinition(p.Name, p.Type)), [key], false),
            new ColumnMapping(key, null, key == "symbol" && properties.Any(p => p.Name == "date") ? "date" : null),
            1, 1, 1, "t_" + id.ToLowerInvariant());

    public static DatasetDefinition? Find(string id) => All.FirstOrDefault(d => string.Equals(d.DatasetId, id, StringComparison.OrdinalIgnoreCase));

    public static RuleValidationContext Context(RuleDefinition? existing = null, long now = Now)
    {
        var secrets = 0;
        return new RuleValidationContext("Demo", RuleId, existing, now, Find,
            url => new Uri(url).Host is "10.0.0.1" or "localhost" ? "resolves to a private address" : null,
            () => $"whsec_generated{++secrets}",
            s => s.StartsWith("whsec_", StringComparison.Ordinal) && s.Length >= 12);
    }

    /// <summary>A request with one logs output unless outputs are given.</summary>
    public static RuleRequest Request(string[] index, RuleCondition[] conditions, RuleMatch type = RuleMatch.Any, RuleOutput[]? outputs = null,
        string[]? additional = null, string name = "rule") =>
        new(null, name, type, index, conditions, outputs ?? [new RuleOutput(null, "logs", 0)], additional ?? []);

    public static RuleCondition C(string left, string op, string? right = null) => new(left, op, right);

    public static RuleDefinition Validate(RuleRequest request, RuleDefinition? existing = null) => RuleValidator.Validate(request, Context(existing));

    /// <summary>A rule on TRADES over its conditions, validated and compiled.</summary>
    public static CompiledRule Compile(RuleMatch type, string[] index, params RuleCondition[] conditions) =>
        RuleCompiler.Compile(Validate(Request(index, conditions, type)), Trades);

    /// <summary>One TRADES row: the named values in schema order, null elsewhere.</summary>
    public static object?[] Row(params (string Name, object? Value)[] values)
    {
        var row = new object?[Trades.Schema.Properties.Length];
        foreach (var (name, value) in values) row[Trades.Schema.IndexOf(name)] = value;
        return row;
    }

    public static ApperateException Refused(Action action) => Assert.Throws<ApperateException>(action);

    public static string[] Fields(ApperateException ex) => ex.Errors.Select(e => e.Field!).ToArray();

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}

/// <summary>Per-key state in a dictionary, as a test holds it for one key.</summary>
internal sealed class DictionaryState : IConditionState
{
    public Dictionary<int, double> Values { get; } = [];

    /// <summary>False evaluates without keeping updates (<c>updateState=false</c>).</summary>
    public bool Persist { get; set; } = true;

    public bool TryGetPrevious(int condition, out double value) => Values.TryGetValue(condition, out value);

    public void SetPrevious(int condition, double value)
    {
        if (Persist) Values[condition] = value;
    }
}
