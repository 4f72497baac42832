using System.Globalization;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors.MySql;

/// <summary>A column as <c>information_schema.COLUMNS</c> describes it.</summary>
/// <param name="Name">COLUMN_NAME.</param>
/// <param name="DataType">DATA_TYPE, e.g. <c>bigint</c>.</param>
/// <param name="ColumnType">COLUMN_TYPE, e.g. <c>bigint(20) unsigned</c>.</param>
/// <param name="DatetimePrecision">DATETIME_PRECISION (fractional second digits), or null.</param>
/// <param name="AutoIncrement">True when EXTRA says <c>auto_increment</c>.</param>
public sealed record MySqlColumn(string Name, string DataType, string ColumnType, int? DatetimePrecision, bool AutoIncrement);

/// <summary>How a column's values are read and stored.</summary>
public enum MySqlValueKind
{
    /// <summary>Signed integers and unsigned ones below 2^63: a 64-bit integer.</summary>
    Integer,
    /// <summary>Values kept exact as text (DECIMAL, BIGINT UNSIGNED, TIME): read as <c>CAST(… AS CHAR)</c>.</summary>
    Text,
    /// <summary>FLOAT and DOUBLE.</summary>
    Double,
    /// <summary>Character and enum/set columns.</summary>
    String,
    /// <summary>DATE: <c>YYYY-MM-DD</c>.</summary>
    Date,
    /// <summary>DATETIME and TIMESTAMP: ISO 8601 UTC with the column's fractional digits.</summary>
    DateTime,
    /// <summary>Binary columns: base64 text.</summary>
    Binary,
    /// <summary>JSON columns: the JSON text.</summary>
    Json,
}

/// <summary>A column's place in the dataset: its property type and how values are read.</summary>
/// <param name="Column">The column.</param>
/// <param name="Type">The dataset property type.</param>
/// <param name="Kind">How values are read and converted.</param>
public sealed record MySqlMappedColumn(MySqlColumn Column, PropertyType Type, MySqlValueKind Kind)
{
    /// <summary>The select-list expression (quoted identifier, cast to text when exactness needs it).</summary>
    public string SelectExpression => Kind != MySqlValueKind.Text ? MySqlTypes.Quote(Column.Name)
        : Column.DataType == "bit" ? $"CAST(CAST({MySqlTypes.Quote(Column.Name)} AS UNSIGNED) AS CHAR)"
        : $"CAST({MySqlTypes.Quote(Column.Name)} AS CHAR)";
}

/// <summary>
/// MySQL/MariaDB column types → dataset property types. Exactness first: DECIMAL and BIGINT UNSIGNED (which can exceed
/// 2^63) become decimal strings, never doubles; DATETIME/TIMESTAMP become ISO 8601 date-times (DATETIME is taken as
/// UTC, TIMESTAMP is read in UTC) with exactly the column's fractional digits; other integers are integers.
/// </summary>
public static class MySqlTypes
{
    /// <summary>The mapping of <paramref name="column"/>, or null for types the dataset cannot hold (spatial types).</summary>
    public static MySqlMappedColumn? Map(MySqlColumn column)
    {
        var unsigned = column.ColumnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase);
        (PropertyType, MySqlValueKind)? mapped = column.DataType.ToLowerInvariant() switch
        {
            "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "year" => (PropertyType.Integer, MySqlValueKind.Integer),
            "bigint" => unsigned ? (PropertyType.String, MySqlValueKind.Text) : (PropertyType.Integer, MySqlValueKind.Integer),
            "bit" => (PropertyType.String, MySqlValueKind.Text),
            "decimal" or "numeric" => (PropertyType.String, MySqlValueKind.Text),
            "float" or "double" or "real" => (PropertyType.Number, MySqlValueKind.Double),
            "date" => (PropertyType.Date, MySqlValueKind.Date),
            "datetime" or "timestamp" => (PropertyType.DateTime, MySqlValueKind.DateTime),
            "time" => (PropertyType.String, MySqlValueKind.Text),
            "char" or "varchar" or "tinytext" or "text" or "mediumtext" or "longtext" or "enum" or "set" or "uuid"
                or "inet4" or "inet6" => (PropertyType.String, MySqlValueKind.String),
            "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" => (PropertyType.String, MySqlValueKind.Binary),
            "json" => (PropertyType.Any, MySqlValueKind.Json),
            _ => null,
        };
        return mapped is { } m ? new MySqlMappedColumn(column, m.Item1, m.Item2) : null;
    }

    /// <summary>The stored value of a column's database value (<see cref="DBNull"/> → null).</summary>
    /// <exception cref="FormatException">The value does not fit its mapping.</exception>
    public static object? ToValue(MySqlMappedColumn column, object? value)
    {
        if (value is null or DBNull) return null;
        switch (column.Kind)
        {
            case MySqlValueKind.Integer:
                return value switch
                {
                    ulong u when u > long.MaxValue => throw new FormatException($"{column.Column.Name} value {u} exceeds 64-bit signed range"),
                    IConvertible c => c.ToInt64(CultureInfo.InvariantCulture),
                    _ => throw new FormatException($"{column.Column.Name} is not an integer"),
                };
            case MySqlValueKind.Double:
                return Convert.ToDouble(value, CultureInfo.InvariantCulture);
            case MySqlValueKind.Date:
                return value is DateTime d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture);
            case MySqlValueKind.DateTime:
                return value is DateTime t ? FormatDateTime(t, column.Column.DatetimePrecision ?? 0) : Convert.ToString(value, CultureInfo.InvariantCulture);
            case MySqlValueKind.Binary:
                return value is byte[] bytes ? Convert.ToBase64String(bytes) : Convert.ToString(value, CultureInfo.InvariantCulture);
            default:
                return value is byte[] raw ? System.Text.Encoding.UTF8.GetString(raw) : Convert.ToString(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>An ISO 8601 UTC date-time with exactly <paramref name="digits"/> fractional second digits (0–6).</summary>
    public static string FormatDateTime(DateTime value, int digits)
    {
        var format = digits <= 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : $"yyyy-MM-dd'T'HH:mm:ss.{new string('f', Math.Min(6, digits))}'Z'";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The SQL type a cursor or key value (kept as the server's own text, <c>CAST(col AS CHAR)</c>) is cast back to
    /// before comparing, so comparisons are exact and typed; null compares as text.
    /// </summary>
    public static string? CastType(MySqlColumn column) => column.DataType.ToLowerInvariant() switch
    {
        "tinyint" or "smallint" or "mediumint" or "int" or "integer" or "bigint" or "year" or "bit" =>
            column.ColumnType.Contains("unsigned", StringComparison.OrdinalIgnoreCase) || column.DataType == "bit" ? "UNSIGNED" : "SIGNED",
        "decimal" or "numeric" => "DECIMAL(65,30)",
        "float" or "double" or "real" => "DOUBLE",
        "date" => "DATE",
        "datetime" or "timestamp" => "DATETIME(6)",
        "time" => "TIME(6)",
        _ => null,
    };

    /// <summary>A quoted identifier (backticks doubled).</summary>
    public static string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";
}
