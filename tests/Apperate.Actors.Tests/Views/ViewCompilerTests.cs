using Apperate.Actors.Datasets;
using Apperate.Actors.Views;

namespace Apperate.Actors.Tests.Views;

/// <summary>
/// The view compiler (parser and binder) on its own: Apperate's documented statements bind, and a corpus of hostile
/// and malformed statements is refused with a 400 naming the field, before anything could reach a store (the
/// compiler has no store to call: these tests give it none).
/// </summary>
[Trait("Category", "Unit")]
public sealed class ViewCompilerTests
{
    private static readonly DatasetDefinition Cars = new("MY", "CARS", null, null,
        new DatasetSchema([new("vin", PropertyType.String), new("make", PropertyType.String), new("year", PropertyType.Integer)], ["vin"], false),
        new ColumnMapping("vin", null, null), 0, 0, 1, "t_cars");

    private static readonly DatasetDefinition Accidents = new("MY", "CAR_ACCIDENTS", null, null,
        new DatasetSchema([new("vin", PropertyType.String), new("date", PropertyType.Date), new("cost", PropertyType.Number)], ["vin", "date"], false),
        new ColumnMapping("vin", null, "date"), 0, 0, 1, "t_accidents");

    private static readonly ViewCatalog Catalog = new("MY", [Cars, Accidents], []);

    private static BoundView Bind(string sql, ColumnMapping? mapping = null) => ViewBinder.Bind("V", sql, mapping, Catalog);

    private static ApperateException Refused(string sql)
    {
        var error = Assert.Throws<ApperateException>(() => Bind(sql));
        Assert.Equal(ErrorKind.Invalid, error.Kind);
        return error;
    }

    [Theory]
    [InlineData("SELECT a.vin, a.make, c.date FROM MY.`CARS` a JOIN MY.`CAR_ACCIDENTS` c ON c.`vin` = a.`vin`")]
    [InlineData("SELECT a.vin, a.make, c.date FROM MY.`CARS` a JOIN MY.`CAR_ACCIDENTS` c ON c.`vin` = a.`vin`;")]
    [InlineData("select distinct make, vin from cars")]
    [InlineData("SELECT vin, COUNT(*) AS n, SUM(cost) total FROM CAR_ACCIDENTS GROUP BY vin WITH ROLLUP")]
    [InlineData("SELECT c.vin AS car, a.date FROM CARS c LEFT JOIN CAR_ACCIDENTS a ON a.vin = c.vin AND a.date BETWEEN '2024-01-01' AND '2024-12-31' LIMIT 10")]
    [InlineData("SELECT vin, date, cost * 1.2 AS gross FROM CAR_ACCIDENTS WHERE vin IN ('A', 'B') AND date >= 1700000000000 ORDER BY gross DESC LIMIT 5 OFFSET 2")]
    [InlineData("SELECT `vin`, UPPER(make) AS brand, COALESCE(year, 0) AS y FROM `CARS` WHERE NOT vin LIKE 'X%'")]
    public void Apperate_statements_bind(string sql) => Assert.NotEmpty(Bind(sql).Outputs);

    [Fact]
    public void The_documented_join_gets_the_key_of_the_from_dataset_and_the_date_of_the_joined_one()
    {
        var view = Bind("SELECT a.vin, a.make, c.date FROM MY.`CARS` a JOIN MY.`CAR_ACCIDENTS` c ON c.`vin` = a.`vin`;");
        Assert.Equal(new ColumnMapping("vin", null, "date"), view.ColumnMapping);
        Assert.Equal(["CARS", "CAR_ACCIDENTS"], view.Datasets.Select(d => d.DatasetId).Order(StringComparer.Ordinal));
        Assert.Equal(["make", "vin"], view.Datasets.Single(d => d.DatasetId == "CARS").Properties);
    }

    [Theory]
    [InlineData("SELECT * FROM CARS", "SELECT * is not allowed")]
    [InlineData("SELECT c.* FROM CARS c", "SELECT * is not allowed")]
    [InlineData("SELECT vin FROM CARS WHERE make = 'Volvo'", "cannot select by 'make'")]
    [InlineData("SELECT c.vin FROM CARS c JOIN CAR_ACCIDENTS a ON a.cost = c.year", "cannot select by 'cost'")]
    [InlineData("SELECT vin FROM OTHER.CARS", "'OTHER' is another workspace")]
    [InlineData("SELECT vin FROM CORE.CARS", "'CORE' is another workspace")]
    [InlineData("SELECT vin FROM NOPE", "'NOPE' is not a dataset or view")]
    [InlineData("SELECT vin, random() AS r FROM CARS", "unknown function 'random'")]
    [InlineData("SELECT vin FROM CARS UNION SELECT vin FROM CAR_ACCIDENTS", "UNION is not allowed")]
    [InlineData("SELECT vin FROM CARS; DROP TABLE CARS", "nothing may follow the ';'")]
    [InlineData("SELECT vin FROM CARS -- x", "comments are not allowed")]
    [InlineData("SELECT make FROM CARS", "the view has no key")]
    [InlineData("SELECT vin, year + 1 FROM CARS", "name this expression with AS")]
    [InlineData("SELECT vin, make FROM CARS GROUP BY vin", "'make' is neither in GROUP BY")]
    public void Refusals_name_the_problem_and_where_it_is(string sql, string expected)
    {
        var error = Refused(sql);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(ViewErrors.Field, Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void A_refusal_gives_line_and_column()
    {
        var error = Refused("SELECT vin\nFROM CARS\nWHERE make = 'x'");
        Assert.Contains("(at line 3, column 7, position 28)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_column_mapping_that_names_no_column_is_a_400_on_that_field()
    {
        var error = Assert.Throws<ApperateException>(() => Bind("SELECT vin, make FROM CARS", new ColumnMapping("nope", null, null)));
        Assert.Equal("columnMapping.key", Assert.Single(error.Errors).Field);
        var date = Assert.Throws<ApperateException>(() => Bind("SELECT vin, make FROM CARS", new ColumnMapping("vin", null, "make")));
        Assert.Equal("columnMapping.date", Assert.Single(date.Errors).Field);
    }

    /// <summary>Statements and fragments that must never become part of a view, each tried in several positions.</summary>
    private static readonly string[] Payloads =
    [
        "DROP TABLE CARS", "DELETE FROM CARS", "INSERT INTO CARS VALUES (1)", "UPDATE CARS SET make = 'x'", "CREATE TABLE x (a INT)",
        "ALTER TABLE CARS ADD c INT", "TRUNCATE CARS", "PRAGMA table_info(CARS)", "ATTACH DATABASE 'x' AS y", "DETACH y",
        "SELECT load_extension('x')", "load_extension('x')", "main.sqlite_master", "sqlite_schema.sql", "temp.sqlite_temp_master", "information_schema.tables", "mysql.user",
        "CORE.SECRETS", "OTHER.CARS", "`OTHER`.`CARS`", "UNION SELECT vin FROM CAR_ACCIDENTS", "UNION ALL SELECT 1",
        "INTERSECT SELECT vin FROM CARS", "EXCEPT SELECT vin FROM CARS", "-- comment", "/* comment */", "# comment",
        "(SELECT vin FROM CARS)", "EXISTS (SELECT 1)", "vin IN (SELECT vin FROM CARS)", "@@version", "@x := 1", "?", "$1", ":name",
        "SLEEP(10)", "BENCHMARK(1000000, MD5('a'))", "random()", "randomblob(1000000000)", "zeroblob(1000000000)", "sqlite_version()",
        "version()", "user()", "database()", "LOAD_FILE('/etc/passwd')", "INTO OUTFILE '/tmp/x'", "INTO DUMPFILE '/tmp/x'",
        "FOR UPDATE", "LOCK IN SHARE MODE", "HAVING COUNT(*) > 1", "WITH x AS (SELECT 1) SELECT * FROM x", "*", "CARS.*",
        "make = 'x'", "year > 2000", "\"make\"", "'unterminated", "`unterminated", "1e999", "99999999999999999999999",
        "'" + new string('a', 5_000) + "'", new string('(', 100) + "1" + new string(')', 100),
        string.Concat(Enumerable.Repeat("NOT ", 100)) + "1", string.Concat(Enumerable.Repeat("- ", 100)) + "1", "vin || 'x'",
        "CASE WHEN 1 THEN 2 END", "ROW_NUMBER() OVER ()", "COUNT(*) OVER ()", "GROUP_CONCAT(vin)", "char(65)", "hex(vin)",
        "printf('%s', vin)", "unicode(vin)", "CAST(vin AS INT)", "\u0000", "\\", "vin; DROP TABLE CARS", "1; SELECT 1", "SHOW TABLES",
        "DESCRIBE CARS", "EXPLAIN SELECT vin FROM CARS", "CALL p()", "SET @a = 1", "GRANT ALL ON *.* TO x", "REPLACE INTO CARS VALUES (1)",
        "VALUES (1)", "_system_key", "c._system_id", "RIGHT JOIN CAR_ACCIDENTS a ON a.vin = c.vin", "CROSS JOIN CAR_ACCIDENTS",
        "NATURAL JOIN CAR_ACCIDENTS", ", CAR_ACCIDENTS", "JOIN CAR_ACCIDENTS USING (vin)", "a.vin = c.vin OR make = 'x'",
    ];

    /// <summary>Where a payload goes: the whole statement, a clause, a column, a condition, a source, after the end.</summary>
    private static readonly string[] Templates =
    [
        "{0}",
        "SELECT vin FROM CARS {0}",
        "SELECT vin FROM CARS WHERE vin = 'a' {0}",
        "SELECT vin, {0} FROM CARS",
        "SELECT vin FROM CARS WHERE {0}",
        "SELECT vin FROM {0}",
        "SELECT vin FROM CARS; {0}",
        "SELECT c.vin FROM CARS c JOIN CAR_ACCIDENTS a ON {0}",
    ];

    public static IEnumerable<string> HostileCorpus() =>
        Templates.SelectMany(t => Payloads.Select(p => t.Replace("{0}", p, StringComparison.Ordinal))).Distinct(StringComparer.Ordinal);

    [Fact]
    public void Every_statement_of_the_hostile_corpus_is_refused_with_a_400_naming_the_sql()
    {
        var corpus = HostileCorpus().ToList();
        Assert.True(corpus.Count >= 500, $"the corpus has {corpus.Count} statements");
        var accepted = new List<string>();
        foreach (var sql in corpus)
        {
            try
            {
                Bind(sql);
                accepted.Add(sql);
            }
            catch (ApperateException e)
            {
                Assert.Equal(ErrorKind.Invalid, e.Kind);
                Assert.Contains(e.Errors, f => f.Field == ViewErrors.Field || f.Field?.StartsWith("columnMapping", StringComparison.Ordinal) == true);
            }
        }
        Assert.True(accepted.Count == 0, "accepted: " + string.Join(" | ", accepted));
    }
}
