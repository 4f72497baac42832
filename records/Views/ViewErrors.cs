namespace Apperate.Actors.Views;

/// <summary>The 400s of a view's SQL: each names the field (<c>sql</c>, or <c>columnMapping.*</c>) and, when it has one, the position.</summary>
public static class ViewErrors
{
    /// <summary>The field every SQL error names.</summary>
    public const string Field = "sql";

    /// <summary>A problem of the SQL as a whole.</summary>
    public static ApperateException Invalid(string reason) => ApperateException.Invalid(Field, reason);

    /// <summary>A problem at <paramref name="position"/> (0-based) of <paramref name="sql"/>; the message gives line and column (1-based).</summary>
    public static ApperateException At(string sql, int position, string reason)
    {
        position = Math.Clamp(position, 0, sql.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < position; i++)
        {
            if (sql[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        return ApperateException.Invalid(Field, $"{reason} (at line {line}, column {position - lineStart + 1}, position {position + 1})");
    }
}
