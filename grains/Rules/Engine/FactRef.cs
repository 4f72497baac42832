using Apperate.Actors.Datasets;

namespace Apperate.Actors.Rules.Engine;

/// <summary>One fact of a compiled rule: a property (possibly a field nested inside it) of a dataset's records.</summary>
/// <param name="Fact">The fact as the rule names it, normalized: <c>WORKSPACE:DATASET:DATASET_ID:property[.nested.path]</c>.</param>
/// <param name="DatasetId">The dataset, as created.</param>
/// <param name="Property">The top-level schema property, as declared.</param>
/// <param name="Path">The nested path inside the property's JSON value; empty when the fact is the property itself.</param>
/// <param name="Type">
/// The property's declared type. <see cref="PropertyType.Any"/> for an additional fact of another dataset, whose schema
/// the compiler does not have: its value comes from that dataset's latest record of the same key.
/// </param>
public sealed record FactRef(string Fact, string DatasetId, string Property, string[] Path, PropertyType Type)
{
    /// <summary>True when the fact's type is only known per record: a nested field, or a property of type <c>any</c>.</summary>
    public bool IsDynamic => Path.Length > 0 || Type == PropertyType.Any;

    /// <summary>How operators see this fact.</summary>
    internal OperandType Operand => IsDynamic ? OperandType.Dynamic : Type switch
    {
        PropertyType.Integer or PropertyType.Number => OperandType.Number,
        PropertyType.String => OperandType.String,
        PropertyType.Boolean => OperandType.Boolean,
        PropertyType.Date or PropertyType.DateTime => OperandType.Date,
        _ => OperandType.Structured,
    };

    /// <summary>The fact with its type, as error messages name it (<c>a number fact 'DEMO:DATASET:TRADES:price'</c>).</summary>
    internal string Describe() => $"{(TypeName is "integer" or "object" or "array" or "any" ? "an" : "a")} {TypeName} fact '{Fact}'";

    private string TypeName => Path.Length > 0 ? "nested" : Type switch
    {
        PropertyType.Integer => "integer",
        PropertyType.Number => "number",
        PropertyType.String => "string",
        PropertyType.Boolean => "boolean",
        PropertyType.Date => "date",
        PropertyType.DateTime => "date-time",
        PropertyType.Object => "object",
        PropertyType.Array => "array",
        _ => "any",
    };
}

/// <summary>The kinds of values operators are defined on.</summary>
internal enum OperandType
{
    Number,
    String,
    Boolean,
    Date,
    /// <summary>An object or array property: only <c>exists</c> and <c>notExists</c> apply.</summary>
    Structured,
    /// <summary>A nested field or an <c>any</c> property: every operator is accepted and the value is judged per record.</summary>
    Dynamic,
}
