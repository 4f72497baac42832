using System.Globalization;
using System.Text;

namespace Apperate.Actors.Views;

/// <summary>The kinds of token of a view's SQL.</summary>
public enum SqlTokenKind
{
    /// <summary>A bare word: a keyword or a name.</summary>
    Word,
    /// <summary>A back-quoted name.</summary>
    QuotedName,
    String,
    Integer,
    Decimal,
    /// <summary>An operator or punctuation: <c>( ) , . ; * + - / % = &lt;&gt; != &lt; &lt;= &gt; &gt;=</c>.</summary>
    Symbol,
    End,
}

/// <summary>One token: its kind, its text (a name or string without quotes) and its 0-based position.</summary>
public readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Position)
{
    /// <summary>True for a bare word equal to <paramref name="keyword"/>, ignoring case.</summary>
    public bool Is(string keyword) => Kind == SqlTokenKind.Word && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for the symbol <paramref name="symbol"/>.</summary>
    public bool IsSymbol(string symbol) => Kind == SqlTokenKind.Symbol && Text == symbol;
}

/// <summary>
/// Splits a view's SQL into tokens. Everything outside the grammar's alphabet is refused here with its position:
/// comments (<c>--</c>, <c>#</c>, <c>/*</c>), variables and placeholders (<c>@</c>, <c>?</c>, <c>$</c>), <c>||</c>,
/// double-quoted names, unterminated quotes, and literals past their size limit.
/// </summary>
public static class SqlLexer
{
    /// <summary>The longest view SQL accepted.</summary>
    public const int MaxLength = 20_000;

    /// <summary>The longest string literal accepted.</summary>
    public const int MaxStringLength = 4_096;

    /// <summary>The most digits a number literal may have.</summary>
    public const int MaxNumberLength = 32;

    /// <summary>Tokens of <paramref name="sql"/>, ending with <see cref="SqlTokenKind.End"/>.</summary>
    /// <exception cref="ApperateException">The text is outside the grammar's alphabet (400, with the position).</exception>
    public static List<SqlToken> Tokenize(string sql)
    {
        if (string.IsNullOrWhiteSpace(sql)) throw ViewErrors.Invalid("must be a SELECT statement, not empty");
        if (sql.Length > MaxLength) throw ViewErrors.Invalid($"is {sql.Length:N0} characters long; at most {MaxLength:N0} are accepted");
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            var start = i;
            if (c == '-' && Peek(sql, i + 1) == '-' || c == '#' || c == '/' && Peek(sql, i + 1) == '*')
                throw ViewErrors.At(sql, start, "comments are not allowed in a view");
            if (IsWordStart(c))
            {
                while (i < sql.Length && IsWordPart(sql[i])) i++;
                tokens.Add(new SqlToken(SqlTokenKind.Word, sql[start..i], start));
            }
            else if (char.IsAsciiDigit(c) || c == '.' && char.IsAsciiDigit(Peek(sql, i + 1)))
            {
                tokens.Add(Number(sql, ref i));
            }
            else if (c == '`')
            {
                tokens.Add(new SqlToken(SqlTokenKind.QuotedName, Quoted(sql, ref i, '`', escapes: false), start));
            }
            else if (c == '\'')
            {
                tokens.Add(new SqlToken(SqlTokenKind.String, Quoted(sql, ref i, '\'', escapes: true), start));
            }
            else if (c == '"')
            {
                throw ViewErrors.At(sql, start, "double quotes are not accepted: write strings in single quotes and names in back quotes (`name`)");
            }
            else
            {
                tokens.Add(Symbol(sql, ref i));
            }
        }
        tokens.Add(new SqlToken(SqlTokenKind.End, "", sql.Length));
        return tokens;
    }

    private static char Peek(string sql, int at) => at < sql.Length ? sql[at] : '\0';

    private static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsWordPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static SqlToken Number(string sql, ref int i)
    {
        var start = i;
        var isDecimal = false;
        while (i < sql.Length && char.IsAsciiDigit(sql[i])) i++;
        if (i < sql.Length && sql[i] == '.')
        {
            isDecimal = true;
            i++;
            while (i < sql.Length && char.IsAsciiDigit(sql[i])) i++;
        }
        if (i < sql.Length && (sql[i] == 'e' || sql[i] == 'E'))
        {
            var exponent = i + 1;
            if (exponent < sql.Length && (sql[exponent] == '+' || sql[exponent] == '-')) exponent++;
            if (exponent < sql.Length && char.IsAsciiDigit(sql[exponent]))
            {
                isDecimal = true;
                i = exponent;
                while (i < sql.Length && char.IsAsciiDigit(sql[i])) i++;
            }
        }
        if (i < sql.Length && IsWordPart(sql[i]))
            throw ViewErrors.At(sql, start, $"'{sql[start..Math.Min(sql.Length, i + 1)]}' is not a number");
        var text = sql[start..i];
        if (text.Length > MaxNumberLength)
            throw ViewErrors.At(sql, start, $"the number is {text.Length} characters long; at most {MaxNumberLength} are accepted");
        if (!isDecimal && !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw ViewErrors.At(sql, start, $"{text} is outside the range of a 64-bit integer");
        if (isDecimal && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d)))
            throw ViewErrors.At(sql, start, $"{text} is outside the range of a number");
        return new SqlToken(isDecimal ? SqlTokenKind.Decimal : SqlTokenKind.Integer, text, start);
    }

    /// <summary>A quoted name or string: the quote doubled stands for itself; strings also take MySQL's backslash escapes.</summary>
    private static string Quoted(string sql, ref int i, char quote, bool escapes)
    {
        var start = i;
        var text = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= sql.Length)
                throw ViewErrors.At(sql, start, quote == '`' ? "the back-quoted name is not closed" : "the string is not closed");
            var c = sql[i];
            if (c == quote)
            {
                if (Peek(sql, i + 1) != quote)
                {
                    i++;
                    break;
                }
                text.Append(quote);
                i += 2;
            }
            else if (escapes && c == '\\' && i + 1 < sql.Length)
            {
                text.Append(sql[i + 1] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    var other => other,
                });
                i += 2;
            }
            else
            {
                text.Append(c);
                i++;
            }
            if (text.Length > MaxStringLength)
                throw ViewErrors.At(sql, start, $"the {(quote == '`' ? "name" : "string")} is longer than {MaxStringLength:N0} characters");
        }
        if (quote == '`' && text.Length == 0) throw ViewErrors.At(sql, start, "a back-quoted name must not be empty");
        return text.ToString();
    }

    private static readonly string[] TwoCharacterSymbols = ["<>", "!=", "<=", ">="];

    private static SqlToken Symbol(string sql, ref int i)
    {
        var start = i;
        if (i + 1 < sql.Length)
        {
            var two = sql.Substring(i, 2);
            if (two == "||") throw ViewErrors.At(sql, start, "'||' is not accepted: use OR, or CONCAT() to join strings");
            if (Array.IndexOf(TwoCharacterSymbols, two) >= 0)
            {
                i += 2;
                return new SqlToken(SqlTokenKind.Symbol, two == "!=" ? "<>" : two, start);
            }
        }
        var c = sql[i];
        if ("(),.;*+-/%=<>".Contains(c, StringComparison.Ordinal))
        {
            i++;
            return new SqlToken(SqlTokenKind.Symbol, c.ToString(), start);
        }
        var what = c switch
        {
            '@' => "variables ('@') are not allowed in a view",
            '?' or '$' or ':' => $"placeholders ('{c}') are not allowed in a view: write the value",
            _ => $"unexpected character '{(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())}'",
        };
        throw ViewErrors.At(sql, start, what);
    }
}
