using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Ingest.Support;

namespace Apperate.Actors.Tests.Ingest;

[Trait("Category", "Unit")]
public sealed class CsvIngestTests
{
    [Fact]
    public async Task Fields_are_converted_by_property_type_and_aligned_with_the_schema()
    {
        var result = await Read(
            "symbol,date,price,volume,active,meta,tags,misc,ts,note\n" +
            "AAPL,2024-01-02,187.5,1000,TRUE,\"{\"\"a\"\": [1, 2]}\",\"[1,2]\",hello,2024-01-02T10:00:00Z,plain text\n" +
            "MSFT,2024-01-02,-1e2,5.0,0,,,12.50,,\n", IngestFormat.Csv);

        Assert.Empty(result.Invalid);
        Assert.Equal(IngestFormat.Csv, result.Format);
        Assert.Equal(["symbol", "date", "price", "volume", "active", "meta", "tags", "misc", "ts", "note"], result.Columns);
        Assert.Equal(2, result.Valid.Count);
        var a = result.Valid[0];
        Assert.Equal("AAPL", a.Key);
        Assert.Equal("", a.Subkey);
        Assert.Equal(Jan2, a.Date);
        Assert.Null(a.Extra);
        Assert.Equal(
            new object?[] { "AAPL", "2024-01-02", 187.5, 1000L, true, """{"a": [1, 2]}""", "[1,2]", "\"hello\"", "2024-01-02T10:00:00Z", "plain text" },
            a.Values);
        Assert.IsType<long>(a.Values[3]);
        Assert.IsType<double>(a.Values[2]);
        Assert.Equal(new object?[] { "MSFT", "2024-01-02", -100.0, 5L, false, null, null, "12.50", null, "" }, result.Valid[1].Values);
        Assert.Equal(2, result.RecordsRead);
    }

    [Theory]
    [InlineData(",")]
    [InlineData("\t")]
    [InlineData("|")]
    public async Task The_delimiter_is_detected_from_the_header(string d)
    {
        var body = $"symbol{d}date{d}price{d}note\nA{d}2024-01-02{d}1.5{d}\"x{d}y\"\nB{d}2024-01-02{d}2{d}\"has , and | and \t\"\n";
        var result = await Read(body, IngestFormat.Csv);
        Assert.Empty(result.Invalid);
        Assert.Equal(2, result.Valid.Count);
        Assert.Equal(new object?[] { "A", "2024-01-02", 1.5, null, null, null, null, null, null, $"x{d}y" }, result.Valid[0].Values);
        Assert.Equal("has , and | and \t", result.Valid[1].Values[9]);
    }

    [Fact]
    public async Task Quoted_fields_hold_delimiters_quotes_and_newlines_and_later_line_numbers_stay_physical()
    {
        const string body =
            "symbol,price,date,note\n" +            // 1
            "A,1,2024-01-02,\"has, comma\"\n" +      // 2
            "B,2,2024-01-02,\"say \"\"hi\"\"\"\n" +  // 3
            "C,3,2024-01-02,\"two\n" +              // 4
            "lines\"\n" +                            // 5
            "D,x,2024-01-02,bad price\n" +           // 6
            "E,5,2024-01-02,\"multi\n" +            // 7
            "\n" +                                   // 8 (inside quotes: data, not an empty line)
            "line, \"\"quoted\"\"\"\n" +             // 9
            "\n" +                                   // 10 (an empty line: skipped)
            "F,oops,2024-01-02,z\n" +                // 11
            "\"G\",\"7\",2024-01-02,\"\"\n";         // 12

        foreach (var newline in new[] { "\n", "\r\n" })
        {
            var result = await Read(body.Replace("\n", newline), IngestFormat.Csv);
            Assert.Equal(["A", "B", "C", "E", "G"], result.Valid.Select(r => r.Key));
            Assert.Equal("has, comma", result.Valid[0].Values[9]);
            Assert.Equal("say \"hi\"", result.Valid[1].Values[9]);
            Assert.Equal($"two{newline}lines", result.Valid[2].Values[9]);
            Assert.Equal($"multi{newline}{newline}line, \"quoted\"", result.Valid[3].Values[9]);
            Assert.Equal(7.0, result.Valid[4].Values[2]);
            Assert.Equal("", result.Valid[4].Values[9]);

            Assert.Equal(2, result.Invalid.Count);
            Assert.Equal(new InvalidRecord(6, "D,x,2024-01-02,bad price", "price", "expected a finite number, got \"x\""), result.Invalid[0]);
            Assert.Equal(11, result.Invalid[1].Line);
            Assert.Equal("F,oops,2024-01-02,z", result.Invalid[1].Raw);
            Assert.Equal(7, result.RecordsRead);
        }
    }

    [Fact]
    public async Task A_quote_inside_an_unquoted_field_is_data()
    {
        var result = await Read("symbol,price,date,note\nA,1,2024-01-02,5\" tall\nB,2,2024-01-02,x\n", IngestFormat.Csv);
        Assert.Empty(result.Invalid);
        Assert.Equal("5\" tall", result.Valid[0].Values[9]);
        Assert.Equal("B", result.Valid[1].Key);
    }

    [Fact]
    public async Task An_empty_string_field_stays_empty_while_an_empty_integer_field_is_null()
    {
        var result = await Read("symbol,date,price,volume,note,active\nA,2024-01-02,1,,,\nB,2024-01-02,2,\"\",\"\", \n", IngestFormat.Csv);
        Assert.Empty(result.Invalid);
        foreach (var row in result.Valid)
        {
            Assert.Null(row.Values[3]);
            Assert.Equal("", row.Values[9]);
            Assert.Null(row.Values[4]);
        }
    }

    [Fact]
    public async Task Type_errors_name_the_line_field_reason_and_raw_text()
    {
        const string body =
            "symbol,date,price,volume,active,meta,tags,ts\n" +
            "A,2024-01-02,1,12x,true,,,\n" +
            "B,2024-01-02,NaN,1,true,,,\n" +
            "C,2024-01-02,Infinity,1,true,,,\n" +
            "D,2024-01-02,1,1,yes,,,\n" +
            "E,2024-13-01,1,1,true,,,\n" +
            "F,2024-01-02,1,1,true,not json,,\n" +
            "G,2024-01-02,1,1,true,,{},\n" +
            "H,2024-01-02,1,1,true,,,yesterday\n" +
            "I,2024-01-02,1,\"1,000\",true,,,\n" +
            "J,2024-01-02,1,5.5,true,,,\n" +
            "K,2024-01-02,1,99999999999999999999,true,,,\n" +
            "L,2024-01-02,x,y,true,,,\n";
        var result = await Read(body, IngestFormat.Csv);
        Assert.Empty(result.Valid);
        Assert.Equal(12, result.Invalid.Count);
        Assert.Equal(Enumerable.Range(2, 12).Select(i => (long)i), result.Invalid.Select(i => i.Line));
        Assert.Equal(new InvalidRecord(2, "A,2024-01-02,1,12x,true,,,", "volume", "expected an integer (a whole number within the 64-bit range), got \"12x\""), result.Invalid[0]);
        Assert.Equal(("price", "expected a finite number, got \"NaN\""), (result.Invalid[1].Field, result.Invalid[1].Reason));
        Assert.Equal("price", result.Invalid[2].Field);
        Assert.Equal(("active", "expected true or false (or 1 or 0), got \"yes\""), (result.Invalid[3].Field, result.Invalid[3].Reason));
        Assert.Equal(("date", "expected a date as YYYY-MM-DD, got \"2024-13-01\""), (result.Invalid[4].Field, result.Invalid[4].Reason));
        Assert.Equal(("meta", "expected a JSON object, got \"not json\""), (result.Invalid[5].Field, result.Invalid[5].Reason));
        Assert.Equal(("tags", "expected a JSON array, got \"{}\""), (result.Invalid[6].Field, result.Invalid[6].Reason));
        Assert.Equal(("ts", "expected an ISO 8601 date-time, got \"yesterday\""), (result.Invalid[7].Field, result.Invalid[7].Reason));
        Assert.Equal("volume", result.Invalid[8].Field);
        Assert.Equal("I,2024-01-02,1,\"1,000\",true,,,", result.Invalid[8].Raw);
        Assert.Equal("volume", result.Invalid[9].Field);
        Assert.Equal("volume", result.Invalid[10].Field);
        // Several problems: the first field, and every problem in the reason.
        Assert.Equal("price", result.Invalid[11].Field);
        Assert.Equal("price: expected a finite number, got \"x\"; volume: expected an integer (a whole number within the 64-bit range), got \"y\"", result.Invalid[11].Reason);
    }

    [Fact]
    public async Task Required_and_index_values_must_not_be_empty()
    {
        var result = await Read("symbol,date,price\nA,2024-01-02,\nB,,1\nC,2024-01-02,1\n", IngestFormat.Csv);
        Assert.Equal("C", Assert.Single(result.Valid).Key);
        Assert.Equal(new InvalidRecord(2, "A,2024-01-02,", "price", "must not be empty"), result.Invalid[0]);
        Assert.Equal(new InvalidRecord(3, "B,,1", "date", "must not be empty"), result.Invalid[1]);
    }

    [Fact]
    public async Task Index_values_follow_the_validator_rules()
    {
        var schema = new DatasetSchema(
            [new PropertyDefinition("id", PropertyType.Integer), new PropertyDefinition("sub", PropertyType.String), new PropertyDefinition("at", PropertyType.DateTime)],
            ["id"], false);
        var validator = RecordValidator.For(schema, new ColumnMapping("id", "sub", "at"));
        var longSub = new string('s', 20);
        var result = await Read($"ID,Sub,AT\n42,x,2024-01-02T00:00:01Z\n43,{longSub},2024-01-02T00:00:00Z\n", IngestFormat.Csv,
            limits: new RecordLimits(MaxIndexBytes: 10), validator: validator);
        var row = Assert.Single(result.Valid);
        Assert.Equal(("42", "x", Jan2 + 1000), (row.Key, row.Subkey, row.Date));
        Assert.Equal(new object?[] { 42L, "x", "2024-01-02T00:00:01Z" }, row.Values);
        var bad = Assert.Single(result.Invalid);
        Assert.Equal(("Sub", "the subkey is 20 bytes, over the limit of 10 bytes"), (bad.Field, bad.Reason));
    }

    [Fact]
    public async Task Without_a_date_mapping_every_record_gets_the_write_time()
    {
        var validator = Validator(mapping: new ColumnMapping("symbol", null, null));
        var result = await Read("symbol,date,price\nA,2024-01-02,1\n", IngestFormat.Csv, validator: validator);
        Assert.Equal(Now, Assert.Single(result.Valid).Date);
    }

    [Fact]
    public async Task A_row_with_another_field_count_is_rejected()
    {
        var result = await Read("symbol,date,price,note\nA,2024-01-02,1\nB,2024-01-02,1,x,y\nC,2024-01-02,1,\n", IngestFormat.Csv);
        Assert.Equal("C", Assert.Single(result.Valid).Key);
        Assert.Equal(new InvalidRecord(2, "A,2024-01-02,1", null, "expected 4 fields, found 3"), result.Invalid[0]);
        Assert.Equal(new InvalidRecord(3, "B,2024-01-02,1,x,y", null, "expected 4 fields, found 5"), result.Invalid[1]);
    }

    [Fact]
    public async Task A_header_naming_an_unknown_column_fails_the_load_before_any_row()
    {
        var reader = IngestReader.Create(new ChunkedStream(Encoding.UTF8.GetBytes("symbol,date,price,bogus\nA,2024-01-02,1,x\n"), 5),
            IngestFormat.Csv, Validator(), Now, RecordLimits.Default);
        await using var _ = reader;
        var valid = new List<RecordRow>();
        var invalid = new List<InvalidRecord>();
        var ex = await Assert.ThrowsAsync<ApperateException>(() => reader.ReadBatchAsync(valid, invalid, 10, CancellationToken.None).AsTask());
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.StartsWith("header: ", ex.Message);
        Assert.Contains("'bogus'", ex.Message);
        Assert.Equal("header", Assert.Single(ex.Errors).Field);
        Assert.Empty(valid);
        Assert.Empty(invalid);
        Assert.Equal(0, reader.RecordsRead);
        // The failure sticks.
        await Assert.ThrowsAsync<ApperateException>(() => reader.ReadBatchAsync(valid, invalid, 10, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_header_lacking_a_required_or_index_column_fails_the_load()
    {
        var ex = await Assert.ThrowsAsync<ApperateException>(() => Read("symbol,price,Symbol\nA,1,B\n", IngestFormat.Csv));
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Contains("'Symbol' appears more than once", ex.Message);
        Assert.Contains("the required column 'date' is missing", ex.Message);
        Assert.All(ex.Errors, e => Assert.Equal("header", e.Field));
    }

    [Fact]
    public async Task Unknown_columns_are_kept_as_strings_when_the_schema_allows_additional_properties()
    {
        var validator = Validator(Quotes with { AdditionalProperties = true });
        var result = await Read("SYMBOL,Date,price,extra_one,Other\nA,2024-01-02,1,42,\"a \"\"b\"\"\"\n", IngestFormat.Csv, validator: validator);
        var row = Assert.Single(result.Valid);
        Assert.Equal("""{"extra_one":"42","Other":"a \u0022b\u0022"}""", row.Extra);
        Assert.Equal("A", row.Values[0]);
    }

    [Fact]
    public async Task Bom_crlf_leading_blank_lines_and_a_missing_final_newline_are_handled()
    {
        var body = "\uFEFF\r\n\r\nsymbol,date,price\r\nA,2024-01-02,1\r\n\r\nB,2024-01-02,x\r\nC,2024-01-02,3";
        var result = await Read(body, IngestFormat.Csv);
        Assert.Equal(["A", "C"], result.Valid.Select(r => r.Key));
        Assert.Equal(new InvalidRecord(6, "B,2024-01-02,x", "price", "expected a finite number, got \"x\""), Assert.Single(result.Invalid));
        Assert.Equal(Encoding.UTF8.GetByteCount(body), result.BytesRead);
    }

    [Fact]
    public async Task Non_ascii_text_survives_any_chunking()
    {
        var body = "symbol,date,price,note\nÄ€,2024-01-02,1,\"naïve, 日本語 😀\"\n";
        foreach (var chunk in new[] { 1, 2, 3, 7, int.MaxValue })
        {
            var result = await Read(body, IngestFormat.Csv, chunk);
            var row = Assert.Single(result.Valid);
            Assert.Equal("Ä€", row.Key);
            Assert.Equal("naïve, 日本語 😀", row.Values[9]);
        }
    }

    [Fact]
    public async Task An_unclosed_quote_at_the_end_is_rejected()
    {
        var result = await Read("symbol,date,price,note\nA,2024-01-02,1,x\nB,2024-01-02,1,\"open\nstill open", IngestFormat.Csv);
        Assert.Equal("A", Assert.Single(result.Valid).Key);
        var bad = Assert.Single(result.Invalid);
        Assert.Equal(3, bad.Line);
        Assert.Equal("B,2024-01-02,1,\"open\nstill open", bad.Raw);
        Assert.Contains("not closed", bad.Reason);
    }

    [Fact]
    public async Task An_empty_body_has_no_records()
    {
        var result = await Read("", IngestFormat.Csv);
        Assert.Empty(result.Valid);
        Assert.Empty(result.Invalid);
    }

    [Fact]
    public async Task Oversized_records_are_skipped_and_reading_continues()
    {
        // One record that fits the window but not the limit, and one (with quoted newlines) far larger than the window.
        var huge = string.Concat(Enumerable.Repeat("0123456789abcdef\n", 20_000)); // 340 KB, 20,000 line feeds
        var body =
            "symbol,date,price,note\n" +                         // 1
            "A,2024-01-02,1,short\n" +                           // 2
            $"B,2024-01-02,1,{new string('b', 500)}\n" +        // 3
            $"C,2024-01-02,1,\"{huge}\"\n" +                     // 4 .. 20,004
            "D,2024-01-02,1,short\n" +                           // 20,005
            "E,2024-01-02,x,bad\n";                              // 20,006
        var limits = new RecordLimits(MaxRecordBytes: 400);
        foreach (var chunk in new[] { 7, 4096, int.MaxValue })
        {
            var result = await Read(body, IngestFormat.Csv, chunk, limits);
            Assert.Equal(["A", "D"], result.Valid.Select(r => r.Key));
            Assert.Equal(3, result.Invalid.Count);

            var b = result.Invalid[0];
            Assert.Equal((3L, (string?)null, "the record is 515 bytes, over the limit of 400 bytes"), (b.Line, b.Field, b.Reason));
            Assert.Equal($"B,2024-01-02,1,{new string('b', 500)}", b.Raw);

            var c = result.Invalid[1];
            var cBytes = "C,2024-01-02,1,\"".Length + huge.Length + 1;
            Assert.Equal((4L, $"the record is {cBytes} bytes, over the limit of 400 bytes"), (c.Line, c.Reason));
            Assert.Equal(IngestReader.RawLimitBytes, c.Raw.Length);
            Assert.StartsWith("C,2024-01-02,1,\"0123456789abcdef\n", c.Raw);

            Assert.Equal(20_006, result.Invalid[2].Line);
            Assert.Equal(Encoding.UTF8.GetByteCount(body), result.BytesRead);
        }
    }

    [Fact]
    public async Task An_oversized_crlf_record_is_measured_without_its_line_ending()
    {
        var limits = new RecordLimits(MaxRecordBytes: 30);
        var exact = "A,2024-01-02,1," + new string('n', 15); // 30 bytes
        var over = "B,2024-01-02,1," + new string('n', 16);  // 31 bytes
        foreach (var chunk in new[] { 1, 31, 32, 33, int.MaxValue })
        {
            var result = await Read($"symbol,date,price,note\r\n{exact}\r\n{over}\r\nC,2024-01-02,1,x\r\n", IngestFormat.Csv, chunk, limits);
            Assert.Equal(["A", "C"], result.Valid.Select(r => r.Key));
            Assert.Equal(new InvalidRecord(3, over, null, "the record is 31 bytes, over the limit of 30 bytes"), Assert.Single(result.Invalid));
        }
    }

    [Fact]
    public async Task Batches_hold_at_most_the_requested_number_of_records_in_file_order()
    {
        var sb = new StringBuilder("symbol,date,price\n");
        for (var i = 0; i < 25; i++) sb.Append(i % 4 == 3 ? $"K{i},2024-01-02,bad\n" : $"K{i},2024-01-02,{i}\n");
        var result = await Read(sb.ToString(), IngestFormat.Csv, chunk: 13, batch: 4);
        Assert.Equal(25, result.RecordsRead);
        Assert.Equal(19, result.Valid.Count);
        Assert.Equal(6, result.Invalid.Count);
        Assert.Equal(Enumerable.Range(0, 25).Where(i => i % 4 != 3).Select(i => $"K{i}"), result.Valid.Select(r => r.Key));
        Assert.Equal(Enumerable.Range(0, 25).Where(i => i % 4 == 3).Select(i => (long)i + 2), result.Invalid.Select(r => r.Line));
    }

    [Fact]
    public async Task A_million_generated_rows_through_a_non_seekable_stream_are_counted_exactly()
    {
        const int rows = 1_000_000;
        var stream = new GeneratedCsvStream(rows);
        await using var reader = IngestReader.Create(stream, null, Validator(), Now, RecordLimits.Default);
        var valid = new List<RecordRow>(5_000);
        var invalid = new List<InvalidRecord>();
        long count = 0, volumeSum = 0;
        RecordRow? last = null;
        while (await reader.ReadBatchAsync(valid, invalid, 5_000, CancellationToken.None))
        {
            Assert.Empty(invalid);
            Assert.True(valid.Count <= 5_000);
            count += valid.Count;
            foreach (var row in valid) volumeSum += (long)row.Values[3]!;
            last = valid[^1];
            valid.Clear();
        }
        Assert.Equal(IngestFormat.Csv, reader.Format);
        Assert.Equal(rows, count);
        Assert.Equal(rows, reader.RecordsRead);
        Assert.Equal((long)rows * (rows - 1) / 2, volumeSum);
        Assert.Equal(stream.Produced, reader.BytesRead);
        Assert.Equal(new object?[] { "S4999", "2024-01-08", 999.25, 999_999L, false, null, null, null, null, "row, 999999" }, last!.Values);
    }
}
