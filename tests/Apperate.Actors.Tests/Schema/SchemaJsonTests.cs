using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Tests.Schema;

[Trait("Category", "Unit")]
public sealed class SchemaJsonTests
{
    internal static JsonElement J(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static FieldError[] ParseErrors(string schema, string mapping)
    {
        var ex = Assert.Throws<ApperateException>(() => SchemaJson.Parse(J(schema), J(mapping)));
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        return ex.Errors;
    }

    [Fact]
    public void Parses_every_type_and_resolves_names_to_declared_spelling()
    {
        var (schema, mapping) = SchemaJson.Parse(J("""
            {"type":"object","properties":{
              "Symbol":{"type":"string"},
              "date":{"type":"string","format":"date"},
              "ts":{"type":"string","format":"date-time"},
              "price":{"type":"number","description":"ignored"},
              "volume":{"type":"integer"},
              "active":{"type":"boolean"},
              "meta":{"type":"object"},
              "tags":{"type":"array"},
              "misc":{"type":"any"},
              "maybe":{"type":["number","null"]},
              "maybeToo":{"type":["null","integer"]}
            },"required":["PRICE","price"]}
            """), J("""{"key":"symbol","date":"DATE"}"""));

        Assert.Equal(
            [
                new PropertyDefinition("Symbol", PropertyType.String),
                new PropertyDefinition("date", PropertyType.Date),
                new PropertyDefinition("ts", PropertyType.DateTime),
                new PropertyDefinition("price", PropertyType.Number),
                new PropertyDefinition("volume", PropertyType.Integer),
                new PropertyDefinition("active", PropertyType.Boolean),
                new PropertyDefinition("meta", PropertyType.Object),
                new PropertyDefinition("tags", PropertyType.Array),
                new PropertyDefinition("misc", PropertyType.Any),
                new PropertyDefinition("maybe", PropertyType.Number),
                new PropertyDefinition("maybeToo", PropertyType.Integer),
            ],
            schema.Properties);
        // The user's required list (deduplicated, declared spelling) then the index properties.
        Assert.Equal(["price", "Symbol", "date"], schema.Required);
        Assert.False(schema.AdditionalProperties);
        Assert.Equal(new ColumnMapping("Symbol", null, "date"), mapping);
    }

    [Fact]
    public void Minimal_schema_without_type_or_required_and_with_subkey()
    {
        var (schema, mapping) = SchemaJson.Parse(
            J("""{"properties":{"k":{"type":"integer"},"s":{"type":"string"},"t":{"type":"integer"}},"additionalProperties":true}"""),
            J("""{"key":"k","subkey":"s","date":"t"}"""));
        Assert.Equal(["k", "s", "t"], schema.Required);
        Assert.True(schema.AdditionalProperties);
        Assert.Equal(new ColumnMapping("k", "s", "t"), mapping);
    }

    [Fact]
    public void Empty_subkey_and_date_mean_not_mapped()
    {
        var (schema, mapping) = SchemaJson.Parse(J("""{"properties":{"k":{"type":"string"}}}"""), J("""{"key":"k","subkey":"","date":null}"""));
        Assert.Equal(new ColumnMapping("k", null, null), mapping);
        Assert.Equal(["k"], schema.Required);
    }

    [Fact]
    public void Collects_every_problem_with_its_field_path()
    {
        var errors = ParseErrors("""
            {"type":"object","properties":{
              "bad-name":{"type":"string"},
              "_systemThing":{"type":"string"},
              "Price":{"type":"number"},
              "price":{"type":"number"},
              "kind":{"type":"float"},
              "mail":{"type":"string","format":"email"},
              "qty":{"type":"integer","format":"date"},
              "notype":{},
              "twoTypes":{"type":["string","number"]},
              "sym":{"type":"string"},
              "num":{"type":"number"},
              "flag":{"type":"boolean"}
            },"required":["sym","nope"],"additionalProperties":"yes"}
            """, """{"key":"missing","subkey":"num","date":"flag"}""");

        Assert.Equal(
            [
                "schema.properties.bad-name",
                "schema.properties._systemThing",
                "schema.properties.price",
                "schema.properties.kind.type",
                "schema.properties.mail.format",
                "schema.properties.qty.format",
                "schema.properties.notype.type",
                "schema.properties.twoTypes.type",
                "schema.required[1]",
                "schema.additionalProperties",
                "columnMapping.key",
                "columnMapping.subkey",
                "columnMapping.date",
            ],
            errors.Select(e => e.Field));
        Assert.All(errors, e => Assert.Null(e.Index));
        Assert.Contains("reserved", errors[1].Reason);
        Assert.Contains("'Price'", errors[2].Reason);
        Assert.Contains("'float'", errors[3].Reason);
        Assert.Equal("'nope' is not a declared property", errors[8].Reason);
        Assert.Equal("'missing' is not a declared property", errors[10].Reason);
        Assert.Contains("string or integer", errors[11].Reason);
        Assert.Contains("date, date-time or integer", errors[12].Reason);
    }

    [Fact]
    public void References_to_a_badly_defined_property_are_not_reported_twice()
    {
        var errors = ParseErrors("""{"properties":{"k":{"type":"text"}},"required":["k"]}""", """{"key":"k"}""");
        Assert.Equal(["schema.properties.k.type"], errors.Select(e => e.Field));
    }

    [Fact]
    public void No_properties_is_an_error()
    {
        Assert.Equal(["schema.properties", "columnMapping.key"],
            ParseErrors("""{"type":"object","properties":{}}""", """{"key":"k"}""").Select(e => e.Field));
        Assert.Equal(["schema.properties", "columnMapping.key"],
            ParseErrors("""{"type":"object"}""", """{"key":"k"}""").Select(e => e.Field));
    }

    [Fact]
    public void Missing_key_and_non_object_inputs()
    {
        Assert.Equal(["columnMapping.key"], ParseErrors("""{"properties":{"k":{"type":"string"}}}""", "{}").Select(e => e.Field));
        Assert.Equal(["columnMapping.key"], ParseErrors("""{"properties":{"k":{"type":"string"}}}""", """{"key":""}""").Select(e => e.Field));
        Assert.Equal(["schema", "columnMapping"], ParseErrors("[]", "null").Select(e => e.Field));
        Assert.Equal(["schema.type"], ParseErrors("""{"type":"array","properties":{"k":{"type":"string"}}}""", """{"key":"k"}""").Select(e => e.Field));
    }

    [Theory]
    [InlineData("number")]
    [InlineData("boolean")]
    [InlineData("object")]
    [InlineData("array")]
    [InlineData("any")]
    [InlineData("string\",\"format\":\"date")]
    public void Key_must_be_string_or_integer(string type)
    {
        var errors = ParseErrors("{\"properties\":{\"k\":{\"type\":\"" + type + "\"}}}", """{"key":"k"}""");
        Assert.Equal(["columnMapping.key"], errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("string", false)]
    [InlineData("number", false)]
    [InlineData("integer", true)]
    [InlineData("string\",\"format\":\"date", true)]
    [InlineData("string\",\"format\":\"date-time", true)]
    public void Date_must_be_date_datetime_or_integer(string type, bool ok)
    {
        var schema = "{\"properties\":{\"k\":{\"type\":\"string\"},\"d\":{\"type\":\"" + type + "\"}}}";
        if (ok)
        {
            Assert.Equal("d", SchemaJson.Parse(J(schema), J("""{"key":"k","date":"d"}""")).Mapping.Date);
        }
        else
        {
            Assert.Equal(["columnMapping.date"], ParseErrors(schema, """{"key":"k","date":"d"}""").Select(e => e.Field));
        }
    }

    [Fact]
    public void Same_property_twice_in_the_mapping()
    {
        const string schema = """{"properties":{"k":{"type":"integer"},"s":{"type":"integer"}}}""";
        var e1 = ParseErrors(schema, """{"key":"k","subkey":"K"}""");
        Assert.Equal([new FieldError(null, "columnMapping.subkey", "'k' is already the key")], e1);
        var e2 = ParseErrors(schema, """{"key":"k","date":"k"}""");
        Assert.Equal([new FieldError(null, "columnMapping.date", "'k' is already the key")], e2);
        var e3 = ParseErrors(schema, """{"key":"k","subkey":"s","date":"s"}""");
        Assert.Equal([new FieldError(null, "columnMapping.date", "'s' is already the subkey")], e3);
    }

    [Fact]
    public void Writes_the_json_schema_form()
    {
        var schema = new DatasetSchema(
            [
                new PropertyDefinition("symbol", PropertyType.String),
                new PropertyDefinition("date", PropertyType.Date),
                new PropertyDefinition("ts", PropertyType.DateTime),
                new PropertyDefinition("n", PropertyType.Number),
                new PropertyDefinition("i", PropertyType.Integer),
                new PropertyDefinition("b", PropertyType.Boolean),
                new PropertyDefinition("o", PropertyType.Object),
                new PropertyDefinition("a", PropertyType.Array),
                new PropertyDefinition("x", PropertyType.Any),
            ],
            ["symbol", "date"], true);
        Assert.Equal(
            """{"type":"object","properties":{"symbol":{"type":"string"},"date":{"type":"string","format":"date"},"ts":{"type":"string","format":"date-time"},"n":{"type":"number"},"i":{"type":"integer"},"b":{"type":"boolean"},"o":{"type":"object"},"a":{"type":"array"},"x":{"type":"any"}},"required":["symbol","date"],"additionalProperties":true}""",
            Write(w => SchemaJson.Write(w, schema)));
    }

    [Fact]
    public void Writes_the_column_mapping_without_absent_parts()
    {
        Assert.Equal("""{"key":"k"}""", Write(w => SchemaJson.WriteColumnMapping(w, new ColumnMapping("k", null, null))));
        Assert.Equal("""{"key":"k","subkey":"s","date":"d"}""", Write(w => SchemaJson.WriteColumnMapping(w, new ColumnMapping("k", "s", "d"))));
    }

    [Fact]
    public void Written_form_parses_back_to_the_same_schema()
    {
        var (schema, mapping) = SchemaJson.Parse(J("""
            {"properties":{"k":{"type":"string"},"d":{"type":"string","format":"date-time"},"o":{"type":"object"},"n":{"type":["number","null"]}},"required":["n"],"additionalProperties":true}
            """), J("""{"key":"k","date":"d"}"""));
        var (again, againMapping) = SchemaJson.Parse(J(Write(w => SchemaJson.Write(w, schema))), J(Write(w => SchemaJson.WriteColumnMapping(w, mapping))));
        Assert.Equal(schema.Properties, again.Properties);
        Assert.Equal(schema.Required, again.Required);
        Assert.Equal(schema.AdditionalProperties, again.AdditionalProperties);
        Assert.Equal(mapping, againMapping);
    }

    internal static string Write(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) write(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
