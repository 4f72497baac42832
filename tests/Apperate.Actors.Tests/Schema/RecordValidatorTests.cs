using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Schema.SchemaJsonTests;

namespace Apperate.Actors.Tests.Schema;

[Trait("Category", "Unit")]
public sealed class RecordValidatorTests
{
    private const long Now = 1_700_000_000_000;

    // 2024-01-02T00:00:00Z
    private const long Jan2 = 1_704_153_600_000;

    private static readonly DatasetSchema Quotes = new(
        [
            new PropertyDefinition("symbol", PropertyType.String),
            new PropertyDefinition("date", PropertyType.Date),
            new PropertyDefinition("price", PropertyType.Number),
            new PropertyDefinition("volume", PropertyType.Integer),
            new PropertyDefinition("active", PropertyType.Boolean),
            new PropertyDefinition("meta", PropertyType.Object),
            new PropertyDefinition("tags", PropertyType.Array),
            new PropertyDefinition("misc", PropertyType.Any),
            new PropertyDefinition("ts", PropertyType.DateTime),
            new PropertyDefinition("note", PropertyType.String),
        ],
        ["symbol", "date", "price"], false);

    private static readonly ColumnMapping QuotesMapping = new("symbol", null, "date");

    private static ValidationOutcome Validate(string body, DatasetSchema? schema = null, ColumnMapping? mapping = null, RecordLimits? limits = null) =>
        RecordValidator.Validate(J(body), schema ?? Quotes, mapping ?? QuotesMapping, Now, limits ?? RecordLimits.Default);

    private static RecordRow Single(string body, DatasetSchema? schema = null, ColumnMapping? mapping = null)
    {
        var outcome = Validate(body, schema, mapping);
        Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors));
        Assert.Empty(outcome.Errors);
        return Assert.Single(outcome.Batch.Rows);
    }

    private static FieldError[] Errors(string body, DatasetSchema? schema = null, ColumnMapping? mapping = null, RecordLimits? limits = null)
    {
        var outcome = Validate(body, schema, mapping, limits);
        Assert.False(outcome.IsValid);
        Assert.Null(outcome.Batch);
        return outcome.Errors.ToArray();
    }

    [Fact]
    public void Valid_record_is_stored_in_store_form()
    {
        var outcome = Validate("""
            [{"symbol":"AAPL","date":"2024-01-02","price":187.5,"volume":1000,"active":true,
              "meta":{"a": [1, 2]},"tags":["x","y"],"misc":12.50,"ts":"2024-01-02T10:00:00Z","note":null}]
            """);
        Assert.True(outcome.IsValid);
        Assert.False(outcome.HasSizeError);
        var batch = outcome.Batch;
        Assert.Equal(["symbol", "date", "price", "volume", "active", "meta", "tags", "misc", "ts", "note"], batch.Columns);
        Assert.Equal(DuplicateKeyHandling.Ignore, batch.Duplicates);
        Assert.True(batch.Persist);
        var row = Assert.Single(batch.Rows);
        Assert.Equal("AAPL", row.Key);
        Assert.Equal("", row.Subkey);
        Assert.Equal(Jan2, row.Date);
        Assert.Null(row.Extra);
        Assert.Equal(
            new object?[] { "AAPL", "2024-01-02", 187.5, 1000L, true, """{"a": [1, 2]}""", """["x","y"]""", "12.50", "2024-01-02T10:00:00Z", null },
            row.Values);
        Assert.IsType<long>(row.Values[3]);
        Assert.IsType<double>(row.Values[2]);
    }

    [Fact]
    public void Absent_optional_properties_are_null_and_a_single_object_body_is_accepted()
    {
        var row = Single("""{"symbol":"A","date":"2024-01-02","price":1}""");
        Assert.Equal(new object?[] { "A", "2024-01-02", 1.0, null, null, null, null, null, null, null }, row.Values);
    }

    [Fact]
    public void Rows_follow_request_order()
    {
        var outcome = Validate("""[{"symbol":"A","date":"2024-01-02","price":1},{"symbol":"B","date":"2024-01-03","price":2}]""");
        Assert.Equal(["A", "B"], outcome.Batch!.Rows.Select(r => r.Key));
        Assert.Equal([Jan2, Jan2 + 86_400_000], outcome.Batch.Rows.Select(r => r.Date));
    }

    [Fact]
    public void Property_names_match_ignoring_case()
    {
        var row = Single("""{"SYMBOL":"A","Date":"2024-01-02","pRiCe":2,"symbo\u006c2":null}""",
            Quotes with { AdditionalProperties = true });
        Assert.Equal("A", row.Key);
        Assert.Equal(2.0, row.Values[2]);
        Assert.Equal("""{"symbol2":null}""", row.Extra);

        // An escaped name decodes to the declared one.
        Assert.Equal("B", Single("""{"symbo\u006c":"B","date":"2024-01-02","price":2}""").Key);
    }

    [Fact]
    public void A_property_named_twice_is_an_error()
    {
        Assert.Equal(
            [new FieldError(0, "Symbol", "the property appears more than once (property names are case-insensitive)")],
            Errors("""{"symbol":"A","Symbol":"B","date":"2024-01-02","price":1}"""));
        Assert.Equal(
            [new FieldError(0, "X", "the property appears more than once (property names are case-insensitive)")],
            Errors("""{"symbol":"A","date":"2024-01-02","price":1,"x":1,"X":2}""", Quotes with { AdditionalProperties = true }));
    }

    [Fact]
    public void Unknown_property_is_an_error_unless_additional_properties_are_allowed()
    {
        var outcome = Validate("""{"symbol":"A","date":"2024-01-02","price":1,"foo":1}""");
        Assert.Equal([new FieldError(0, "foo", "unknown property (the dataset does not allow additional properties)")], outcome.Errors);
        Assert.True(outcome.HasUnknownProperty);
        Assert.False(outcome.HasSizeError);

        var row = Single("""{"symbol":"A","foo":1.50,"date":"2024-01-02","bar":{"a": 1},"price":1,"Baz":"é\n","q":null}""",
            Quotes with { AdditionalProperties = true });
        Assert.Equal("""{"foo":1.50,"bar":{"a": 1},"Baz":"é\n","q":null}""", row.Extra);
    }

    [Theory]
    [InlineData("bad-name")]
    [InlineData("_system")]
    [InlineData("_SYSTEMx")]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("αβ")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public void Invalid_property_names_are_errors_even_when_additional_properties_are_allowed(string name)
    {
        var reason = Names.Check(name);
        Assert.NotNull(reason);
        var body = $$"""{"symbol":"A","date":"2024-01-02","price":1,"{{name}}":1}""";
        Assert.Equal([new FieldError(0, name, "invalid property name: " + reason)], Errors(body, Quotes with { AdditionalProperties = true }));
        Assert.Equal([new FieldError(0, name, "invalid property name: " + reason)], Errors(body));
    }

    [Fact]
    public void Required_and_index_properties_must_be_present_and_non_null()
    {
        Assert.Equal(
            [
                new FieldError(0, "price", "must not be null"),
                new FieldError(0, "symbol", "the property is required"),
                new FieldError(0, "date", "the property is required"),
            ],
            Errors("""{"price":null}"""));
        Assert.Equal(
            [new FieldError(0, "Symbol", "must not be null"), new FieldError(0, "DATE", "must not be null")],
            Errors("""{"Symbol":null,"DATE":null,"price":1}"""));
    }

    [Fact]
    public void Index_properties_are_required_even_when_the_schema_does_not_list_them()
    {
        var schema = new DatasetSchema([new("k", PropertyType.String), new("s", PropertyType.Integer), new("d", PropertyType.Integer)], [], false);
        Assert.Equal(
            [new FieldError(0, "s", "must not be null"), new FieldError(0, "k", "the property is required"), new FieldError(0, "d", "the property is required")],
            Errors("""{"s":null}""", schema, new ColumnMapping("k", "s", "d")));
    }

    [Theory]
    [InlineData("5", 5L)]
    [InlineData("-5", -5L)]
    [InlineData("5.0", 5L)]
    [InlineData("1e3", 1000L)]
    [InlineData("-0.0", 0L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("9223372036854775807.000", long.MaxValue)]
    public void Integers_accept_integral_values_in_range(string json, long expected)
    {
        var row = Single($$"""{"symbol":"A","date":"2024-01-02","price":1,"volume":{{json}}}""");
        Assert.Equal(expected, Assert.IsType<long>(row.Values[3]));
    }

    [Theory]
    [InlineData("5.5")]
    [InlineData("1e30")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    [InlineData("5.00000000000000000000000000001")]
    [InlineData("1e-3")]
    public void Integers_reject_fractions_and_out_of_range_values(string json)
    {
        var errors = Errors($$"""{"symbol":"A","date":"2024-01-02","price":1,"volume":{{json}}}""");
        Assert.Equal([new FieldError(0, "volume", $"expected an integer (a whole number within the 64-bit range), got {json}")], errors);
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-2.5", -2.5)]
    [InlineData("1e300", 1e300)]
    [InlineData("1e30", 1e30)]
    public void Numbers_become_doubles(string json, double expected)
    {
        var row = Single($$"""{"symbol":"A","date":"2024-01-02","price":{{json}}}""");
        Assert.Equal(expected, Assert.IsType<double>(row.Values[2]));
    }

    [Fact]
    public void Numbers_that_overflow_are_rejected()
    {
        Assert.Equal([new FieldError(0, "price", "the number 1e400 is out of range")], Errors("""{"symbol":"A","date":"2024-01-02","price":1e400}"""));
        Assert.Equal([new FieldError(0, "price", "the number -1e400 is out of range")], Errors("""{"symbol":"A","date":"2024-01-02","price":-1e400}"""));
    }

    [Theory]
    [InlineData("symbol", "1", "expected a string, got a number")]
    [InlineData("price", "\"1\"", "expected a number, got a string")]
    [InlineData("volume", "\"1\"", "expected an integer, got a string")]
    [InlineData("volume", "true", "expected an integer, got a boolean")]
    [InlineData("active", "1", "expected true or false, got a number")]
    [InlineData("active", "\"true\"", "expected true or false, got a string")]
    [InlineData("meta", "[]", "expected an object, got an array")]
    [InlineData("tags", "{}", "expected an array, got an object")]
    [InlineData("date", "20240102", "expected a date string (YYYY-MM-DD), got a number")]
    [InlineData("date", "\"2024-02-30\"", "expected a date as YYYY-MM-DD, got \"2024-02-30\"")]
    [InlineData("date", "\"2024-01-02T00:00:00Z\"", "expected a date as YYYY-MM-DD, got \"2024-01-02T00:00:00Z\"")]
    [InlineData("ts", "\"2024-01-02\"", "expected an ISO 8601 date-time, got \"2024-01-02\"")]
    [InlineData("ts", "\"yesterday\"", "expected an ISO 8601 date-time, got \"yesterday\"")]
    [InlineData("ts", "1704153600000", "expected a date-time string (ISO 8601), got a number")]
    public void Type_mismatches_are_reported_per_field(string field, string json, string reason)
    {
        var values = new Dictionary<string, string> { ["symbol"] = "\"A\"", ["date"] = "\"2024-01-02\"", ["price"] = "1" };
        values[field] = json;
        var body = "{" + string.Join(",", values.Select(kv => $"\"{kv.Key}\":{kv.Value}")) + "}";
        Assert.Equal([new FieldError(0, field, reason)], Errors(body));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("\"text\"")]
    [InlineData("[1, {\"a\":null}]")]
    [InlineData("{\"b\":false}")]
    [InlineData("true")]
    public void Any_keeps_the_raw_json(string json)
    {
        var row = Single($$"""{"symbol":"A","date":"2024-01-02","price":1,"misc":{{json}}}""");
        Assert.Equal(json, row.Values[7]);
    }

    [Fact]
    public void Any_null_is_stored_as_null()
    {
        Assert.Null(Single("""{"symbol":"A","date":"2024-01-02","price":1,"misc":null}""").Values[7]);
    }

    [Fact]
    public void Integer_key_and_subkey_become_decimal_text()
    {
        var schema = new DatasetSchema([new("id", PropertyType.Integer), new("leg", PropertyType.Integer), new("name", PropertyType.String)], ["id", "leg"], false);
        var row = Single("""{"id":42.0,"leg":-7,"name":"x"}""", schema, new ColumnMapping("id", "leg", null));
        Assert.Equal("42", row.Key);
        Assert.Equal("-7", row.Subkey);
        Assert.Equal(Now, row.Date);
        Assert.Equal(new object?[] { 42L, -7L, "x" }, row.Values);
    }

    [Fact]
    public void String_subkey_is_kept_as_written()
    {
        var schema = new DatasetSchema([new("k", PropertyType.String), new("s", PropertyType.String)], ["k", "s"], false);
        var row = Single("""{"k":"a","s":"Sub Key"}""", schema, new ColumnMapping("k", "s", null));
        Assert.Equal(("a", "Sub Key"), (row.Key, row.Subkey));
    }

    [Theory]
    [InlineData("integer", "1704153600123", 1_704_153_600_123L)]
    [InlineData("integer", "-1000", -1000L)]
    [InlineData("date-time", "\"2024-01-02T00:00:00.123Z\"", 1_704_153_600_123L)]
    [InlineData("date-time", "\"2024-01-02 01:00:00+01:00\"", 1_704_153_600_000L)]
    [InlineData("date-time", "\"2024-01-02T00:00\"", 1_704_153_600_000L)]
    [InlineData("date", "\"2024-01-02\"", 1_704_153_600_000L)]
    public void Date_index_is_epoch_ms(string type, string json, long expected)
    {
        var t = type switch { "integer" => PropertyType.Integer, "date" => PropertyType.Date, _ => PropertyType.DateTime };
        var schema = new DatasetSchema([new("k", PropertyType.String), new("when", t)], ["k", "when"], false);
        var row = Single($$"""{"k":"a","when":{{json}}}""", schema, new ColumnMapping("k", null, "when"));
        Assert.Equal(expected, row.Date);
    }

    [Fact]
    public void Without_a_date_mapping_the_date_is_now()
    {
        var schema = new DatasetSchema([new("k", PropertyType.String), new("d", PropertyType.Date)], ["k"], false);
        Assert.Equal(Now, Single("""{"k":"a","d":"2024-01-02"}""", schema, new ColumnMapping("k", null, null)).Date);
    }

    [Fact]
    public void Key_and_subkey_are_limited_to_1500_utf8_bytes()
    {
        var schema = new DatasetSchema([new("k", PropertyType.String), new("s", PropertyType.String)], ["k", "s"], false);
        var mapping = new ColumnMapping("k", "s", null);

        // 750 two-byte characters: exactly 1,500 bytes.
        var ok = new string('é', 750);
        Assert.Equal(ok, Single($$"""{"k":"{{ok}}","s":"{{new string('a', 1500)}}"}""", schema, mapping).Key);

        var outcome = Validate($$"""{"k":"{{ok}}é","s":"{{new string('a', 1501)}}"}""", schema, mapping);
        Assert.True(outcome.HasSizeError);
        Assert.Equal(
            [
                new FieldError(0, "k", "the key is 1502 bytes, over the limit of 1500 bytes"),
                new FieldError(0, "s", "the subkey is 1501 bytes, over the limit of 1500 bytes"),
            ],
            outcome.Errors);
        Assert.Equal(ErrorKind.TooLarge, outcome.ToException().Kind);
    }

    [Fact]
    public void Records_over_the_record_limit_are_size_errors()
    {
        var limits = new RecordLimits(MaxRecordBytes: 60);
        var small = """{"symbol":"A","date":"2024-01-02","price":1}""";
        var big = $$"""{"symbol":"A","date":"2024-01-02","price":1,"note":"{{new string('x', 20)}}"}""";
        var outcome = Validate($"[{small},{big}]", limits: limits);
        Assert.True(outcome.HasSizeError);
        Assert.Equal([new FieldError(1, null, $"the record is {big.Length} bytes, over the limit of 60 bytes")], outcome.Errors);

        Assert.Equal(65_536, RecordLimits.Default.MaxRecordBytes);
        Assert.Equal(1_500, RecordLimits.Default.MaxIndexBytes);
    }

    [Fact]
    public void Empty_array_and_non_object_bodies_are_rejected()
    {
        Assert.Equal([new FieldError(null, null, "no records")], Errors("[]"));
        Assert.Equal([new FieldError(null, null, "the body must be a JSON array of record objects or one record object")], Errors("\"x\""));
        Assert.Equal([new FieldError(null, null, "the body must be a JSON array of record objects or one record object")], Errors("null"));
    }

    [Fact]
    public void Every_bad_record_is_listed_by_index()
    {
        var outcome = Validate("""
            [
              {"symbol":"OK","date":"2024-01-02","price":1},
              {"symbol":"A","date":"2024-13-01","price":"x"},
              42,
              {"symbol":"OK2","date":"2024-01-02","price":2},
              {"date":"2024-01-02","price":1,"volume":1.5,"foo":true},
              [],
              {"symbol":"B","date":"2024-01-02","price":null,"_system_id":1}
            ]
            """);
        Assert.False(outcome.IsValid);
        Assert.False(outcome.HasSizeError);
        Assert.True(outcome.HasUnknownProperty);
        Assert.Equal(
            [
                new FieldError(1, "date", "expected a date as YYYY-MM-DD, got \"2024-13-01\""),
                new FieldError(1, "price", "expected a number, got a string"),
                new FieldError(2, null, "a record must be a JSON object, not a number"),
                new FieldError(4, "volume", "expected an integer (a whole number within the 64-bit range), got 1.5"),
                new FieldError(4, "foo", "unknown property (the dataset does not allow additional properties)"),
                new FieldError(4, "symbol", "the property is required"),
                new FieldError(5, null, "a record must be a JSON object, not an array"),
                new FieldError(6, "price", "must not be null"),
                new FieldError(6, "_system_id", "invalid property name: names starting with '_system' are reserved"),
            ],
            outcome.Errors);

        var ex = outcome.ToException();
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Equal(9, ex.Errors.Length);
        Assert.StartsWith("the request was rejected (5 invalid records): record 1, date: expected a date", ex.Message);
    }

    [Fact]
    public void Validator_instances_are_reusable()
    {
        var validator = RecordValidator.For(Quotes, QuotesMapping);
        Assert.Same(Quotes, validator.Schema);
        Assert.Same(QuotesMapping, validator.Mapping);
        var a = validator.Validate(J("""{"symbol":"A","date":"2024-01-02","price":1}"""), Now, RecordLimits.Default);
        var b = validator.Validate(J("""{"symbol":"B","date":"2024-01-02","price":1}"""), Now, RecordLimits.Default);
        Assert.Equal("A", a.Batch!.Rows[0].Key);
        Assert.Equal("B", b.Batch!.Rows[0].Key);
        Assert.NotSame(a.Batch.Columns, b.Batch.Columns);
    }

    [Fact]
    public void Text_that_is_not_valid_Unicode_is_an_error_of_its_record_not_a_failure()
    {
        byte[] body =
        [
            .. "[{\"symbol\":\"A\",\"date\":\"2024-01-02\",\"price\":1,\"meta\":{\"x\":\"bad "u8, 0xFF, .. "\"}},"u8,
            .. "{\"symbol\":\"B\",\"date\":\"2024-01-02\",\"price\":1,\"note\":\"\\udc00\"},"u8,
            .. "{\"symbol\":\"C\",\"date\":\"\\ud800\",\"price\":1,\"\\ud800\":1},"u8,
            .. "{\"symbol\":\"D\",\"date\":\"2024-01-02\",\"price\":1,\"misc\":\"\\ud800\",\"note\":\"\\ud83d\\ude00\"}]"u8,
        ];
        using var document = System.Text.Json.JsonDocument.Parse(body);
        var outcome = RecordValidator.Validate(document.RootElement, Quotes, QuotesMapping, Now, RecordLimits.Default);
        Assert.False(outcome.IsValid);
        Assert.Equal(
        [
            new FieldError(0, null, "the record is not valid UTF-8"),
            new FieldError(1, "note", "the string is not valid Unicode (it holds an escaped lone surrogate)"),
            new FieldError(2, "date", "the string is not valid Unicode (it holds an escaped lone surrogate)"),
            new FieldError(2, null, "a property name is not valid Unicode (it holds an escaped lone surrogate)"),
        ], outcome.Errors);
    }

    [Fact]
    public void ValidateRecord_reports_one_record_for_batch_callers()
    {
        var validator = RecordValidator.For(Quotes, QuotesMapping);
        var errors = new List<FieldError>();
        Assert.NotNull(validator.ValidateRecord(J("""{"symbol":"A","date":"2024-01-02","price":1}"""), 7, Now, RecordLimits.Default, errors, out var tooLarge));
        Assert.False(tooLarge);
        Assert.Empty(errors);
        Assert.Null(validator.ValidateRecord(J("""{"symbol":"A","price":1}"""), 8, Now, RecordLimits.Default, errors, out tooLarge));
        Assert.False(tooLarge);
        Assert.Equal([new FieldError(8, "date", "the property is required")], errors);
    }

    [Fact]
    public void A_mapping_to_an_undeclared_property_is_a_programming_error()
    {
        Assert.Throws<ArgumentException>(() => RecordValidator.For(Quotes, new ColumnMapping("nope", null, null)));
    }

    [Fact]
    public void Large_schemas_are_validated_too()
    {
        var props = Enumerable.Range(0, 300).Select(i => new PropertyDefinition("p" + i, PropertyType.Integer)).ToArray();
        var schema = new DatasetSchema(props, ["p0"], false);
        var row = Single("""{"p0":1,"p299":2}""", schema, new ColumnMapping("p0", null, null));
        Assert.Equal(2L, row.Values[299]);
        Assert.Equal("1", row.Key);
    }
}
