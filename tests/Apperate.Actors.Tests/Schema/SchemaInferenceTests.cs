using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Schema.SchemaJsonTests;

namespace Apperate.Actors.Tests.Schema;

[Trait("Category", "Unit")]
public sealed class SchemaInferenceTests
{
    private static (DatasetSchema Schema, ColumnMapping Mapping) Infer(string body) => SchemaInference.Infer(J(body));

    private static PropertyType TypeOf(string body, string property) => Infer(body).Schema.Find(property)!.Type;

    [Fact]
    public void Infers_types_from_json_values()
    {
        var (schema, mapping) = Infer("""
            [{"symbol":"A","day":"2024-01-02","at":"2024-01-02T10:00:00Z","qty":3,"price":1.5,"ok":true,"o":{},"a":[],"n":null,"s":"hello"}]
            """);
        Assert.Equal(
            [
                new PropertyDefinition("symbol", PropertyType.String),
                new PropertyDefinition("day", PropertyType.Date),
                new PropertyDefinition("at", PropertyType.DateTime),
                new PropertyDefinition("qty", PropertyType.Integer),
                new PropertyDefinition("price", PropertyType.Number),
                new PropertyDefinition("ok", PropertyType.Boolean),
                new PropertyDefinition("o", PropertyType.Object),
                new PropertyDefinition("a", PropertyType.Array),
                new PropertyDefinition("n", PropertyType.Any),
                new PropertyDefinition("s", PropertyType.String),
            ],
            schema.Properties);
        Assert.Equal(new ColumnMapping("symbol", null, "day"), mapping);
        Assert.Equal(["symbol", "day"], schema.Required);
        Assert.False(schema.AdditionalProperties);
    }

    [Theory]
    [InlineData("1, 2", PropertyType.Integer)]
    [InlineData("1, 2.5", PropertyType.Number)]
    [InlineData("1, 5.0", PropertyType.Number)]
    [InlineData("1, 1e3", PropertyType.Number)]
    [InlineData("1, 99999999999999999999", PropertyType.Number)]
    [InlineData("1, null", PropertyType.Integer)]
    [InlineData("\"2024-01-02\", \"2024-01-03\"", PropertyType.Date)]
    [InlineData("\"2024-01-02\", \"2024-01-03T10:00:00\"", PropertyType.DateTime)]
    [InlineData("\"2024-01-02T10:00:00Z\", null", PropertyType.DateTime)]
    [InlineData("\"2024-01-02\", \"soon\"", PropertyType.String)]
    [InlineData("\"2024-02-30\"", PropertyType.String)]
    [InlineData("\"x\", 1", PropertyType.Any)]
    [InlineData("1, true", PropertyType.Any)]
    [InlineData("{}, []", PropertyType.Any)]
    [InlineData("\"2024-01-02\", 20240102", PropertyType.Any)]
    [InlineData("null, null", PropertyType.Any)]
    [InlineData("true, false", PropertyType.Boolean)]
    [InlineData("{\"a\":1}, {}", PropertyType.Object)]
    [InlineData("[1], []", PropertyType.Array)]
    public void Types_across_records(string values, PropertyType expected)
    {
        var records = values.Split(", ").Select(v => $$"""{"symbol":"A","v":{{v}}}""");
        Assert.Equal(expected, TypeOf("[" + string.Join(",", records) + "]", "v"));
    }

    [Fact]
    public void Properties_keep_first_seen_order_and_spelling_across_records()
    {
        var (schema, _) = Infer("""[{"symbol":"A","Price":1},{"price":2.5,"symbol":"B","extra":true}]""");
        Assert.Equal(["symbol", "Price", "extra"], schema.Properties.Select(p => p.Name));
        Assert.Equal(PropertyType.Number, schema.Properties[1].Type);
    }

    [Fact]
    public void Key_prefers_well_known_names_in_order()
    {
        Assert.Equal("Symbol", Infer("""{"name":"n","id":1,"Symbol":"A","ticker":"T"}""").Mapping.Key);
        Assert.Equal("KEY", Infer("""{"symbol":"A","KEY":"k"}""").Mapping.Key);
        Assert.Equal("ticker", Infer("""{"name":"n","id":1,"ticker":"T"}""").Mapping.Key);
        Assert.Equal("id", Infer("""{"name":"n","id":1}""").Mapping.Key);
        Assert.Equal("name", Infer("""{"label":"l","name":"n"}""").Mapping.Key);
    }

    [Fact]
    public void Key_candidates_must_be_string_or_integer_and_present_in_every_record()
    {
        // symbol is missing in one record, id is a number with a fraction: label (first string in all records) wins.
        var (schema, mapping) = Infer("""[{"id":1.5,"symbol":"A","label":"x"},{"id":2,"label":"y"}]""");
        Assert.Equal("label", mapping.Key);
        Assert.Equal(["label"], schema.Required);

        // A null counts as absent.
        Assert.Equal("b", Infer("""[{"a":"x","b":"y"},{"a":null,"b":"z"}]""").Mapping.Key);
    }

    [Fact]
    public void No_possible_key_is_an_error()
    {
        var ex = Assert.Throws<ApperateException>(() => Infer("""[{"n":1,"when":"2024-01-02"},{"n":2}]"""));
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Contains("cannot infer a key property", ex.Message);
        Assert.Contains("create the dataset first", ex.Message);

        Assert.Throws<ApperateException>(() => Infer("""[{"s":"a"},{"t":"b"}]"""));
        Assert.Throws<ApperateException>(() => Infer("{}"));
    }

    [Fact]
    public void Subkey_is_a_property_named_subkey()
    {
        Assert.Equal(new ColumnMapping("symbol", "SubKey", null), Infer("""[{"symbol":"A","SubKey":1},{"symbol":"B","SubKey":2}]""").Mapping);
        Assert.Null(Infer("""[{"symbol":"A","subkey":1},{"symbol":"B"}]""").Mapping.Subkey);
        Assert.Null(Infer("""[{"symbol":"A","subkey":true}]""").Mapping.Subkey);
        // The key is never also the subkey.
        Assert.Equal(new ColumnMapping("subkey", null, null), Infer("""{"subkey":"only"}""").Mapping);
    }

    [Fact]
    public void Date_prefers_well_known_names_then_the_first_date_property()
    {
        Assert.Equal("updated", Infer("""{"symbol":"A","when":"2024-01-02","updated":"2024-01-02T00:00:00Z"}""").Mapping.Date);
        Assert.Equal("date", Infer("""{"symbol":"A","timestamp":"2024-01-02","date":"2024-01-02"}""").Mapping.Date);
        Assert.Equal("when", Infer("""{"symbol":"A","when":"2024-01-02","then":"2024-01-03"}""").Mapping.Date);
        // A "date" that is not a date is not the date.
        Assert.Equal("when", Infer("""{"symbol":"A","date":"today","when":"2024-01-02"}""").Mapping.Date);
        // Numbers are never guessed as dates.
        Assert.Null(Infer("""{"symbol":"A","timestamp":1704153600000}""").Mapping.Date);
        // Present in every record.
        Assert.Equal("b", Infer("""[{"symbol":"A","date":"2024-01-02","b":"2024-01-02"},{"symbol":"A","b":"2024-01-03"}]""").Mapping.Date);
    }

    [Fact]
    public void Required_holds_the_index_properties_only()
    {
        var (schema, mapping) = Infer("""[{"symbol":"A","subkey":"s","date":"2024-01-02","p":1}]""");
        Assert.Equal(new ColumnMapping("symbol", "subkey", "date"), mapping);
        Assert.Equal(["symbol", "subkey", "date"], schema.Required);
    }

    [Fact]
    public void Invalid_property_names_are_rejected_each_once()
    {
        var ex = Assert.Throws<ApperateException>(() => Infer("""[{"symbol":"A","bad-name":1},{"symbol":"B","bad-name":2,"_systemX":1}]"""));
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Equal(
            [
                new FieldError(0, "bad-name", "invalid property name: " + Names.Check("bad-name")),
                new FieldError(1, "_systemX", "invalid property name: " + Names.Check("_systemX")),
            ],
            ex.Errors);
    }

    [Fact]
    public void Bodies_without_records_are_rejected()
    {
        Assert.Equal([new FieldError(null, null, "no records")], Assert.Throws<ApperateException>(() => Infer("[]")).Errors);
        Assert.Equal([new FieldError(1, null, "a record must be a JSON object")], Assert.Throws<ApperateException>(() => Infer("""[{"symbol":"A"},3]""")).Errors);
        Assert.Equal(ErrorKind.Invalid, Assert.Throws<ApperateException>(() => Infer("3")).Kind);
    }

    [Fact]
    public void The_inferred_schema_accepts_the_records_it_came_from()
    {
        const string body = """
            [{"ticker":"A","date":"2024-01-02","px":1,"meta":{"x":1},"maybe":null},
             {"ticker":"B","date":"2024-01-03","px":2.5,"tags":["a"],"maybe":"s"}]
            """;
        var (schema, mapping) = Infer(body);
        var outcome = RecordValidator.Validate(J(body), schema, mapping, 0, RecordLimits.Default);
        Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors));
        Assert.Equal(["ticker", "date", "px", "meta", "maybe", "tags"], outcome.Batch.Columns);
        Assert.Equal(new object?[] { "B", "2024-01-03", 2.5, null, "s", """["a"]""" }, outcome.Batch.Rows[1].Values);
    }
}
