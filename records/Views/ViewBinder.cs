using System.Globalization;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Views;

/// <summary>
/// Binds a parsed view against its workspace's catalog: sources must be the workspace's own datasets or views,
/// columns must exist, conditions (<c>WHERE</c>, <c>ON</c>) may read only index columns (key, subkey, date), functions
/// come from a fixed list, every output column has a valid, unique name, and the view gets an index (key, optional
/// subkey and date). Every failure is a 400 naming the position.
/// </summary>
public sealed class ViewBinder
{
    /// <summary>The functions a view may call: name → (aggregate, fewest and most arguments).</summary>
    private static readonly Dictionary<string, (bool Aggregate, int Min, int Max)> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["COUNT"] = (true, 1, 1),
        ["SUM"] = (true, 1, 1),
        ["AVG"] = (true, 1, 1),
        ["MIN"] = (true, 1, 1),
        ["MAX"] = (true, 1, 1),
        ["ABS"] = (false, 1, 1),
        ["ROUND"] = (false, 1, 2),
        ["LOWER"] = (false, 1, 1),
        ["UPPER"] = (false, 1, 1),
        ["LENGTH"] = (false, 1, 1),
        ["TRIM"] = (false, 1, 1),
        ["COALESCE"] = (false, 1, 16),
        ["IFNULL"] = (false, 2, 2),
        ["NULLIF"] = (false, 2, 2),
        ["CONCAT"] = (false, 1, 16),
    };

    /// <summary>The allowed functions, for messages.</summary>
    public static string AllowedFunctions => string.Join(", ", Functions.Keys);

    private readonly string sql;
    private readonly ViewCatalog catalog;
    private readonly List<BoundSource> sources = [];
    private readonly List<string> aliases = [];
    private readonly Dictionary<string, (string Table, HashSet<string> Properties)> datasetUses = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> viewUses = new(StringComparer.OrdinalIgnoreCase);

    private ViewBinder(string sql, ViewCatalog catalog)
    {
        this.sql = sql;
        this.catalog = catalog;
    }

    /// <summary>Parses and binds <paramref name="sql"/> as the view <paramref name="viewId"/> of the catalog's workspace.</summary>
    /// <param name="mapping">The index columns asked for (<c>columnMapping</c>); null picks them from the sources.</param>
    /// <exception cref="ApperateException">400 naming the field (<c>sql</c> with the position, or <c>columnMapping.*</c>).</exception>
    public static BoundView Bind(string viewId, string sql, ColumnMapping? mapping, ViewCatalog catalog)
    {
        var statement = ViewParser.Parse(sql);
        return new ViewBinder(sql, catalog).Bind(viewId, statement, mapping);
    }

    private ApperateException Error(int position, string reason) => ViewErrors.At(sql, position, reason);

    private BoundView Bind(string viewId, SelectStatement statement, ColumnMapping? mapping)
    {
        AddSource(statement.From, viewId);
        var joins = new List<BoundJoin>();
        foreach (var join in statement.Joins)
        {
            AddSource(join.Table, viewId);
            var on = Condition(join.On, "ON", sources.Count);
            joins.Add(new BoundJoin(sources.Count - 1, join.Kind == JoinKind.Left, on));
        }
        var where = statement.Where is null ? null : Condition(statement.Where, "WHERE", sources.Count);

        var outputs = new List<BoundOutput>();
        var outputSyntax = new List<SqlExpr>();
        foreach (var item in statement.Columns)
        {
            var expression = Value(item.Expression, allowAggregate: true, insideAggregate: false);
            var name = item.Alias ?? (item.Expression as ColumnExpr)?.Name
                ?? throw Error(item.Position, "name this expression with AS: every column of a view has a name");
            if (Names.Check(name) is { } reason) throw Error(item.Position, $"the column name '{name}' is not valid: {reason}");
            if (outputs.Any(o => o.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                throw Error(item.Position, $"the view has two columns named '{name}': give one an alias");
            outputs.Add(new BoundOutput(name, expression));
            outputSyntax.Add(item.Expression);
        }

        if (statement.Distinct && statement.GroupBy.Count > 0)
            throw Error(statement.GroupBy[0].Position, "use DISTINCT or GROUP BY, not both");
        var hasAggregate = outputs.Any(o => ContainsAggregate(o.Expression));
        if (statement.Distinct && hasAggregate)
            throw Error(statement.Columns[0].Position, "DISTINCT with aggregate functions is not supported: use GROUP BY");
        var groupBy = statement.GroupBy.Select(g => GroupItem(g, outputs)).ToList();
        if (statement.Distinct) groupBy = outputs.Select(o => o.Expression).ToList();
        var aggregated = statement.Distinct || groupBy.Count > 0 || hasAggregate;
        if (aggregated && !statement.Distinct)
        {
            var grouped = groupBy.Select(Canonical).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < outputs.Count; i++)
            {
                if (!ContainsAggregate(outputs[i].Expression) && !grouped.Contains(Canonical(outputs[i].Expression)) && ContainsColumn(outputs[i].Expression))
                    throw Error(statement.Columns[i].Position, $"'{outputs[i].Name}' is neither in GROUP BY nor inside an aggregate function");
            }
        }

        var orderBy = statement.OrderBy.Select(o => new BoundOrder(OrderItem(o.Expression, outputs, outputSyntax), o.Descending)).ToList();
        var (key, subkey, date) = Index(outputs, mapping);
        if (aggregated)
        {
            var grouped = groupBy.Select(Canonical).ToHashSet(StringComparer.Ordinal);
            foreach (var (field, index) in new[] { ("key", (int?)key), ("subkey", subkey), ("date", date) })
            {
                if (index is { } at && !grouped.Contains(Canonical(outputs[at].Expression)) && !ContainsAggregate(outputs[at].Expression))
                    throw ApperateException.Invalid($"columnMapping.{field}", $"'{outputs[at].Name}' must be grouped (in GROUP BY) to index a grouped view");
            }
        }

        var views = new HashSet<string>(viewUses, StringComparer.OrdinalIgnoreCase);
        return new BoundView(sources, joins, where, outputs, aggregated, groupBy, statement.Rollup, orderBy, statement.Limit, statement.Offset,
            key, subkey, date,
            datasetUses.Select(d => new DatasetUse(d.Key, d.Value.Table, d.Value.Properties.Order(StringComparer.OrdinalIgnoreCase).ToArray())).OrderBy(d => d.DatasetId, StringComparer.OrdinalIgnoreCase).ToArray(),
            views.Order(StringComparer.OrdinalIgnoreCase).ToArray());
    }

    // ---- sources ------------------------------------------------------------------------------------------

    private void AddSource(TableRef table, string viewId)
    {
        if (table.Workspace is { } workspace && !workspace.Equals(catalog.Workspace, StringComparison.OrdinalIgnoreCase))
            throw Error(table.Position, $"a view reads only its own workspace's datasets; '{workspace}' is another workspace");
        var alias = table.Alias ?? table.Name;
        if (Names.IsReserved(alias)) throw Error(table.Position, $"'{alias}' cannot name a source: names starting with '{Names.ReservedPrefix}' are reserved");
        if (aliases.Any(a => a.Equals(alias, StringComparison.OrdinalIgnoreCase)))
            throw Error(table.Position, $"'{alias}' names two sources: give one an alias");
        if (table.Name.Equals(viewId, StringComparison.OrdinalIgnoreCase))
            throw Error(table.Position, $"the view '{viewId}' cannot read itself");
        if (catalog.FindDataset(table.Name) is { } dataset)
        {
            sources.Add(new BoundSource(dataset.DatasetId, dataset.TableName, null, dataset.Schema.Properties, dataset.ColumnMapping));
            Use(dataset.DatasetId, dataset.TableName, null);
        }
        else if (catalog.FindView(table.Name) is { } view)
        {
            if (view.View is not { } inner)
                throw Error(table.Position, $"the view '{view.ViewId}' is invalid: {view.Error}");
            if (inner.Views.Contains(viewId, StringComparer.OrdinalIgnoreCase))
                throw Error(table.Position, $"the view '{view.ViewId}' reads '{viewId}', which would then read itself");
            sources.Add(new BoundSource(view.ViewId, null, inner, inner.Properties, inner.ColumnMapping));
            viewUses.Add(view.ViewId);
            foreach (var v in inner.Views) viewUses.Add(v);
            foreach (var d in inner.Datasets)
                foreach (var p in d.Properties.DefaultIfEmpty()) Use(d.DatasetId, d.Table, p);
        }
        else
        {
            throw Error(table.Position, $"'{table.Name}' is not a dataset or view of workspace '{catalog.Workspace}'");
        }
        aliases.Add(alias);
    }

    private void Use(string datasetId, string table, string? property)
    {
        if (!datasetUses.TryGetValue(datasetId, out var use)) datasetUses[datasetId] = use = (table, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        if (property is not null) use.Properties.Add(property);
    }

    // ---- columns ------------------------------------------------------------------------------------------

    /// <summary>Resolves a column among the first <paramref name="visible"/> sources.</summary>
    private (int Source, PropertyDefinition Column) Resolve(ColumnExpr column, int visible)
    {
        if (Names.IsReserved(column.Name))
            throw Error(column.Position, $"'{column.Name}' is not a column: names starting with '{Names.ReservedPrefix}' are reserved");
        if (column.Qualifier is { } qualifier)
        {
            var at = aliases.FindIndex(a => a.Equals(qualifier, StringComparison.OrdinalIgnoreCase));
            if (at < 0 || at >= visible)
                throw Error(column.Position, at < 0 ? $"'{qualifier}' is not a source of this view" : $"'{qualifier}' is joined after this condition");
            var property = Find(sources[at], column.Name)
                ?? throw Error(column.Position, $"'{sources[at].Name}' has no column '{column.Name}'");
            return (at, property);
        }
        (int, PropertyDefinition)? found = null;
        for (var i = 0; i < visible; i++)
        {
            if (Find(sources[i], column.Name) is not { } property) continue;
            if (found is { } first)
                throw Error(column.Position, $"'{column.Name}' is a column of both '{aliases[first.Item1]}' and '{aliases[i]}': qualify it");
            found = (i, property);
        }
        return found ?? throw Error(column.Position, $"unknown column '{column.Name}'");
    }

    private static PropertyDefinition? Find(BoundSource source, string name)
    {
        foreach (var p in source.Columns)
            if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return p;
        return null;
    }

    private static IndexRole RoleOf(BoundSource source, string property)
    {
        if (property.Equals(source.Index.Key, StringComparison.OrdinalIgnoreCase)) return IndexRole.Key;
        if (source.Index.Subkey is { } s && property.Equals(s, StringComparison.OrdinalIgnoreCase)) return IndexRole.Subkey;
        if (source.Index.Date is { } d && property.Equals(d, StringComparison.OrdinalIgnoreCase)) return IndexRole.Date;
        return IndexRole.None;
    }

    private BoundColumn Column(ColumnExpr column, int visible)
    {
        var (source, property) = Resolve(column, visible);
        if (sources[source].Table is { } table) Use(sources[source].Name, table, property.Name);
        return new BoundColumn(source, property.Name, RoleOf(sources[source], property.Name), property.Type);
    }

    // ---- values (selected columns, GROUP BY) --------------------------------------------------------------

    private BoundExpr Value(SqlExpr expression, bool allowAggregate, bool insideAggregate) => expression switch
    {
        LiteralExpr literal => Literal(literal.Value),
        ColumnExpr column => Column(column, sources.Count),
        FunctionExpr function => Function(function, allowAggregate, insideAggregate, (e, inside) => Value(e, allowAggregate, inside)),
        _ => Operators(expression, e => Value(e, allowAggregate, insideAggregate)),
    };

    private static BoundLiteral Literal(object? value) => new(value, value switch
    {
        long => PropertyType.Integer,
        double => PropertyType.Number,
        bool => PropertyType.Boolean,
        null => PropertyType.Any,
        _ => PropertyType.String,
    });

    private BoundExpr Function(FunctionExpr function, bool allowAggregate, bool insideAggregate, Func<SqlExpr, bool, BoundExpr> argument)
    {
        if (!Functions.TryGetValue(function.Name, out var spec))
            throw Error(function.Position, $"unknown function '{function.Name}'; a view may call {AllowedFunctions}");
        var name = function.Name.ToUpperInvariant();
        if (spec.Aggregate && !allowAggregate)
            throw Error(function.Position, $"{name} is an aggregate function: it is not allowed in a condition");
        if (spec.Aggregate && insideAggregate)
            throw Error(function.Position, $"{name} cannot be nested inside another aggregate function");
        if (function.Star && name != "COUNT") throw Error(function.Position, $"{name}(*) is not accepted; only COUNT(*)");
        if (function.Distinct && !spec.Aggregate) throw Error(function.Position, $"DISTINCT is accepted only inside an aggregate function, not in {name}");
        var count = function.Star ? 1 : function.Arguments.Count;
        if (count < spec.Min || count > spec.Max)
            throw Error(function.Position, spec.Min == spec.Max ? $"{name} takes {spec.Min} argument{(spec.Min == 1 ? "" : "s")}" : $"{name} takes {spec.Min} to {spec.Max} arguments");
        var arguments = function.Arguments.Select(a => argument(a, insideAggregate || spec.Aggregate)).ToList();
        var type = name switch
        {
            "COUNT" or "LENGTH" => PropertyType.Integer,
            "AVG" => PropertyType.Number,
            "SUM" or "ABS" => arguments[0].Type == PropertyType.Integer ? PropertyType.Integer : PropertyType.Number,
            "ROUND" => PropertyType.Number,
            "LOWER" or "UPPER" or "TRIM" or "CONCAT" => PropertyType.String,
            "MIN" or "MAX" or "NULLIF" => arguments[0].Type,
            _ => arguments.Select(a => a.Type).FirstOrDefault(t => t != PropertyType.Any, PropertyType.Any),
        };
        if (name is "SUM" or "AVG" or "ABS" or "ROUND" && arguments[0].Type is not (PropertyType.Integer or PropertyType.Number or PropertyType.Any))
            throw Error(function.Arguments[0].Position, $"{name} needs a number, not a {TypeName(arguments[0].Type)}");
        if (name == "ROUND" && arguments.Count == 2 && arguments[1] is not BoundLiteral { Value: long })
            throw Error(function.Arguments[1].Position, "ROUND's second argument must be a whole number");
        return new BoundFunction(name, arguments, function.Distinct, function.Star, spec.Aggregate, type);
    }

    private static string TypeName(PropertyType type) => type switch
    {
        PropertyType.DateTime => "date-time",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>The operators, shared by values and conditions; <paramref name="operand"/> binds the operands in the caller's mode.</summary>
    private BoundExpr Operators(SqlExpr expression, Func<SqlExpr, BoundExpr> operand)
    {
        switch (expression)
        {
            case UnaryExpr unary:
                {
                    var inner = operand(unary.Operand);
                    if (unary.Operator == "-") RequireNumber(inner, unary.Operand.Position, "-");
                    return new BoundUnary(unary.Operator, inner, unary.Operator == "NOT" ? PropertyType.Boolean : inner.Type);
                }
            case BinaryExpr binary:
                {
                    var left = operand(binary.Left);
                    var right = operand(binary.Right);
                    switch (binary.Operator)
                    {
                        case "AND" or "OR":
                            return new BoundBinary(binary.Operator, left, right, PropertyType.Boolean);
                        case "+" or "-" or "*" or "/" or "%":
                            RequireNumber(left, binary.Left.Position, binary.Operator);
                            RequireNumber(right, binary.Right.Position, binary.Operator);
                            var type = binary.Operator != "/" && left.Type == PropertyType.Integer && right.Type == PropertyType.Integer ? PropertyType.Integer : PropertyType.Number;
                            return new BoundBinary(binary.Operator, left, right, type);
                        default:
                            (left, right) = (Coerce(left, right, binary.Right.Position), Coerce(right, left, binary.Left.Position));
                            return new BoundBinary(binary.Operator, left, right, PropertyType.Boolean);
                    }
                }
            case InExpr @in:
                {
                    var value = operand(@in.Operand);
                    var values = @in.Values.Select(v => Coerce(operand(v), value, v.Position)).ToList();
                    return new BoundIn(value, values, @in.Negated);
                }
            case BetweenExpr between:
                {
                    var value = operand(between.Operand);
                    return new BoundBetween(value, Coerce(operand(between.Low), value, between.Low.Position),
                        Coerce(operand(between.High), value, between.High.Position), between.Negated);
                }
            case IsNullExpr isNull:
                return new BoundIsNull(operand(isNull.Operand), isNull.Negated);
            case LikeExpr like:
                return new BoundLike(operand(like.Operand), operand(like.Pattern), like.Negated);
            default:
                throw Error(expression.Position, "this expression is not supported in a view");
        }
    }

    private void RequireNumber(BoundExpr value, int position, string op)
    {
        if (value.Type is not (PropertyType.Integer or PropertyType.Number or PropertyType.Any))
            throw Error(position, $"'{op}' needs numbers, not a {TypeName(value.Type)}");
    }

    /// <summary>
    /// A literal compared with an index column takes that column's stored form: text for a key or subkey, epoch
    /// milliseconds for a date (written as a date, a date-time or a number).
    /// </summary>
    private BoundExpr Coerce(BoundExpr value, BoundExpr other, int position)
    {
        if (value is not BoundLiteral { Value: { } literal } || other is not BoundIndexColumn index) return value;
        if (index.Role == IndexRole.Date)
        {
            switch (literal)
            {
                case long ms:
                    return new BoundLiteral(ms, PropertyType.Integer);
                case string text when DateValues.TryParseDateOrDateTime(text, out var ms, out _):
                    return new BoundLiteral(ms, PropertyType.Integer);
                default:
                    throw Error(position, $"'{literal}' is not a date: compare a date with 'YYYY-MM-DD', an ISO 8601 date-time or epoch milliseconds");
            }
        }
        return literal switch
        {
            string => value,
            long l => new BoundLiteral(l.ToString(CultureInfo.InvariantCulture), PropertyType.String),
            double d => new BoundLiteral(d.ToString("R", CultureInfo.InvariantCulture), PropertyType.String),
            bool b => new BoundLiteral(b ? "true" : "false", PropertyType.String),
            _ => value,
        };
    }

    // ---- conditions (WHERE, ON): index columns only -------------------------------------------------------

    private BoundExpr Condition(SqlExpr expression, string clause, int visible) => expression switch
    {
        LiteralExpr literal => Literal(literal.Value),
        ColumnExpr column => IndexColumn(column, visible),
        FunctionExpr function => Function(function, allowAggregate: false, insideAggregate: false, (e, _) => Condition(e, clause, visible)),
        _ => Operators(expression, e => Condition(e, clause, visible)),
    };

    private BoundIndexColumn IndexColumn(ColumnExpr column, int visible)
    {
        var (source, property) = Resolve(column, visible);
        var role = RoleOf(sources[source], property.Name);
        if (role == IndexRole.None) throw Error(column.Position, $"cannot select by '{column.Name}'");
        if (sources[source].Table is { } table) Use(sources[source].Name, table, property.Name);
        return new BoundIndexColumn(source, role);
    }

    // ---- grouping, ordering, index ------------------------------------------------------------------------

    private BoundExpr GroupItem(SqlExpr item, List<BoundOutput> outputs)
    {
        if (item is LiteralExpr { Value: long ordinal })
        {
            if (ordinal < 1 || ordinal > outputs.Count) throw Error(item.Position, $"GROUP BY {ordinal}: the view has {outputs.Count} columns");
            return outputs[(int)ordinal - 1].Expression;
        }
        // An output name that is not also a source column (MySQL's rule: the column wins).
        if (item is ColumnExpr { Qualifier: null } named && !sources.Any(s => Find(s, named.Name) is not null)
            && outputs.FirstOrDefault(o => o.Name.Equals(named.Name, StringComparison.OrdinalIgnoreCase)) is { } output)
            return output.Expression;
        var bound = Value(item, allowAggregate: false, insideAggregate: false);
        return bound;
    }

    private int OrderItem(SqlExpr item, List<BoundOutput> outputs, List<SqlExpr> syntax)
    {
        if (item is LiteralExpr { Value: long ordinal })
        {
            if (ordinal < 1 || ordinal > outputs.Count) throw Error(item.Position, $"ORDER BY {ordinal}: the view has {outputs.Count} columns");
            return (int)ordinal - 1;
        }
        if (item is ColumnExpr { Qualifier: null } named)
        {
            var at = outputs.FindIndex(o => o.Name.Equals(named.Name, StringComparison.OrdinalIgnoreCase));
            if (at >= 0) return at;
        }
        var canonical = Canonical(Value(item, allowAggregate: true, insideAggregate: false));
        var match = outputs.FindIndex(o => Canonical(o.Expression) == canonical);
        return match >= 0 ? match : throw Error(item.Position, "ORDER BY must name a selected column (by its name, its position or its expression)");
    }

    private (int Key, int? Subkey, int? Date) Index(List<BoundOutput> outputs, ColumnMapping? mapping)
    {
        int? Named(string field, string? name)
        {
            if (name is null) return null;
            var at = outputs.FindIndex(o => o.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            return at >= 0 ? at : throw ApperateException.Invalid($"columnMapping.{field}", $"'{name}' is not a column of the view");
        }

        int? Picked(IndexRole role)
        {
            for (var source = 0; source < sources.Count; source++)
            {
                var at = outputs.FindIndex(o => o.Expression is BoundColumn c && c.Source == source && c.Role == role);
                if (at >= 0) return at;
            }
            return null;
        }

        int? key, subkey, date;
        if (mapping is not null)
        {
            key = Named("key", mapping.Key) ?? throw ApperateException.Invalid("columnMapping.key", "is required");
            subkey = Named("subkey", mapping.Subkey);
            date = Named("date", mapping.Date);
            if (date is { } d && outputs[d].Expression is not BoundColumn { Role: IndexRole.Date })
                throw ApperateException.Invalid("columnMapping.date", $"'{outputs[d].Name}' is not the date index column of a dataset or view the view reads");
        }
        else
        {
            key = Picked(IndexRole.Key)
                ?? throw ViewErrors.Invalid("the view has no key: select the key column of a dataset it reads, or name one with columnMapping.key");
            subkey = Picked(IndexRole.Subkey);
            date = Picked(IndexRole.Date);
        }
        if (subkey == key || date == key || subkey is not null && subkey == date)
            throw ApperateException.Invalid("columnMapping", "key, subkey and date must be different columns");
        return (key.Value, subkey, date);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static bool ContainsAggregate(BoundExpr e) => e switch
    {
        BoundFunction f => f.Aggregate || f.Arguments.Any(ContainsAggregate),
        _ => Children(e).Any(ContainsAggregate),
    };

    private static bool ContainsColumn(BoundExpr e) => e is BoundColumn or BoundIndexColumn || Children(e).Any(ContainsColumn);

    private static IEnumerable<BoundExpr> Children(BoundExpr e) => e switch
    {
        BoundUnary u => [u.Operand],
        BoundBinary b => [b.Left, b.Right],
        BoundFunction f => f.Arguments,
        BoundIn i => [i.Operand, .. i.Values],
        BoundBetween b => [b.Operand, b.Low, b.High],
        BoundIsNull n => [n.Operand],
        BoundLike l => [l.Operand, l.Pattern],
        _ => [],
    };

    /// <summary>A text equal for equal expressions: how GROUP BY and ORDER BY items are matched with selected columns.</summary>
    public static string Canonical(BoundExpr e) => e switch
    {
        BoundLiteral l => l.Value switch
        {
            null => "null",
            string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString() ?? "",
        },
        BoundColumn c => $"c{c.Source}.{c.Name.ToUpperInvariant()}",
        BoundIndexColumn i => $"i{i.Source}.{i.Role}",
        BoundUnary u => $"({u.Operator} {Canonical(u.Operand)})",
        BoundBinary b => $"({Canonical(b.Left)} {b.Operator} {Canonical(b.Right)})",
        BoundFunction f => $"{f.Name}({(f.Distinct ? "DISTINCT " : "")}{(f.Star ? "*" : string.Join(", ", f.Arguments.Select(Canonical)))})",
        BoundIn i => $"({Canonical(i.Operand)} {(i.Negated ? "NOT " : "")}IN ({string.Join(", ", i.Values.Select(Canonical))}))",
        BoundBetween b => $"({Canonical(b.Operand)} {(b.Negated ? "NOT " : "")}BETWEEN {Canonical(b.Low)} AND {Canonical(b.High)})",
        BoundIsNull n => $"({Canonical(n.Operand)} IS {(n.Negated ? "NOT " : "")}NULL)",
        BoundLike l => $"({Canonical(l.Operand)} {(l.Negated ? "NOT " : "")}LIKE {Canonical(l.Pattern)})",
        _ => throw new ArgumentOutOfRangeException(nameof(e)),
    };
}
