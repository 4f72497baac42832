using Apperate.Actors.Datasets;

namespace Apperate.Actors.Views;

// A view bound against its workspace's catalog: every name resolved to a dataset table, a property or an index
// column, every literal a typed value. This, not the user's text, is what the record stores turn into SQL; the only
// names in it are catalog identifiers (table and property names, checked again by the stores when quoted) and the
// view's output names (checked against the name rule by the binder).

/// <summary>Which index column of its source a column is.</summary>
public enum IndexRole
{
    None,
    Key,
    Subkey,
    Date,
}

/// <summary>A bound expression and the type of its value.</summary>
public abstract record BoundExpr(PropertyType Type);

/// <summary>A literal value (<see cref="string"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/> or null): always a parameter.</summary>
public sealed record BoundLiteral(object? Value, PropertyType Type) : BoundExpr(Type);

/// <summary>A property of a dataset source, or an output column of a view source, as a value.</summary>
public sealed record BoundColumn(int Source, string Name, IndexRole Role, PropertyType Type) : BoundExpr(Type);

/// <summary>
/// An index column of a source as the store keeps it: the key or subkey as text, the date in epoch milliseconds.
/// Conditions (<c>WHERE</c>, <c>ON</c>) read only these, so every condition can use the unique index.
/// </summary>
public sealed record BoundIndexColumn(int Source, IndexRole Role) : BoundExpr(Role == IndexRole.Date ? PropertyType.Integer : PropertyType.String);

/// <summary><c>-x</c> or <c>NOT x</c>.</summary>
public sealed record BoundUnary(string Operator, BoundExpr Operand, PropertyType Type) : BoundExpr(Type);

/// <summary>An arithmetic, comparison or logical operator from the grammar's fixed set.</summary>
public sealed record BoundBinary(string Operator, BoundExpr Left, BoundExpr Right, PropertyType Type) : BoundExpr(Type);

/// <summary>A function of the allowed set, by its canonical (upper-case) name.</summary>
public sealed record BoundFunction(string Name, IReadOnlyList<BoundExpr> Arguments, bool Distinct, bool Star, bool Aggregate, PropertyType Type) : BoundExpr(Type);

/// <summary><c>x [NOT] IN (…)</c>.</summary>
public sealed record BoundIn(BoundExpr Operand, IReadOnlyList<BoundExpr> Values, bool Negated) : BoundExpr(PropertyType.Boolean);

/// <summary><c>x [NOT] BETWEEN low AND high</c>.</summary>
public sealed record BoundBetween(BoundExpr Operand, BoundExpr Low, BoundExpr High, bool Negated) : BoundExpr(PropertyType.Boolean);

/// <summary><c>x IS [NOT] NULL</c>.</summary>
public sealed record BoundIsNull(BoundExpr Operand, bool Negated) : BoundExpr(PropertyType.Boolean);

/// <summary><c>x [NOT] LIKE pattern</c>.</summary>
public sealed record BoundLike(BoundExpr Operand, BoundExpr Pattern, bool Negated) : BoundExpr(PropertyType.Boolean);

/// <summary>
/// One source of a view: a dataset's table or another view. <paramref name="Index"/> names its key, subkey and date
/// columns (a dataset's date may be null: its rows are dated by write time).
/// </summary>
public sealed record BoundSource(string Name, string? Table, BoundView? View, IReadOnlyList<PropertyDefinition> Columns, ColumnMapping Index);

/// <summary>The join of <see cref="BoundView.Sources"/>[<paramref name="Source"/>] to the sources before it.</summary>
public sealed record BoundJoin(int Source, bool Left, BoundExpr On);

/// <summary>One column of the view.</summary>
public sealed record BoundOutput(string Name, BoundExpr Expression)
{
    public PropertyType Type => Expression.Type;
}

/// <summary>An <c>ORDER BY</c> item: an output column.</summary>
public sealed record BoundOrder(int Output, bool Descending);

/// <summary>A dataset a view reads (directly or through other views) and the properties it reads of it.</summary>
public sealed record DatasetUse(string DatasetId, string Table, IReadOnlyList<string> Properties);

/// <summary>A view's SQL bound against its workspace's catalog; see <see cref="ViewBinder"/>.</summary>
public sealed record BoundView(
    IReadOnlyList<BoundSource> Sources,
    IReadOnlyList<BoundJoin> Joins,
    BoundExpr? Where,
    IReadOnlyList<BoundOutput> Outputs,
    bool Aggregated,
    IReadOnlyList<BoundExpr> GroupBy,
    bool Rollup,
    IReadOnlyList<BoundOrder> OrderBy,
    long? Limit,
    long? Offset,
    int Key,
    int? Subkey,
    int? Date,
    IReadOnlyList<DatasetUse> Datasets,
    IReadOnlyList<string> Views)
{
    /// <summary>The view's schema: its output columns and their types.</summary>
    public PropertyDefinition[] Properties => Outputs.Select(o => new PropertyDefinition(o.Name, o.Type)).ToArray();

    /// <summary>The view's index: the output columns that act as its key, subkey and date.</summary>
    public ColumnMapping ColumnMapping => new(Outputs[Key].Name, Subkey is { } s ? Outputs[s].Name : null, Date is { } d ? Outputs[d].Name : null);
}
