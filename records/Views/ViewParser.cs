using System.Globalization;

namespace Apperate.Actors.Views;

/// <summary>
/// A hand-written recursive-descent parser of the one statement a view may be:
/// <code>
/// SELECT [DISTINCT] item {, item} FROM ref [[AS] alias] {[INNER | LEFT [OUTER]] JOIN ref [[AS] alias] ON expr}
///   [WHERE expr] [GROUP BY expr {, expr} [WITH ROLLUP]] [ORDER BY expr [ASC|DESC] {, …}]
///   [LIMIT n [OFFSET m] | LIMIT m, n] [;]
/// item: expr [[AS] alias]        ref: name | workspace.name   (names bare or `back-quoted`)
/// expr: OR / AND / NOT / comparisons (= &lt;&gt; != &lt; &lt;= &gt; &gt;=, [NOT] IN (…), [NOT] BETWEEN, IS [NOT] NULL,
///       [NOT] LIKE) / + - / * / % / unary - / literal, column, function(…), (expr)
/// </code>
/// Anything else is a 400 naming the position: other statements, <c>*</c>, subqueries, <c>UNION</c>, CTEs,
/// <c>HAVING</c>, <c>INTO</c>, stacked statements. Nesting is bounded so a hostile text cannot exhaust the stack.
/// </summary>
public sealed class ViewParser
{
    /// <summary>The deepest nesting of expressions accepted.</summary>
    public const int MaxDepth = 40;

    /// <summary>The most joins a view may have.</summary>
    public const int MaxJoins = 8;

    /// <summary>The most items of a list (selected columns, IN values, GROUP BY, ORDER BY).</summary>
    public const int MaxListItems = 256;

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "DISTINCT", "FROM", "JOIN", "INNER", "LEFT", "OUTER", "ON", "WHERE", "GROUP", "BY", "WITH", "ROLLUP",
        "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "AS", "AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "LIKE", "TRUE",
        "FALSE", "ALL",
    };

    /// <summary>Words that start something a view cannot contain, with the reason given.</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UNION"] = "UNION is not allowed in a view",
        ["INTERSECT"] = "INTERSECT is not allowed in a view",
        ["EXCEPT"] = "EXCEPT is not allowed in a view",
        ["HAVING"] = "HAVING is not supported",
        ["INTO"] = "SELECT … INTO is not allowed in a view",
        ["RIGHT"] = "RIGHT JOIN is not supported: write it as a LEFT JOIN",
        ["FULL"] = "FULL JOIN is not supported",
        ["CROSS"] = "CROSS JOIN is not supported: join ON index columns",
        ["NATURAL"] = "NATURAL JOIN is not supported: join ON index columns",
        ["USING"] = "JOIN … USING is not supported: write ON",
        ["WINDOW"] = "window functions are not supported",
        ["OVER"] = "window functions are not supported",
        ["CASE"] = "CASE is not supported",
        ["EXISTS"] = "subqueries are not allowed in a view",
        ["FOR"] = "locking clauses are not allowed in a view",
        ["LOCK"] = "locking clauses are not allowed in a view",
        ["PROCEDURE"] = "PROCEDURE is not allowed in a view",
        ["STRAIGHT_JOIN"] = "STRAIGHT_JOIN is not supported: write JOIN",
    };

    private readonly string sql;
    private readonly List<SqlToken> tokens;
    private int at;
    private int depth;

    private ViewParser(string sql)
    {
        this.sql = sql;
        tokens = SqlLexer.Tokenize(sql);
    }

    /// <summary>Parses a view's SQL.</summary>
    /// <exception cref="ApperateException">The text is not a statement of the grammar (400, with the position).</exception>
    public static SelectStatement Parse(string sql) => new ViewParser(sql ?? "").Statement();

    private SqlToken Current => tokens[at];

    private SqlToken Next() => tokens[at++];

    private ApperateException Error(SqlToken token, string reason) => ViewErrors.At(sql, token.Position, reason);

    private ApperateException Unexpected(string expected)
    {
        var token = Current;
        if (token.Kind == SqlTokenKind.End) return Error(token, $"the statement ends where {expected} was expected");
        if (token.Kind == SqlTokenKind.Word && Refused.TryGetValue(token.Text, out var reason)) return Error(token, reason);
        return Error(token, $"expected {expected}, found {Describe(token)}");
    }

    private static string Describe(SqlToken token) => token.Kind switch
    {
        SqlTokenKind.String => "a string",
        SqlTokenKind.QuotedName => $"`{token.Text}`",
        SqlTokenKind.End => "the end",
        _ => $"'{(token.Text.Length > 40 ? token.Text[..40] + "…" : token.Text)}'",
    };

    private bool Accept(string keyword)
    {
        if (!Current.Is(keyword)) return false;
        at++;
        return true;
    }

    private bool AcceptSymbol(string symbol)
    {
        if (!Current.IsSymbol(symbol)) return false;
        at++;
        return true;
    }

    private void Expect(string keyword)
    {
        if (!Accept(keyword)) throw Unexpected(keyword);
    }

    private void ExpectSymbol(string symbol)
    {
        if (!AcceptSymbol(symbol)) throw Unexpected($"'{symbol}'");
    }

    private SelectStatement Statement()
    {
        if (!Current.Is("SELECT"))
        {
            var first = Current;
            throw Error(first, first.Is("WITH") ? "common table expressions (WITH) are not allowed in a view"
                : $"a view is one SELECT statement; found {Describe(first)}");
        }
        at++;
        var distinct = Accept("DISTINCT");
        if (!distinct) Accept("ALL");
        var columns = List(SelectItem, "selected columns");
        if (!Current.Is("FROM")) throw Unexpected("FROM");
        at++;
        var from = Table();
        var joins = new List<JoinClause>();
        while (JoinStart(out var kind))
        {
            var position = Current.Position;
            Expect("JOIN");
            if (joins.Count == MaxJoins) throw Error(tokens[at - 1], $"a view joins at most {MaxJoins + 1} datasets");
            var table = Table();
            if (!Current.Is("ON")) throw Unexpected("ON and a join condition");
            at++;
            joins.Add(new JoinClause(position, kind, table, Expression()));
        }
        SqlExpr? where = null;
        if (Accept("WHERE")) where = Expression();
        var groupBy = new List<SqlExpr>();
        var rollup = false;
        if (Accept("GROUP"))
        {
            Expect("BY");
            groupBy = List(Expression, "GROUP BY items");
            if (Accept("WITH"))
            {
                Expect("ROLLUP");
                rollup = true;
            }
        }
        var orderBy = new List<OrderItem>();
        if (Accept("ORDER"))
        {
            Expect("BY");
            orderBy = List(() =>
            {
                var e = Expression();
                var descending = Accept("DESC");
                if (!descending) Accept("ASC");
                return new OrderItem(e, descending);
            }, "ORDER BY items");
        }
        long? limit = null, offset = null;
        if (Accept("LIMIT"))
        {
            limit = Count();
            if (AcceptSymbol(","))
            {
                offset = limit;
                limit = Count();
            }
            else if (Accept("OFFSET"))
            {
                offset = Count();
            }
        }
        AcceptSymbol(";");
        if (Current.Kind != SqlTokenKind.End)
        {
            var token = Current;
            if (tokens[at - 1].IsSymbol(";")) throw Error(token, "a view is one statement; nothing may follow the ';'");
            throw Unexpected("the end of the statement");
        }
        return new SelectStatement(distinct, columns, from, joins, where, groupBy, rollup, orderBy, limit, offset);
    }

    private bool JoinStart(out JoinKind kind)
    {
        kind = JoinKind.Inner;
        if (Current.Is("JOIN")) return true;
        if (Current.Is("INNER"))
        {
            at++;
            return true;
        }
        if (Current.Is("LEFT"))
        {
            at++;
            Accept("OUTER");
            kind = JoinKind.Left;
            return true;
        }
        if (Current.IsSymbol(",")) throw Error(Current, "comma joins are not supported: write JOIN … ON");
        return false;
    }

    private List<T> List<T>(Func<T> item, string what)
    {
        var items = new List<T> { item() };
        while (AcceptSymbol(","))
        {
            if (items.Count == MaxListItems) throw Error(tokens[at - 1], $"at most {MaxListItems} {what} are accepted");
            items.Add(item());
        }
        return items;
    }

    private long Count()
    {
        var token = Current;
        if (token.Kind != SqlTokenKind.Integer) throw Unexpected("a whole number");
        at++;
        return long.Parse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private SelectItem SelectItem()
    {
        var token = Current;
        if (token.IsSymbol("*") || token.Kind is SqlTokenKind.Word or SqlTokenKind.QuotedName && tokens[at + 1].IsSymbol(".") && tokens[at + 2].IsSymbol("*"))
            throw Error(token, "SELECT * is not allowed: name the columns");
        var expression = Expression();
        string? alias = null;
        if (Accept("AS")) alias = Name("an alias");
        else if (IsName(Current)) alias = Name("an alias");
        else if (Current.Kind == SqlTokenKind.String) throw Error(Current, "write an alias as a name (AS `alias`), not a string");
        return new SelectItem(token.Position, expression, alias);
    }

    private TableRef Table()
    {
        var position = Current.Position;
        if (Current.IsSymbol("(")) throw Error(Current, "subqueries are not allowed in a view: name a dataset or view");
        var first = Name("a dataset or view name");
        string? workspace = null;
        var name = first;
        if (AcceptSymbol("."))
        {
            workspace = first;
            name = Name("a dataset or view name");
            if (Current.IsSymbol(".")) throw Error(Current, "a reference is WORKSPACE.DATASET; more parts are not accepted");
        }
        string? alias = null;
        if (Accept("AS")) alias = Name("an alias");
        else if (IsName(Current)) alias = Name("an alias");
        return new TableRef(position, workspace, name, alias);
    }

    private static bool IsName(SqlToken token) =>
        token.Kind == SqlTokenKind.QuotedName || token.Kind == SqlTokenKind.Word && !Reserved.Contains(token.Text) && !Refused.ContainsKey(token.Text);

    private string Name(string what)
    {
        var token = Current;
        if (!IsName(token)) throw Unexpected(what);
        at++;
        return token.Text;
    }

    // ---- expressions, lowest precedence first --------------------------------------------------------------

    private SqlExpr Expression()
    {
        if (++depth > MaxDepth) throw Error(Current, $"the expression is nested more than {MaxDepth} levels deep");
        try
        {
            return Or();
        }
        finally
        {
            depth--;
        }
    }

    private SqlExpr Or()
    {
        var left = And();
        while (Current.Is("OR"))
        {
            var position = Next().Position;
            left = new BinaryExpr(position, "OR", left, And());
        }
        return left;
    }

    private SqlExpr And()
    {
        var left = Not();
        while (Current.Is("AND"))
        {
            var position = Next().Position;
            left = new BinaryExpr(position, "AND", left, Not());
        }
        return left;
    }

    private SqlExpr Not()
    {
        if (!Current.Is("NOT")) return Comparison();
        var position = Next().Position;
        if (++depth > MaxDepth) throw Error(Current, $"the expression is nested more than {MaxDepth} levels deep");
        try
        {
            return new UnaryExpr(position, "NOT", Not());
        }
        finally
        {
            depth--;
        }
    }

    private static readonly string[] Comparisons = ["=", "<>", "<", "<=", ">", ">="];

    private SqlExpr Comparison()
    {
        var left = Additive();
        var token = Current;
        if (token.Kind == SqlTokenKind.Symbol && Array.IndexOf(Comparisons, token.Text) >= 0)
        {
            at++;
            return new BinaryExpr(token.Position, token.Text, left, Additive());
        }
        if (token.Is("IS"))
        {
            at++;
            var negated = Accept("NOT");
            Expect("NULL");
            return new IsNullExpr(token.Position, left, negated);
        }
        var not = token.Is("NOT") && (tokens[at + 1].Is("IN") || tokens[at + 1].Is("BETWEEN") || tokens[at + 1].Is("LIKE"));
        if (not) at++;
        if (Accept("IN"))
        {
            ExpectSymbol("(");
            if (Current.Is("SELECT")) throw Error(Current, "subqueries are not allowed in a view");
            var values = List(Additive, "IN values");
            ExpectSymbol(")");
            return new InExpr(token.Position, left, values, not);
        }
        if (Accept("BETWEEN"))
        {
            var low = Additive();
            Expect("AND");
            return new BetweenExpr(token.Position, left, low, Additive(), not);
        }
        if (Accept("LIKE"))
        {
            return new LikeExpr(token.Position, left, Additive(), not);
        }
        if (not) throw Unexpected("IN, BETWEEN or LIKE");
        return left;
    }

    private SqlExpr Additive()
    {
        var left = Multiplicative();
        while (Current.IsSymbol("+") || Current.IsSymbol("-"))
        {
            var token = Next();
            left = new BinaryExpr(token.Position, token.Text, left, Multiplicative());
        }
        return left;
    }

    private SqlExpr Multiplicative()
    {
        var left = Unary();
        while (Current.IsSymbol("*") || Current.IsSymbol("/") || Current.IsSymbol("%"))
        {
            var token = Next();
            left = new BinaryExpr(token.Position, token.Text, left, Unary());
        }
        return left;
    }

    private SqlExpr Unary()
    {
        if (!Current.IsSymbol("-") && !Current.IsSymbol("+")) return Primary();
        var token = Next();
        if (++depth > MaxDepth) throw Error(token, $"the expression is nested more than {MaxDepth} levels deep");
        try
        {
            var operand = Unary();
            if (token.Text == "+") return operand;
            return operand switch
            {
                LiteralExpr { Value: long l } => new LiteralExpr(token.Position, -l),
                LiteralExpr { Value: double d } => new LiteralExpr(token.Position, -d),
                _ => new UnaryExpr(token.Position, "-", operand),
            };
        }
        finally
        {
            depth--;
        }
    }

    private SqlExpr Primary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case SqlTokenKind.Integer:
                at++;
                return new LiteralExpr(token.Position, long.Parse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture));
            case SqlTokenKind.Decimal:
                at++;
                return new LiteralExpr(token.Position, double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case SqlTokenKind.String:
                at++;
                return new LiteralExpr(token.Position, token.Text);
            case SqlTokenKind.Symbol when token.Text == "(":
                at++;
                if (Current.Is("SELECT")) throw Error(Current, "subqueries are not allowed in a view");
                var inner = Expression();
                ExpectSymbol(")");
                return inner;
            case SqlTokenKind.Symbol when token.Text == "*":
                throw Error(token, "SELECT * is not allowed: name the columns");
        }
        if (token.Is("NULL") || token.Is("TRUE") || token.Is("FALSE"))
        {
            at++;
            return new LiteralExpr(token.Position, token.Is("NULL") ? null : token.Is("TRUE"));
        }
        if (token.Is("SELECT")) throw Error(token, "subqueries are not allowed in a view");
        if (token.Kind == SqlTokenKind.Word && tokens[at + 1].IsSymbol("(")) return Function();
        if (!IsName(token)) throw Unexpected("a value, a column or a function");
        at++;
        if (!AcceptSymbol(".")) return new ColumnExpr(token.Position, null, token.Text);
        if (Current.IsSymbol("*")) throw Error(Current, "SELECT * is not allowed: name the columns");
        var column = Name("a column name");
        if (Current.IsSymbol(".")) throw Error(Current, "a column is alias.column; more parts are not accepted");
        return new ColumnExpr(token.Position, token.Text, column);
    }

    private FunctionExpr Function()
    {
        var name = Next();
        ExpectSymbol("(");
        if (AcceptSymbol("*"))
        {
            ExpectSymbol(")");
            return new FunctionExpr(name.Position, name.Text, [], false, true);
        }
        var distinct = Accept("DISTINCT");
        var arguments = new List<SqlExpr>();
        if (!Current.IsSymbol(")"))
        {
            if (Current.Is("SELECT")) throw Error(Current, "subqueries are not allowed in a view");
            arguments = List(Expression, "function arguments");
        }
        ExpectSymbol(")");
        if (Current.Is("OVER")) throw Error(Current, "window functions are not supported");
        return new FunctionExpr(name.Position, name.Text, arguments, distinct, false);
    }
}
