using Apperate.Actors.Datasets;

namespace Apperate.Actors.Connectors.MySql;

/// <summary>A table of the database as <c>information_schema</c> describes it.</summary>
/// <param name="Name">TABLE_NAME.</param>
/// <param name="Columns">Its columns in ORDINAL_POSITION order.</param>
/// <param name="PrimaryKey">The primary key's column names in key order (empty for views and tables without one).</param>
public sealed record MySqlTable(string Name, MySqlColumn[] Columns, string[] PrimaryKey);

/// <summary>A table offered as a stream: its dataset shape and how it is read.</summary>
/// <param name="Table">The table.</param>
/// <param name="Columns">The columns that become dataset properties, in table order.</param>
/// <param name="Stream">The stream (id = table name) with the dataset schema and index.</param>
public sealed record MySqlTableStream(MySqlTable Table, MySqlMappedColumn[] Columns, SourceStream Stream)
{
    /// <summary>The mapped column named <paramref name="name"/> (ignoring case), or null.</summary>
    public MySqlMappedColumn? Find(string name) => Array.Find(Columns, c => string.Equals(c.Column.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Tables → streams. The primary key is the dataset's index: one column is the key, two are key and subkey. The
/// dataset has no date property: a row is identified by its primary key alone, so a row read again (the overlap
/// re-read, an update seen through the cursor) replaces its record.
/// </summary>
/// <remarks>
/// Not offered, with the reason returned: tables without a primary key (views included), primary keys of more than two
/// columns, and keys whose type is not an integer or text. Columns with a name the dataset cannot take, or a type it
/// cannot hold (spatial types), are left out of the dataset.
/// </remarks>
public static class MySqlTables
{
    /// <summary>The stream of <paramref name="table"/>, or why it cannot be one.</summary>
    public static (MySqlTableStream? Stream, string? Problem) ToStream(MySqlTable table)
    {
        if (table.PrimaryKey.Length == 0) return (null, "it has no primary key");
        if (table.PrimaryKey.Length > 2) return (null, "its primary key has more than two columns");
        var mapped = new List<MySqlMappedColumn>();
        foreach (var column in table.Columns)
        {
            if (Names.Check(column.Name) is not null || Names.IsReserved(column.Name)) continue;
            if (MySqlTypes.Map(column) is { } m) mapped.Add(m);
        }
        foreach (var key in table.PrimaryKey)
        {
            var column = mapped.Find(c => c.Column.Name == key);
            if (column is null) return (null, $"its primary key column {key} has a name or type a dataset cannot index");
            if (column.Type is not (PropertyType.String or PropertyType.Integer))
                return (null, $"its primary key column {key} is {column.Column.DataType}, not an integer or text");
        }
        var properties = mapped.Select(c => new PropertyDefinition(c.Column.Name, c.Type)).ToArray();
        var schema = new DatasetSchema(properties, table.PrimaryKey, AdditionalProperties: false);
        var mapping = new ColumnMapping(table.PrimaryKey[0], table.PrimaryKey.Length > 1 ? table.PrimaryKey[1] : null, null);
        return (new MySqlTableStream(table, mapped.ToArray(), new SourceStream(table.Name, schema, mapping)), null);
    }

    /// <summary>
    /// The column a run polls by: <paramref name="configured"/> when given (it must be a mapped column), else the table's
    /// auto-increment primary key column, else its first primary key column.
    /// </summary>
    public static MySqlMappedColumn CursorOf(MySqlTableStream stream, string? configured)
    {
        if (configured is not null)
            return stream.Find(configured) ?? throw new ConnectorSourceException($"config.cursorColumn '{configured}' is not a column of {stream.Table.Name}", fatal: true);
        var auto = Array.Find(stream.Columns, c => c.Column.AutoIncrement && stream.Table.PrimaryKey.Contains(c.Column.Name));
        return auto ?? stream.Find(stream.Table.PrimaryKey[0])!;
    }

    /// <summary>
    /// The order of a poll and where it starts: rows in (cursor, primary key) order, from <paramref name="from"/> on
    /// (inclusive: the overlap is read again). Comparing the whole tuple, not the cursor alone, guarantees progress when
    /// more rows than a batch share one cursor value. Without a known key (right after the snapshot) the cursor alone
    /// is compared. Values are the server's text, cast back to each column's type.
    /// </summary>
    /// <returns>The ORDER BY list, the WHERE clause (empty for a first read) and the values of <c>@p0</c>, <c>@p1</c>….</returns>
    public static (string OrderBy, string Where, string[] Values) PollFrom(MySqlMappedColumn cursor, MySqlMappedColumn[] keyColumns, MySqlPosition.Seen? from)
    {
        var tuple = new List<(MySqlMappedColumn Column, int KeyIndex)> { (cursor, -1) };
        for (var i = 0; i < keyColumns.Length; i++)
            if (!string.Equals(keyColumns[i].Column.Name, cursor.Column.Name, StringComparison.OrdinalIgnoreCase)) tuple.Add((keyColumns[i], i));
        var orderBy = string.Join(", ", tuple.Select(t => MySqlTypes.Quote(t.Column.Column.Name)));
        if (from is null) return (orderBy, "", []);
        var parts = from.KeyParts;
        if (parts.Length != keyColumns.Length || tuple.Count == 1)
            return (orderBy, $"WHERE {MySqlTypes.Quote(cursor.Column.Name)} >= {MySqlSource.Typed("@p0", cursor.Column)}", [from.Cursor]);
        var values = tuple.Select(t => t.KeyIndex < 0 ? from.Cursor : parts[t.KeyIndex]).ToArray();
        var parameters = tuple.Select((t, i) => MySqlSource.Typed($"@p{i}", t.Column.Column));
        return (orderBy, $"WHERE ({orderBy}) >= ({string.Join(", ", parameters)})", values);
    }
}
