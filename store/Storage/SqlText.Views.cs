using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Views;

namespace Apperate.Actors.Storage;

// Views: a BoundView emitted as fresh SQL. Tables and properties are catalog names, quoted by Table() and Column()
// (which check the name rule again); sources get generated aliases (_system_s0, …); operators and functions come from
// fixed lists here, never from the tree's text; every literal is a parameter. The result exposes the system columns
// (the view's id, key, subkey, date, updated, extra) and then its output columns, so a view reads like a table.
public abstract partial class SqlText
{
    /// <summary>The expression as text (key and subkey of a view whose index column is not a source's index column).</summary>
    protected abstract string TextCast(string expression);

    /// <summary>Division that gives a fraction in both engines (SQLite divides integers as integers).</summary>
    protected virtual string Divide(string left, string right) => $"({left} / {right})";

    /// <summary>Joins strings; null when any part is null, as MySQL's CONCAT.</summary>
    protected virtual string Concat(IReadOnlyList<string> arguments) => $"CONCAT({string.Join(", ", arguments)})";

    /// <summary>The length of a string in characters.</summary>
    protected virtual string Length(string argument) => $"CHAR_LENGTH({argument})";

    /// <summary>The view's SQL: its system columns, then its output columns.</summary>
    public SqlStatement View(BoundView view)
    {
        var parameters = new List<KeyValuePair<string, object>>();
        return new SqlStatement(ViewSelect(view, parameters), parameters);
    }

    /// <summary>Plans a query of a view for one selector, as <see cref="Select(string, IReadOnlyList{PropertyDefinition}, KeySelector, DataQuery)"/> does for a table.</summary>
    public SqlQuery Select(BoundView view, KeySelector selector, DataQuery query)
    {
        ArgumentNullException.ThrowIfNull(view);
        var parameters = new List<KeyValuePair<string, object>>();
        var source = "(" + ViewSelect(view, parameters) + ") _system_v";
        return Select(source, view.Properties, selector, query, parameters);
    }

    private string ViewSelect(BoundView view, List<KeyValuePair<string, object>> parameters)
    {
        if (view.Sources.Count == 0 || view.Outputs.Count == 0) throw new ArgumentException("A view reads a source and has columns.", nameof(view));
        var from = new StringBuilder(" FROM ").Append(Source(view, 0, parameters));
        foreach (var join in view.Joins)
        {
            from.Append(join.Left ? " LEFT JOIN " : " INNER JOIN ").Append(Source(view, join.Source, parameters))
                .Append(" ON ").Append(Expression(join.On, parameters));
        }
        if (view.Where is { } where) from.Append(" WHERE ").Append(Expression(where, parameters));

        var sql = new StringBuilder();
        if (!view.Rollup)
        {
            sql.Append(Level(view, view.GroupBy.Count, from.ToString(), parameters));
        }
        else
        {
            // ROLLUP as the union of its levels, the same in both engines: level n groups by all items, level 0 is the
            // grand total (only when there are rows, as MySQL's WITH ROLLUP).
            for (var level = view.GroupBy.Count; level >= 0; level--)
            {
                if (level < view.GroupBy.Count) sql.Append(" UNION ALL ");
                sql.Append(Level(view, level, from.ToString(), parameters));
            }
        }
        if (view.OrderBy.Count > 0)
        {
            sql.Append(" ORDER BY ").AppendJoin(", ", view.OrderBy.Select(o => Column(view.Outputs[o.Output].Name) + (o.Descending ? " DESC" : " ASC")));
        }
        if (view.Limit is not null || view.Offset is not null)
        {
            sql.Append(" LIMIT ").Append(AddParameter(parameters, view.Limit ?? long.MaxValue))
                .Append(" OFFSET ").Append(AddParameter(parameters, view.Offset ?? 0L));
        }
        return sql.ToString();
    }

    /// <summary>One SELECT of the view grouped by its first <paramref name="level"/> GROUP BY items (all of them without ROLLUP).</summary>
    private string Level(BoundView view, int level, string from, List<KeyValuePair<string, object>> parameters)
    {
        var grouped = view.GroupBy.Take(level).Select(ViewBinder.Canonical).ToHashSet(StringComparer.Ordinal);
        var rolledUp = view.GroupBy.Skip(level).Select(ViewBinder.Canonical).Where(c => !grouped.Contains(c)).ToHashSet(StringComparer.Ordinal);
        bool IsRolledUp(BoundOutput output) => view.Rollup && rolledUp.Contains(ViewBinder.Canonical(output.Expression));

        string IndexText(int? output, IndexRole role)
        {
            if (output is not { } at) return "''";
            var o = view.Outputs[at];
            if (IsRolledUp(o)) return "''";
            if (o.Expression is BoundColumn c && c.Role == role)
                return view.Aggregated ? $"MAX({SystemColumn(c.Source, role)})" : SystemColumn(c.Source, role);
            return $"COALESCE({TextCast(Expression(o.Expression, parameters))}, '')";
        }

        string Aggregate(string column) => view.Aggregated ? $"COALESCE(MAX({column}), 0)" : column;

        var dateSource = view.Date is { } d && view.Outputs[d].Expression is BoundColumn { Role: IndexRole.Date } dc ? dc.Source : 0;
        var select = new StringBuilder("SELECT ")
            .Append(Aggregate(SystemColumn(0, null, IdColumn))).Append(" AS ").Append(IdColumn)
            .Append(", ").Append(IndexText(view.Key, IndexRole.Key)).Append(" AS ").Append(KeyColumn)
            .Append(", ").Append(IndexText(view.Subkey, IndexRole.Subkey)).Append(" AS ").Append(SubkeyColumn)
            .Append(", ").Append(Aggregate(SystemColumn(dateSource, IndexRole.Date))).Append(" AS ").Append(DateColumn)
            .Append(", ").Append(Aggregate(SystemColumn(0, null, UpdatedColumn))).Append(" AS ").Append(UpdatedColumn)
            .Append(", NULL AS ").Append(ExtraColumn);
        foreach (var output in view.Outputs)
        {
            select.Append(", ").Append(IsRolledUp(output) ? "NULL" : Expression(output.Expression, parameters))
                .Append(" AS ").Append(Column(output.Name));
        }
        select.Append(from);
        if (view.Aggregated && level > 0)
            select.Append(" GROUP BY ").AppendJoin(", ", view.GroupBy.Take(level).Select(g => Expression(g, parameters)));
        if (view.Rollup && level == 0) select.Append(" HAVING COUNT(*) > 0");
        return select.ToString();
    }

    private string Source(BoundView view, int index, List<KeyValuePair<string, object>> parameters)
    {
        var source = view.Sources[index];
        var text = source.Table is { } table ? Table(table)
            : source.View is { } inner ? "(" + ViewSelect(inner, parameters) + ")"
            : throw new ArgumentException("A source is a table or a view.", nameof(view));
        return text + " " + SourceAlias(index);
    }

    private static string SourceAlias(int index) => "_system_s" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string SystemColumn(int source, IndexRole role) => SystemColumn(source, role, null);

    private string SystemColumn(int source, IndexRole? role, string? column) => SourceAlias(source) + "." + (column ?? role switch
    {
        IndexRole.Key => KeyColumn,
        IndexRole.Subkey => SubkeyColumn,
        IndexRole.Date => DateColumn,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    });

    private string Expression(BoundExpr expression, List<KeyValuePair<string, object>> parameters)
    {
        string Inner(BoundExpr e) => Expression(e, parameters);
        return expression switch
        {
            BoundLiteral { Value: null } => "NULL",
            BoundLiteral literal => AddParameter(parameters, ToDbValue(literal.Value)),
            BoundColumn column => SourceAlias(column.Source) + "." + Column(column.Name),
            BoundIndexColumn index => SystemColumn(index.Source, index.Role),
            BoundUnary { Operator: "-" } unary => $"(-{Inner(unary.Operand)})",
            BoundUnary { Operator: "NOT" } unary => $"(NOT {Inner(unary.Operand)})",
            BoundBinary { Operator: "/" } division => Divide(Inner(division.Left), Inner(division.Right)),
            BoundBinary binary => $"({Inner(binary.Left)} {Operator(binary.Operator)} {Inner(binary.Right)})",
            BoundFunction function => Function(function, Inner),
            BoundIn @in => $"({Inner(@in.Operand)}{(@in.Negated ? " NOT" : "")} IN ({string.Join(", ", @in.Values.Select(Inner))}))",
            BoundBetween between => $"({Inner(between.Operand)}{(between.Negated ? " NOT" : "")} BETWEEN {Inner(between.Low)} AND {Inner(between.High)})",
            BoundIsNull isNull => $"({Inner(isNull.Operand)} IS{(isNull.Negated ? " NOT" : "")} NULL)",
            BoundLike like => $"({Inner(like.Operand)}{(like.Negated ? " NOT" : "")} LIKE {Inner(like.Pattern)})",
            _ => throw new ArgumentException($"Unsupported expression {expression.GetType().Name}.", nameof(expression)),
        };
    }

    private static string Operator(string op) => op switch
    {
        "+" => "+",
        "-" => "-",
        "*" => "*",
        "%" => "%",
        "=" => "=",
        "<>" => "<>",
        "<" => "<",
        "<=" => "<=",
        ">" => ">",
        ">=" => ">=",
        "AND" => "AND",
        "OR" => "OR",
        _ => throw new ArgumentException($"Unsupported operator '{op}'.", nameof(op)),
    };

    private string Function(BoundFunction function, Func<BoundExpr, string> inner)
    {
        var arguments = function.Arguments.Select(inner).ToList();
        var distinct = function.Distinct ? "DISTINCT " : "";
        return function.Name switch
        {
            "COUNT" when function.Star => "COUNT(*)",
            "COUNT" => $"COUNT({distinct}{arguments[0]})",
            "SUM" => $"SUM({distinct}{arguments[0]})",
            "AVG" => $"AVG({distinct}{arguments[0]})",
            "MIN" => $"MIN({arguments[0]})",
            "MAX" => $"MAX({arguments[0]})",
            "ABS" => $"ABS({arguments[0]})",
            "ROUND" => $"ROUND({string.Join(", ", arguments)})",
            "LOWER" => $"LOWER({arguments[0]})",
            "UPPER" => $"UPPER({arguments[0]})",
            "LENGTH" => Length(arguments[0]),
            "TRIM" => $"TRIM({arguments[0]})",
            "COALESCE" => $"COALESCE({string.Join(", ", arguments)})",
            "IFNULL" => $"IFNULL({arguments[0]}, {arguments[1]})",
            "NULLIF" => $"NULLIF({arguments[0]}, {arguments[1]})",
            "CONCAT" => Concat(arguments),
            _ => throw new ArgumentException($"Unsupported function '{function.Name}'.", nameof(function)),
        };
    }
}
