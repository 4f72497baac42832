using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Storage;

/// <summary>A SQL statement and its parameter values (names include the <c>@</c> prefix).</summary>
public sealed record SqlStatement(string Sql, IReadOnlyList<KeyValuePair<string, object>> Parameters);

/// <summary>
/// A planned record query: the statement, the property columns it reads after the system columns, and for each
/// returned value the index of its column (a projection may name a property twice).
/// </summary>
public sealed record SqlQuery(string Sql, IReadOnlyList<KeyValuePair<string, object>> Parameters, PropertyDefinition[] Columns, int[] Output, bool Reverse);

/// <summary>
/// The SQL text shared by the record stores. Everything that differs between engines (identifier quote, column
/// types, DDL, upsert syntax) is supplied by a subclass; the rest (validation, WHERE clauses, selection order,
/// interval thinning, paging, value conversion and typed reads) is written once here.
/// </summary>
/// <remarks>
/// Identifiers are checked against the name rule before they are quoted, so a quoted name never contains the quote
/// character; values only ever travel as parameters.
/// </remarks>
public abstract partial class SqlText
{
    /// <summary>The row id, which is the commit sequence of the row's last insert or replace (see <see cref="IRecordStore.WriteAsync"/>).</summary>
    public const string IdColumn = "_system_id";
    public const string KeyColumn = "_system_key";
    public const string SubkeyColumn = "_system_subkey";
    public const string DateColumn = "_system_date";
    public const string UpdatedColumn = "_system_updated";
    public const string ExtraColumn = "_system_extra";

    /// <summary>The system columns in the order every query reads them, before the property columns.</summary>
    public const string SystemColumns = $"{IdColumn}, {KeyColumn}, {SubkeyColumn}, {DateColumn}, {UpdatedColumn}, {ExtraColumn}";

    /// <summary>How many system columns precede the property columns in a query result.</summary>
    public const int SystemColumnCount = 6;

    public const string KeyParameter = "@k";
    public const string SubkeyParameter = "@s";
    public const string DateParameter = "@d";
    public const string UpdatedParameter = "@u";
    public const string ExtraParameter = "@x";
    /// <summary>The row's id: its commit sequence.</summary>
    public const string SequenceParameter = "@q";

    private static readonly object True = true;
    private static readonly object False = false;
    private static readonly object One = 1L;
    private static readonly object Zero = 0L;

    private readonly char quote;

    /// <summary>Creates the SQL text for a dialect whose identifiers are enclosed in <paramref name="quote"/>.</summary>
    protected SqlText(char quote) => this.quote = quote;

    // \z rather than $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^[A-Za-z0-9_]{1,64}\z")]
    private static partial Regex NamePattern();

    /// <summary>The parameter name of the <paramref name="index"/>th value column of an insert.</summary>
    public static string ValueParameter(int index) => "@p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Validates a table name and returns it quoted.</summary>
    /// <exception cref="ArgumentException">The name breaks the name rule.</exception>
    public string Table(string name)
    {
        if (name is null || !NamePattern().IsMatch(name))
            throw new ArgumentException($"Invalid table name '{name}': names match ^[A-Za-z0-9_]{{1,64}}$.", nameof(name));
        return Quote(name);
    }

    /// <summary>Validates a property column name and returns it quoted.</summary>
    /// <exception cref="ArgumentException">The name breaks the name rule or would clash with a system column.</exception>
    public string Column(string name)
    {
        if (name is null || !NamePattern().IsMatch(name))
            throw new ArgumentException($"Invalid property name '{name}': names match ^[A-Za-z0-9_]{{1,64}}$.", nameof(name));
        // The system columns share the table with the properties; a reserved name could shadow one of them.
        if (Names.IsReserved(name))
            throw new ArgumentException($"Invalid property name '{name}': names starting with '{Names.ReservedPrefix}' are reserved.", nameof(name));
        return Quote(name);
    }

    private string Quote(string validName) => string.Concat(quote.ToString(), validName, quote.ToString());

    /// <summary>The column type of a property type.</summary>
    public abstract string ColumnType(PropertyType type);

    /// <summary>The statements that create the table (when missing) with its system columns, unique index and the given properties.</summary>
    public abstract IReadOnlyList<string> CreateTable(string table, IReadOnlyList<PropertyDefinition> properties);

    /// <summary>A statement returning the names of the table's columns in its first column.</summary>
    public abstract SqlStatement ExistingColumns(string table);

    /// <summary>The clause appended to an insert to keep or overwrite a row whose key, subkey and date are stored.</summary>
    /// <param name="mode">Duplicate handling.</param>
    /// <param name="quotedColumns">The quoted property columns of the insert.</param>
    protected abstract string OnDuplicate(DuplicateKeyHandling mode, IReadOnlyList<string> quotedColumns);

    /// <summary>Adds one property column.</summary>
    public virtual string AddColumn(string table, PropertyDefinition property) =>
        $"ALTER TABLE {Table(table)} ADD COLUMN {Column(property.Name)} {ColumnType(property.Type)}";

    /// <summary>Drops the table when it exists.</summary>
    public virtual string DropTable(string table) => $"DROP TABLE IF EXISTS {Table(table)}";

    /// <summary>Counts the rows.</summary>
    public virtual string Count(string table) => $"SELECT COUNT(*) FROM {Table(table)}";

    /// <summary>
    /// An insert of one row with the parameters <see cref="KeyParameter"/>, <see cref="SubkeyParameter"/>,
    /// <see cref="DateParameter"/>, <see cref="UpdatedParameter"/>, <see cref="ExtraParameter"/>, <see cref="SequenceParameter"/> and
    /// <see cref="ValueParameter"/>(i) for each of <paramref name="columns"/>; built once per batch shape and reused for every row.
    /// </summary>
    public string Insert(string table, IReadOnlyList<string> columns, DuplicateKeyHandling mode)
    {
        var quoted = new string[columns.Count];
        for (var i = 0; i < quoted.Length; i++) quoted[i] = Column(columns[i]);
        var sql = new StringBuilder();
        sql.Append("INSERT INTO ").Append(Table(table))
            .Append(" (").Append(KeyColumn).Append(", ").Append(SubkeyColumn).Append(", ").Append(DateColumn)
            .Append(", ").Append(UpdatedColumn).Append(", ").Append(ExtraColumn).Append(", ").Append(IdColumn);
        foreach (var c in quoted) sql.Append(", ").Append(c);
        sql.Append(") VALUES (").Append(KeyParameter).Append(", ").Append(SubkeyParameter).Append(", ").Append(DateParameter)
            .Append(", ").Append(UpdatedParameter).Append(", ").Append(ExtraParameter).Append(", ").Append(SequenceParameter);
        for (var i = 0; i < quoted.Length; i++) sql.Append(", ").Append(ValueParameter(i));
        sql.Append(") ").Append(OnDuplicate(mode, quoted));
        return sql.ToString();
    }

    /// <summary>Plans a query for one selector; see <see cref="IRecordStore.QueryAsync"/>.</summary>
    /// <exception cref="ApperateException">An unknown property in the projection (<c>filter</c>) or a condition (<c>subattribute</c>), or a condition value of the wrong type.</exception>
    public SqlQuery Select(string table, IReadOnlyList<PropertyDefinition> properties, KeySelector selector, DataQuery query) =>
        Select(Table(table), properties, selector, query, []);

    /// <summary>Plans a query of <paramref name="quotedTable"/> (a quoted table, or a view as a derived table whose parameters are already in <paramref name="parameters"/>).</summary>
    private SqlQuery Select(string quotedTable, IReadOnlyList<PropertyDefinition> properties, KeySelector selector, DataQuery query, List<KeyValuePair<string, object>> parameters)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Offset < 0) throw new ArgumentOutOfRangeException(nameof(query), "Offset must not be negative.");
        if (query.Limit < 0) throw new ArgumentOutOfRangeException(nameof(query), "Limit must not be negative.");

        // Read each distinct column once; the projection may repeat a property.
        var columns = new List<PropertyDefinition>();
        int[] output;
        if (query.Properties is null)
        {
            columns.AddRange(properties);
            output = new int[columns.Count];
            for (var i = 0; i < output.Length; i++) output[i] = i;
        }
        else
        {
            output = new int[query.Properties.Length];
            for (var i = 0; i < output.Length; i++)
            {
                var property = Find(properties, query.Properties[i])
                    ?? throw ApperateException.Invalid("filter", $"unknown property '{query.Properties[i]}'");
                var at = columns.IndexOf(property);
                if (at < 0)
                {
                    at = columns.Count;
                    columns.Add(property);
                }
                output[i] = at;
            }
        }

        var where = Where(properties, selector, query.From, query.To, query.Conditions, parameters, query);
        var direction = query.Oldest ? "ASC" : "DESC";
        var orderBy = query.BySequence ? $"ORDER BY {IdColumn} ASC" : $"ORDER BY {DateColumn} {direction}, {IdColumn} {direction}";

        var select = new StringBuilder(SystemColumns);
        foreach (var c in columns) select.Append(", ").Append(Column(c.Name));

        var sql = new StringBuilder();
        if (query.Interval <= 1)
        {
            sql.Append("SELECT ").Append(select).Append(" FROM ").Append(quotedTable).Append(where).Append(' ').Append(orderBy);
        }
        else
        {
            // Thinning counts positions in selection order before offset and limit apply, so it needs the row number.
            var interval = AddParameter(parameters, (long)query.Interval);
            sql.Append("SELECT ").Append(select).Append(" FROM (SELECT ").Append(select)
                .Append(", ROW_NUMBER() OVER (").Append(orderBy).Append(") AS _system_rn FROM ").Append(quotedTable).Append(where)
                .Append(") _system_q WHERE (_system_rn - 1) % ").Append(interval).Append(" = 0 ").Append(orderBy);
        }
        if (query.Limit is not null || query.Offset > 0)
        {
            // long.MaxValue stands for "no limit": both engines need a LIMIT before an OFFSET.
            var limit = AddParameter(parameters, query.Limit is { } l ? (long)l : long.MaxValue);
            var offset = AddParameter(parameters, (long)query.Offset);
            sql.Append(" LIMIT ").Append(limit).Append(" OFFSET ").Append(offset);
        }

        // Keys are unique on (date, id), so reading in selection order and reversing equals sorting in output order.
        var reverse = !query.BySequence && query.Oldest != (query.Sort == SortOrder.Ascending);
        return new SqlQuery(sql.ToString(), parameters, columns.ToArray(), output, reverse);
    }

    /// <summary>Deletes the selected rows dated within [from, to].</summary>
    public SqlStatement Delete(string table, KeySelector selector, long? from, long? to)
    {
        var parameters = new List<KeyValuePair<string, object>>();
        var where = Where([], selector, from, to, [], parameters);
        return new SqlStatement($"DELETE FROM {Table(table)}{where}", parameters);
    }

    /// <summary>Reads the rows of a planned query.</summary>
    public List<StoredRow> ReadRows(DbDataReader reader, SqlQuery query)
    {
        var rows = new List<StoredRow>();
        var columnValues = new object?[query.Columns.Length];
        while (reader.Read())
        {
            for (var c = 0; c < columnValues.Length; c++)
                columnValues[c] = ReadValue(reader, SystemColumnCount + c, query.Columns[c].Type);
            var values = new object?[query.Output.Length];
            for (var i = 0; i < values.Length; i++) values[i] = columnValues[query.Output[i]];
            rows.Add(new StoredRow(
                reader.GetInt64(0),
                ReadKey(reader, 1),
                ReadKey(reader, 2),
                reader.GetInt64(3),
                reader.GetInt64(4),
                values,
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        if (query.Reverse) rows.Reverse();
        return rows;
    }

    /// <summary>Reads a key or subkey column.</summary>
    protected virtual string ReadKey(DbDataReader reader, int ordinal) => reader.GetString(ordinal);

    /// <summary>
    /// Reads one property value in the representation of <see cref="RecordRow.Values"/>, by the property's type rather
    /// than the stored value's: a column widened from integer to number keeps its declared type but must read as double.
    /// </summary>
    public virtual object? ReadValue(DbDataReader reader, int ordinal, PropertyType type)
    {
        if (reader.IsDBNull(ordinal)) return null;
        return type switch
        {
            PropertyType.Integer => reader.GetInt64(ordinal),
            PropertyType.Number => reader.GetDouble(ordinal),
            PropertyType.Boolean => reader.GetInt64(ordinal) != 0 ? True : False,
            _ => reader.GetString(ordinal),
        };
    }

    /// <summary>
    /// Converts a row value to what the stores bind: string, long, double, null as <see cref="DBNull"/>, booleans as
    /// 0/1. Other numeric types are widened defensively; anything else is a caller bug.
    /// </summary>
    /// <exception cref="ArgumentException">A value of an unsupported type.</exception>
    public static object ToDbValue(object? value) => value switch
    {
        null => DBNull.Value,
        string or long or double or DBNull => value,
        bool b => b ? One : Zero,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        sbyte b => (long)b,
        uint u => (long)u,
        ushort u => (long)u,
        ulong u when u <= long.MaxValue => (long)u,
        float f => (double)f,
        decimal d => (double)d,
        _ => throw new ArgumentException($"Unsupported value type {value.GetType()}: rows carry string, long, double, bool or null."),
    };

    /// <summary>Converts a condition value from query-string text to the property's type.</summary>
    /// <exception cref="ApperateException">The text is not a value of that type (<c>subattribute</c>).</exception>
    public static object ConditionValue(PropertyDefinition property, string text)
    {
        switch (property.Type)
        {
            case PropertyType.Integer:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
                throw ApperateException.Invalid("subattribute", $"'{text}' is not an integer (property '{property.Name}')");
            case PropertyType.Number:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
                throw ApperateException.Invalid("subattribute", $"'{text}' is not a number (property '{property.Name}')");
            case PropertyType.Boolean:
                if (text == "1" || text.Equals("true", StringComparison.OrdinalIgnoreCase)) return One;
                if (text == "0" || text.Equals("false", StringComparison.OrdinalIgnoreCase)) return Zero;
                throw ApperateException.Invalid("subattribute", $"'{text}' is not a boolean (property '{property.Name}')");
            default:
                return text;
        }
    }

    /// <summary>Finds a property by name, ignoring case.</summary>
    public static PropertyDefinition? Find(IReadOnlyList<PropertyDefinition> properties, string name)
    {
        foreach (var p in properties)
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p;
        return null;
    }

    private string Where(
        IReadOnlyList<PropertyDefinition> properties,
        KeySelector selector,
        long? from,
        long? to,
        AttributeCondition[] conditions,
        List<KeyValuePair<string, object>> parameters,
        DataQuery? query = null)
    {
        var terms = new List<string>();
        if (selector.Key is not null) terms.Add($"{KeyColumn} = {AddParameter(parameters, selector.Key)}");
        if (query?.Keys is { } keys)
            terms.Add(keys.Length == 0 ? "1 = 0" : $"{KeyColumn} IN ({string.Join(", ", keys.Select(k => AddParameter(parameters, k)))})");
        // The id is the commit sequence, so "changed after" and "as of" are ranges of the primary key.
        if (query?.AfterSequence is { } after) terms.Add($"{IdColumn} > {AddParameter(parameters, after)}");
        if (query?.ThroughSequence is { } through) terms.Add($"{IdColumn} <= {AddParameter(parameters, through)}");
        if (query?.UpdatedSince is { } since) terms.Add($"{UpdatedColumn} >= {AddParameter(parameters, since)}");
        if (selector.Subkey is not null) terms.Add($"{SubkeyColumn} = {AddParameter(parameters, selector.Subkey)}");
        if (from is not null) terms.Add($"{DateColumn} >= {AddParameter(parameters, from.Value)}");
        if (to is not null) terms.Add($"{DateColumn} <= {AddParameter(parameters, to.Value)}");
        foreach (var condition in conditions ?? [])
        {
            var property = Find(properties, condition.Property)
                ?? throw ApperateException.Invalid("subattribute", $"unknown property '{condition.Property}'");
            var column = Column(property.Name);
            var value = AddParameter(parameters, ConditionValue(property, condition.Value));
            // "Not equal" should match a missing value too, which a plain <> (NULL) never does.
            terms.Add(condition.Equal ? $"{column} = {value}" : $"({column} IS NULL OR {column} <> {value})");
        }
        return terms.Count == 0 ? "" : " WHERE " + string.Join(" AND ", terms);
    }

    private static string AddParameter(List<KeyValuePair<string, object>> parameters, object value)
    {
        var name = "@w" + parameters.Count.ToString(CultureInfo.InvariantCulture);
        parameters.Add(new(name, value));
        return name;
    }
}
