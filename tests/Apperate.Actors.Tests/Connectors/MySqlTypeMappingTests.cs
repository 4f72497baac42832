using Apperate.Actors.Connectors;
using Apperate.Actors.Connectors.MySql;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>MySQL column types → dataset types, values and streams, without a server.</summary>
[Trait("Category", "Unit")]
public sealed class MySqlTypeMappingTests
{
    private static MySqlColumn Column(string name, string dataType, string columnType, int? precision = null, bool autoIncrement = false) =>
        new(name, dataType, columnType, precision, autoIncrement);

    [Theory]
    [InlineData("int", "int(11)", PropertyType.Integer, MySqlValueKind.Integer)]
    [InlineData("bigint", "bigint(20)", PropertyType.Integer, MySqlValueKind.Integer)]
    [InlineData("bigint", "bigint(20) unsigned", PropertyType.String, MySqlValueKind.Text)]
    [InlineData("int", "int(10) unsigned", PropertyType.Integer, MySqlValueKind.Integer)]
    [InlineData("tinyint", "tinyint(1)", PropertyType.Integer, MySqlValueKind.Integer)]
    [InlineData("decimal", "decimal(38,18)", PropertyType.String, MySqlValueKind.Text)]
    [InlineData("double", "double", PropertyType.Number, MySqlValueKind.Double)]
    [InlineData("datetime", "datetime(6)", PropertyType.DateTime, MySqlValueKind.DateTime)]
    [InlineData("timestamp", "timestamp", PropertyType.DateTime, MySqlValueKind.DateTime)]
    [InlineData("date", "date", PropertyType.Date, MySqlValueKind.Date)]
    [InlineData("varchar", "varchar(20)", PropertyType.String, MySqlValueKind.String)]
    [InlineData("longtext", "longtext", PropertyType.String, MySqlValueKind.String)]
    [InlineData("enum", "enum('a','b')", PropertyType.String, MySqlValueKind.String)]
    [InlineData("blob", "blob", PropertyType.String, MySqlValueKind.Binary)]
    [InlineData("json", "json", PropertyType.Any, MySqlValueKind.Json)]
    [InlineData("time", "time", PropertyType.String, MySqlValueKind.Text)]
    public void Column_types_map_to_exact_dataset_types(string dataType, string columnType, PropertyType type, MySqlValueKind kind)
    {
        var mapped = MySqlTypes.Map(Column("c", dataType, columnType))!;
        Assert.Equal(type, mapped.Type);
        Assert.Equal(kind, mapped.Kind);
    }

    [Fact]
    public void Spatial_types_are_left_out() => Assert.Null(MySqlTypes.Map(Column("g", "geometry", "geometry")));

    [Fact]
    public void Exact_values_stay_exact_and_nulls_stay_null()
    {
        var decimalColumn = MySqlTypes.Map(Column("d", "decimal", "decimal(38,18)"))!;
        Assert.Equal("CAST(`d` AS CHAR)", decimalColumn.SelectExpression);
        Assert.Equal("12345678901234567890.123456789012345678", MySqlTypes.ToValue(decimalColumn, "12345678901234567890.123456789012345678"));
        Assert.Null(MySqlTypes.ToValue(decimalColumn, DBNull.Value));
        var datetime = MySqlTypes.Map(Column("t", "datetime", "datetime(6)", 6))!;
        Assert.Equal("2024-05-01T12:00:00.123456Z", MySqlTypes.ToValue(datetime, new DateTime(2024, 5, 1, 12, 0, 0).AddTicks(1234560)));
        var seconds = MySqlTypes.Map(Column("t", "datetime", "datetime", 0))!;
        Assert.Equal("2024-05-01T12:00:00Z", MySqlTypes.ToValue(seconds, new DateTime(2024, 5, 1, 12, 0, 0)));
        var integer = MySqlTypes.Map(Column("i", "int", "int(10) unsigned"))!;
        Assert.Equal(4294967295L, MySqlTypes.ToValue(integer, 4294967295u));
        Assert.Throws<FormatException>(() => MySqlTypes.ToValue(integer, ulong.MaxValue));
        var bytes = MySqlTypes.Map(Column("b", "blob", "blob"))!;
        Assert.Equal("AQID", MySqlTypes.ToValue(bytes, new byte[] { 1, 2, 3 }));
        Assert.Equal("`we``ird`", MySqlTypes.Quote("we`ird"));
    }

    [Fact]
    public void Tables_become_streams_keyed_by_their_primary_key()
    {
        var table = new MySqlTable("orders", [
            Column("id", "bigint", "bigint(20)", autoIncrement: true), Column("total", "decimal", "decimal(10,2)"),
            Column("placed", "datetime", "datetime", 0), Column("shape", "geometry", "geometry"), Column("bad name", "int", "int(11)"),
        ], ["id"]);
        var (stream, problem) = MySqlTables.ToStream(table);
        Assert.Null(problem);
        Assert.Equal("orders", stream!.Stream.Id);
        Assert.Equal(["id", "total", "placed"], stream.Stream.Columns);
        Assert.Equal(new ColumnMapping("id", null, null), stream.Stream.ColumnMapping);
        Assert.Equal("id", MySqlTables.CursorOf(stream, null).Column.Name);
        Assert.Equal("placed", MySqlTables.CursorOf(stream, "PLACED").Column.Name);
        Assert.Throws<ConnectorSourceException>(() => MySqlTables.CursorOf(stream, "missing"));

        var pairs = MySqlTables.ToStream(new MySqlTable("pairs", [Column("a", "varchar", "varchar(5)"), Column("b", "int", "int(11)")], ["a", "b"])).Stream!;
        Assert.Equal(new ColumnMapping("a", "b", null), pairs.Stream.ColumnMapping);

        Assert.Equal("it has no primary key", MySqlTables.ToStream(new MySqlTable("v", [Column("a", "int", "int")], [])).Problem);
        Assert.Contains("more than two", MySqlTables.ToStream(new MySqlTable("w", [Column("a", "int", "int"), Column("b", "int", "int"), Column("c", "int", "int")], ["a", "b", "c"])).Problem);
        Assert.Contains("not an integer or text", MySqlTables.ToStream(new MySqlTable("x", [Column("d", "datetime", "datetime")], ["d"])).Problem);
    }

    [Fact]
    public void Positions_round_trip_through_their_checkpoint()
    {
        Assert.Null(MySqlPosition.FromCheckpoint(null));
        var poll = MySqlPosition.Poll([new MySqlPosition.Seen("41", "41"), new MySqlPosition.Seen("42", "42")]);
        var again = MySqlPosition.FromCheckpoint(poll.ToCheckpoint())!;
        Assert.False(again.InSnapshot);
        Assert.Equal(poll.Tail, again.Tail);
        var snapshot = MySqlPosition.FromCheckpoint(MySqlPosition.Snapshot("2024-05-01 10:00:00.000000", ["MSFT"]).ToCheckpoint())!;
        Assert.True(snapshot.InSnapshot);
        Assert.Equal("2024-05-01 10:00:00.000000", snapshot.SnapshotCursorMax);
        Assert.Equal(["MSFT"], snapshot.SnapshotAfter!);
    }

    [Fact]
    public void Polls_start_from_the_cursor_and_key_tuple_of_the_oldest_row_read()
    {
        var id = MySqlTypes.Map(Column("id", "bigint", "bigint(20)", autoIncrement: true))!;
        var symbol = MySqlTypes.Map(Column("symbol", "varchar", "varchar(10)"))!;
        var leg = MySqlTypes.Map(Column("leg", "int", "int(11) unsigned"))!;
        var updated = MySqlTypes.Map(Column("updated_at", "datetime", "datetime(6)", 6))!;

        Assert.Equal(("`id`", "", []), MySqlTables.PollFrom(id, [id], null));
        var (order, where, values) = MySqlTables.PollFrom(id, [id], new MySqlPosition.Seen("41", "41"));
        Assert.Equal("`id`", order);
        Assert.Equal("WHERE `id` >= CAST(@p0 AS SIGNED)", where);
        Assert.Equal(["41"], values);

        (order, where, values) = MySqlTables.PollFrom(updated, [symbol, leg], new MySqlPosition.Seen("2024-05-03 00:00:00.000000", "MSFT\u001f2"));
        Assert.Equal("`updated_at`, `symbol`, `leg`", order);
        Assert.Equal("WHERE (`updated_at`, `symbol`, `leg`) >= (CAST(@p0 AS DATETIME(6)), @p1, CAST(@p2 AS UNSIGNED))", where);
        Assert.Equal(["2024-05-03 00:00:00.000000", "MSFT", "2"], values);

        // Right after the snapshot only the cursor value is known.
        (_, where, values) = MySqlTables.PollFrom(updated, [symbol], new MySqlPosition.Seen("2024-05-03 00:00:00.000000", ""));
        Assert.Equal("WHERE `updated_at` >= CAST(@p0 AS DATETIME(6))", where);
        Assert.Equal(["2024-05-03 00:00:00.000000"], values);
    }
}
