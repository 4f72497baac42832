using System.Text.Json;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Rules.Engine;

/// <summary>One operator as <c>GET /v1/rules/schema</c> lists it.</summary>
/// <param name="Label">What a user interface shows (<c>is above</c>).</param>
/// <param name="Value">What a condition writes (<c>&gt;</c>).</param>
public sealed record RuleOperator(string Label, string Value)
{
    /// <summary>What the operator does, whatever the type it is listed under.</summary>
    internal OperatorKind Kind { get; init; }
}

/// <summary>
/// The operators of rule conditions, per type of fact: the one table behind <c>GET /v1/rules/schema</c> and behind the
/// validator's messages, so what a client is offered is exactly what is accepted.
/// </summary>
/// <remarks>
/// Operators are matched case-sensitively, as Apperate writes them. <c>==</c> is accepted as <c>=</c> (Apperate's own
/// examples use both) but not listed twice. <c>exists</c> and <c>notExists</c> apply to every type and are listed under
/// each. A fact whose type is only known per record (a nested field, an <c>any</c> property) takes every operator.
/// </remarks>
public static class RuleOperators
{
    /// <summary>The alias accepted for <c>=</c>.</summary>
    public const string EqualAlias = "==";

    private static readonly RuleOperator Exists = new("exists", "exists") { Kind = OperatorKind.Exists };
    private static readonly RuleOperator NotExists = new("does not exist", "notExists") { Kind = OperatorKind.NotExists };

    /// <summary>Operators on integer and number facts.</summary>
    public static IReadOnlyList<RuleOperator> Number { get; } =
    [
        new("is above", ">") { Kind = OperatorKind.GreaterThan },
        new("is at or above", ">=") { Kind = OperatorKind.AtLeast },
        new("is below", "<") { Kind = OperatorKind.LessThan },
        new("is at or below", "<=") { Kind = OperatorKind.AtMost },
        new("equals", "=") { Kind = OperatorKind.Equal },
        new("does not equal", "!=") { Kind = OperatorKind.NotEqual },
        new("is between", "between") { Kind = OperatorKind.Between },
        new("changes by at least %", "changedBy%") { Kind = OperatorKind.ChangedBy },
        new("crosses above", "crossesAbove") { Kind = OperatorKind.CrossesAbove },
        new("crosses below", "crossesBelow") { Kind = OperatorKind.CrossesBelow },
        Exists,
        NotExists,
    ];

    /// <summary>Operators on string facts.</summary>
    public static IReadOnlyList<RuleOperator> String { get; } =
    [
        new("is", "=") { Kind = OperatorKind.Equal },
        new("is not", "!=") { Kind = OperatorKind.NotEqual },
        new("contains", "contains") { Kind = OperatorKind.Contains },
        new("starts with", "startsWith") { Kind = OperatorKind.StartsWith },
        new("ends with", "endsWith") { Kind = OperatorKind.EndsWith },
        new("is one of", "in") { Kind = OperatorKind.In },
        new("is not one of", "notIn") { Kind = OperatorKind.NotIn },
        Exists,
        NotExists,
    ];

    /// <summary>Operators on boolean facts.</summary>
    public static IReadOnlyList<RuleOperator> Boolean { get; } =
    [
        new("is", "=") { Kind = OperatorKind.Equal },
        new("is not", "!=") { Kind = OperatorKind.NotEqual },
        Exists,
        NotExists,
    ];

    /// <summary>Operators on date and date-time facts.</summary>
    public static IReadOnlyList<RuleOperator> Date { get; } =
    [
        new("is after", ">") { Kind = OperatorKind.GreaterThan },
        new("is at or after", ">=") { Kind = OperatorKind.AtLeast },
        new("is before", "<") { Kind = OperatorKind.LessThan },
        new("is at or before", "<=") { Kind = OperatorKind.AtMost },
        new("is at", "=") { Kind = OperatorKind.Equal },
        new("is not at", "!=") { Kind = OperatorKind.NotEqual },
        new("is between", "between") { Kind = OperatorKind.Between },
        new("is within time window", "within") { Kind = OperatorKind.Within },
        Exists,
        NotExists,
    ];

    /// <summary>Operators on object and array facts (nested fields have their own type per record).</summary>
    private static IReadOnlyList<RuleOperator> Structured { get; } = [Exists, NotExists];

    /// <summary>Every operator once, for facts whose type is only known per record.</summary>
    private static IReadOnlyList<RuleOperator> All { get; } =
        Number.Concat(String).Concat(Date).Concat(Boolean).DistinctBy(o => o.Value).ToArray();

    private static readonly Dictionary<string, OperatorKind> ByValue = BuildIndex();

    /// <summary>The operators for facts of a property type (object and array: only <c>exists</c>/<c>notExists</c>; <c>any</c>: all).</summary>
    public static IReadOnlyList<RuleOperator> For(PropertyType type) => For(type switch
    {
        PropertyType.Integer or PropertyType.Number => OperandType.Number,
        PropertyType.String => OperandType.String,
        PropertyType.Boolean => OperandType.Boolean,
        PropertyType.Date or PropertyType.DateTime => OperandType.Date,
        PropertyType.Any => OperandType.Dynamic,
        _ => OperandType.Structured,
    });

    /// <summary>The name of the operator list a property type uses (<c>number</c>, <c>string</c>, <c>boolean</c>, <c>date</c>), or null for object, array and any.</summary>
    public static string? TypeName(PropertyType type) => type switch
    {
        PropertyType.Integer or PropertyType.Number => "number",
        PropertyType.String => "string",
        PropertyType.Boolean => "boolean",
        PropertyType.Date or PropertyType.DateTime => "date",
        _ => null,
    };

    /// <summary>Writes <c>{"number":[{label,value}…],"string":[…],"boolean":[…],"date":[…]}</c>, the schema endpoint's <c>operators</c>.</summary>
    public static void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        Write(writer, "number", Number);
        Write(writer, "string", String);
        Write(writer, "boolean", Boolean);
        Write(writer, "date", Date);
        writer.WriteEndObject();

        static void Write(Utf8JsonWriter writer, string name, IReadOnlyList<RuleOperator> operators)
        {
            writer.WriteStartArray(name);
            foreach (var o in operators)
            {
                writer.WriteStartObject();
                writer.WriteString("label", o.Label);
                writer.WriteString("value", o.Value);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
    }

    internal static IReadOnlyList<RuleOperator> For(OperandType type) => type switch
    {
        OperandType.Number => Number,
        OperandType.String => String,
        OperandType.Boolean => Boolean,
        OperandType.Date => Date,
        OperandType.Structured => Structured,
        _ => All,
    };

    /// <summary>What <paramref name="value"/> (as a condition writes it) does, or null for an unknown operator.</summary>
    internal static OperatorKind? Find(string value) => ByValue.TryGetValue(value, out var kind) ? kind : null;

    /// <summary>True when operator <paramref name="kind"/> applies to facts of <paramref name="type"/>.</summary>
    internal static bool Allows(OperandType type, OperatorKind kind)
    {
        foreach (var o in For(type))
            if (o.Kind == kind) return true;
        return false;
    }

    /// <summary>The operators of <paramref name="type"/>, listed for an error message.</summary>
    internal static string List(OperandType type) =>
        string.Join(", ", For(type).Select(o => o.Value)) + (Allows(type, OperatorKind.Equal) ? $" ({EqualAlias} is accepted for =)" : "");

    /// <summary>An operator that differs from <paramref name="value"/> only in case, for a "did you mean" hint.</summary>
    internal static string? CaseVariant(string value) =>
        ByValue.Keys.FirstOrDefault(k => string.Equals(k, value, StringComparison.OrdinalIgnoreCase));

    private static Dictionary<string, OperatorKind> BuildIndex()
    {
        var index = new Dictionary<string, OperatorKind>(StringComparer.Ordinal) { [EqualAlias] = OperatorKind.Equal };
        foreach (var o in All) index[o.Value] = o.Kind;
        return index;
    }
}

/// <summary>What an operator does.</summary>
internal enum OperatorKind
{
    GreaterThan,
    AtLeast,
    LessThan,
    AtMost,
    Equal,
    NotEqual,
    Between,
    Within,
    ChangedBy,
    CrossesAbove,
    CrossesBelow,
    Contains,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    Exists,
    NotExists,
}
