namespace Apperate.Actors.Views;

// The syntax tree of a view's SQL, exactly as written: names are the user's text and nothing here is ever emitted.
// ViewBinder turns it into a BoundView against the workspace's catalog; only that is turned into SQL again.
// Every node keeps its 0-based position in the text for error messages.

/// <summary>An expression as written.</summary>
public abstract record SqlExpr(int Position);

/// <summary>A literal: <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="bool"/> or null.</summary>
public sealed record LiteralExpr(int Position, object? Value) : SqlExpr(Position);

/// <summary>A column, optionally qualified by a table alias or name: <c>a.vin</c>, <c>`vin`</c>.</summary>
public sealed record ColumnExpr(int Position, string? Qualifier, string Name) : SqlExpr(Position);

/// <summary><c>-x</c> or <c>NOT x</c>.</summary>
public sealed record UnaryExpr(int Position, string Operator, SqlExpr Operand) : SqlExpr(Position);

/// <summary>Arithmetic (<c>+ - * / %</c>), comparison (<c>= &lt;&gt; &lt; &lt;= &gt; &gt;=</c>) or logic (<c>AND OR</c>).</summary>
public sealed record BinaryExpr(int Position, string Operator, SqlExpr Left, SqlExpr Right) : SqlExpr(Position);

/// <summary>A function call; <c>COUNT(*)</c> has <see cref="Star"/> set and no arguments.</summary>
public sealed record FunctionExpr(int Position, string Name, IReadOnlyList<SqlExpr> Arguments, bool Distinct, bool Star) : SqlExpr(Position);

/// <summary><c>x [NOT] IN (a, b, …)</c>.</summary>
public sealed record InExpr(int Position, SqlExpr Operand, IReadOnlyList<SqlExpr> Values, bool Negated) : SqlExpr(Position);

/// <summary><c>x [NOT] BETWEEN a AND b</c>.</summary>
public sealed record BetweenExpr(int Position, SqlExpr Operand, SqlExpr Low, SqlExpr High, bool Negated) : SqlExpr(Position);

/// <summary><c>x IS [NOT] NULL</c>.</summary>
public sealed record IsNullExpr(int Position, SqlExpr Operand, bool Negated) : SqlExpr(Position);

/// <summary><c>x [NOT] LIKE pattern</c>.</summary>
public sealed record LikeExpr(int Position, SqlExpr Operand, SqlExpr Pattern, bool Negated) : SqlExpr(Position);

/// <summary>One selected expression and its alias.</summary>
public sealed record SelectItem(int Position, SqlExpr Expression, string? Alias);

/// <summary>A dataset or view reference: <c>WORKSPACE.DATASET</c> or <c>DATASET</c>, with an optional alias.</summary>
public sealed record TableRef(int Position, string? Workspace, string Name, string? Alias);

/// <summary>How a join keeps rows.</summary>
public enum JoinKind
{
    Inner,
    Left,
}

/// <summary><c>[INNER|LEFT] JOIN table ON condition</c>.</summary>
public sealed record JoinClause(int Position, JoinKind Kind, TableRef Table, SqlExpr On);

/// <summary>One <c>ORDER BY</c> item.</summary>
public sealed record OrderItem(SqlExpr Expression, bool Descending);

/// <summary>A whole <c>SELECT</c> statement.</summary>
public sealed record SelectStatement(
    bool Distinct,
    IReadOnlyList<SelectItem> Columns,
    TableRef From,
    IReadOnlyList<JoinClause> Joins,
    SqlExpr? Where,
    IReadOnlyList<SqlExpr> GroupBy,
    bool Rollup,
    IReadOnlyList<OrderItem> OrderBy,
    long? Limit,
    long? Offset);
