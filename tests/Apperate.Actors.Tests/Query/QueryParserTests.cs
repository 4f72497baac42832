using Apperate.Actors.Datasets;
using Apperate.Actors.Query;

namespace Apperate.Actors.Tests.Query;

[Trait("Category", "Unit")]
public sealed class QueryParserTests
{
    // A Wednesday.
    private static readonly DateTimeOffset Now = new(2024, 5, 15, 12, 34, 56, TimeSpan.Zero);

    private static long Ms(int year, int month, int day, int hour = 0, int minute = 0, int second = 0, int ms = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, second, ms, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long EndOfDay(int year, int month, int day) => Ms(year, month, day, 23, 59, 59, 999);

    private static Dictionary<string, string?> Q(params (string Name, string? Value)[] parameters)
    {
        // Ordinal so a test can hold two spellings of one name; the parser folds case itself.
        var query = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters) query.Add(name, value);
        return query;
    }

    private static ParsedDataRequest Parse(params (string Name, string? Value)[] parameters) =>
        QueryParser.Parse("DS", null, null, Q(parameters), Now);

    private static DataQuery Query(params (string Name, string? Value)[] parameters) => Parse(parameters).Query;

    /// <summary>Asserts a 400 whose errors name exactly <paramref name="fields"/> and whose message names each.</summary>
    private static ApperateException AssertInvalid(Func<ParsedDataRequest> parse, params string[] fields)
    {
        var ex = Assert.Throws<ApperateException>(() => parse());
        Assert.Equal(ErrorKind.Invalid, ex.Kind);
        Assert.Equal(fields.Order(StringComparer.Ordinal), ex.Errors.Select(e => e.Field!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(ex.Errors, e => Assert.Null(e.Index));
        foreach (var field in fields) Assert.Contains(field, ex.Message);
        return ex;
    }

    private static ApperateException AssertInvalid(string field, params (string Name, string? Value)[] parameters) =>
        AssertInvalid(() => Parse(parameters), field);

    // ---- Path and batches -------------------------------------------------------------------------------

    [Fact]
    public void A_single_dataset_without_keys_selects_the_whole_dataset_newest_record()
    {
        var request = Parse();
        Assert.Equal(["DS"], request.Datasets);
        Assert.Equal([KeySelector.All], request.Selectors);
        Assert.Equal("json", request.Format);
        Assert.False(request.IncludeSystemRecordProperties);

        var q = request.Query;
        Assert.Null(q.From);
        Assert.Null(q.To);
        Assert.Equal(1, q.Limit);
        Assert.Equal(0, q.Offset);
        Assert.False(q.Oldest);
        Assert.Equal(SortOrder.Descending, q.Sort);
        Assert.Equal(1, q.Interval);
        Assert.Empty(q.Conditions);
        Assert.Null(q.Properties);
    }

    [Fact]
    public void Batches_keep_request_order_with_keys_major_over_subkeys()
    {
        var request = QueryParser.Parse("DS_B,DS_A", "MSFT,AAPL", "x,y", Q(), Now);
        Assert.Equal(["DS_B", "DS_A"], request.Datasets);
        Assert.Equal(
            [new KeySelector("MSFT", "x"), new KeySelector("MSFT", "y"), new KeySelector("AAPL", "x"), new KeySelector("AAPL", "y")],
            request.Selectors);
    }

    [Fact]
    public void Keys_without_subkeys_select_every_subkey()
    {
        var request = QueryParser.Parse("DS", "AAPL,MSFT", null, Q(), Now);
        Assert.Equal([new KeySelector("AAPL", null), new KeySelector("MSFT", null)], request.Selectors);
    }

    [Fact]
    public void Subkeys_without_keys_are_a_caller_bug()
    {
        Assert.Throws<ArgumentException>(() => QueryParser.Parse("DS", null, "x", Q(), Now));
    }

    [Fact]
    public void Duplicates_are_kept_as_given()
    {
        var request = QueryParser.Parse("DS,DS", "AAPL,AAPL", null, Q(), Now);
        Assert.Equal(["DS", "DS"], request.Datasets);
        Assert.Equal([new KeySelector("AAPL", null), new KeySelector("AAPL", null)], request.Selectors);
    }

    [Fact]
    public void Keys_are_free_text()
    {
        var request = QueryParser.Parse("DS", "BRK.B/x y?€", "sub key", Q(), Now);
        Assert.Equal([new KeySelector("BRK.B/x y?€", "sub key")], request.Selectors);
    }

    [Fact]
    public void A_custom_batch_separator_replaces_the_comma()
    {
        var request = QueryParser.Parse("A|B", "x,1|y,2", "s", Q(("batchSeparator", "|")), Now);
        Assert.Equal(["A", "B"], request.Datasets);
        Assert.Equal([new KeySelector("x,1", "s"), new KeySelector("y,2", "s")], request.Selectors);

        var multi = QueryParser.Parse("A::B", "x::y", null, Q(("BATCHSEPARATOR", "::")), Now);
        Assert.Equal(["A", "B"], multi.Datasets);
        Assert.Equal([new KeySelector("x", null), new KeySelector("y", null)], multi.Selectors);

        var three = QueryParser.Parse("A;;;B", null, null, Q(("batchSeparator", ";;;")), Now);
        Assert.Equal(["A", "B"], three.Datasets);
    }

    [Fact]
    public void A_custom_batch_separator_makes_commas_ordinary_characters_in_dataset_ids()
    {
        AssertInvalid(() => QueryParser.Parse("A,B", null, null, Q(("batchSeparator", "|")), Now), "datasetId");
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcd")]
    public void An_empty_or_long_batch_separator_is_rejected(string separator)
    {
        AssertInvalid("batchSeparator", ("batchSeparator", separator));
    }

    [Fact]
    public void A_bad_batch_separator_does_not_also_blame_the_path()
    {
        // Without a usable separator any complaint about the path items would be a guess.
        var ex = AssertInvalid(() => QueryParser.Parse("A,,bad-name", "", null, Q(("batchSeparator", "")), Now), "batchSeparator");
        Assert.Single(ex.Errors);
    }

    [Theory]
    [InlineData("A,,B")]
    [InlineData("A,")]
    [InlineData(",A")]
    [InlineData("")]
    [InlineData("bad-name")]
    [InlineData("DS,has space")]
    [InlineData("_systemThing")]
    public void Dataset_ids_must_be_valid_names(string datasets)
    {
        AssertInvalid(() => QueryParser.Parse(datasets, null, null, Q(), Now), "datasetId");
    }

    [Fact]
    public void A_65_character_dataset_id_is_rejected_and_64_accepted()
    {
        Assert.Equal([new string('a', 64)], QueryParser.Parse(new string('a', 64), null, null, Q(), Now).Datasets);
        AssertInvalid(() => QueryParser.Parse(new string('a', 65), null, null, Q(), Now), "datasetId");
    }

    [Theory]
    [InlineData("AAPL,,MSFT")]
    [InlineData("AAPL,")]
    [InlineData("")]
    public void Empty_keys_are_rejected(string keys)
    {
        var ex = AssertInvalid(() => QueryParser.Parse("DS", keys, null, Q(), Now), "key");
        Assert.Single(ex.Errors);
    }

    [Theory]
    [InlineData("a,,b")]
    [InlineData("")]
    public void Empty_subkeys_are_rejected(string subkeys)
    {
        AssertInvalid(() => QueryParser.Parse("DS", "AAPL", subkeys, Q(), Now), "subkey");
    }

    [Fact]
    public void Keys_and_subkeys_are_limited_to_1500_utf8_bytes()
    {
        var ascii = new string('k', 1500);
        var euros = new string('€', 500); // 3 bytes each
        Assert.Equal([new KeySelector(ascii, euros)], QueryParser.Parse("DS", ascii, euros, Q(), Now).Selectors);

        AssertInvalid(() => QueryParser.Parse("DS", ascii + "k", null, Q(), Now), "key");
        // 501 characters are far below 1,500 characters but above 1,500 bytes.
        AssertInvalid(() => QueryParser.Parse("DS", "AAPL," + euros + "€", null, Q(), Now), "key");
        AssertInvalid(() => QueryParser.Parse("DS", "AAPL", euros + "€", Q(), Now), "subkey");
    }

    [Fact]
    public void Exactly_2000_pairs_are_accepted()
    {
        var keys = string.Join(",", Enumerable.Range(0, 1000).Select(i => $"K{i}"));
        var request = QueryParser.Parse("A,B", keys, null, Q(), Now);
        Assert.Equal(2, request.Datasets.Length);
        Assert.Equal(1000, request.Selectors.Length);
        Assert.Equal(new KeySelector("K999", null), request.Selectors[^1]);

        var datasets = string.Join(",", Enumerable.Range(0, 2000).Select(i => $"D{i}"));
        Assert.Equal(2000, QueryParser.Parse(datasets, null, null, Q(), Now).Datasets.Length);

        // 8 × 10 × 25 = 2,000 with subkeys.
        var ds8 = string.Join(",", Enumerable.Range(0, 8).Select(i => $"D{i}"));
        var k10 = string.Join(",", Enumerable.Range(0, 10).Select(i => $"K{i}"));
        var s25 = string.Join(",", Enumerable.Range(0, 25).Select(i => $"S{i}"));
        Assert.Equal(250, QueryParser.Parse(ds8, k10, s25, Q(), Now).Selectors.Length);
    }

    [Fact]
    public void Pairs_2001_are_rejected_naming_batch_and_the_count()
    {
        var keys = string.Join(",", Enumerable.Range(0, 2001).Select(i => $"K{i}"));
        var ex = AssertInvalid(() => QueryParser.Parse("A", keys, null, Q(), Now), "batch");
        Assert.Contains("2001", ex.Errors.Single().Reason);
        Assert.Contains("2000", ex.Errors.Single().Reason);

        var datasets = string.Join(",", Enumerable.Range(0, 2001).Select(i => $"D{i}"));
        Assert.Contains("2001", AssertInvalid(() => QueryParser.Parse(datasets, null, null, Q(), Now), "batch").Message);

        // 3 × 23 × 29 = 2,001: subkeys count toward the cap.
        var ds3 = "A,B,C";
        var k23 = string.Join(",", Enumerable.Range(0, 23).Select(i => $"K{i}"));
        var s29 = string.Join(",", Enumerable.Range(0, 29).Select(i => $"S{i}"));
        Assert.Contains("2001", AssertInvalid(() => QueryParser.Parse(ds3, k23, s29, Q(), Now), "batch").Message);
    }

    // ---- How many, which end, what order ----------------------------------------------------------------

    [Fact]
    public void Last_selects_the_newest_n_newest_first()
    {
        var q = Query(("last", "5"));
        Assert.Equal(5, q.Limit);
        Assert.False(q.Oldest);
        Assert.Equal(SortOrder.Descending, q.Sort);
    }

    [Fact]
    public void First_selects_the_oldest_n_oldest_first()
    {
        var q = Query(("first", "3"));
        Assert.Equal(3, q.Limit);
        Assert.True(q.Oldest);
        Assert.Equal(SortOrder.Ascending, q.Sort);
    }

    [Fact]
    public void Limit_alone_selects_the_newest_n()
    {
        var q = Query(("limit", "7"));
        Assert.Equal(7, q.Limit);
        Assert.False(q.Oldest);
        Assert.Equal(SortOrder.Descending, q.Sort);
    }

    [Theory]
    [InlineData("last", "10", "3", 3)]
    [InlineData("last", "3", "10", 3)]
    [InlineData("first", "2", "9", 2)]
    [InlineData("first", "9", "2", 2)]
    public void Limit_with_last_or_first_takes_the_smaller(string name, string n, string limit, int expected)
    {
        var q = Query((name, n), ("limit", limit));
        Assert.Equal(expected, q.Limit);
        Assert.Equal(name == "first", q.Oldest);
    }

    [Fact]
    public void Last_and_first_together_are_rejected()
    {
        var ex = AssertInvalid("first", ("last", "1"), ("first", "1"));
        Assert.Contains("last", ex.Message);
    }

    [Fact]
    public void A_range_without_a_count_is_unlimited()
    {
        Assert.Null(Query(("range", "5d")).Limit);
        Assert.Null(Query(("from", "2024-01-01")).Limit);
        Assert.Null(Query(("to", "2024-01-01")).Limit);
        Assert.Null(Query(("on", "2024-01-01")).Limit);
        Assert.Equal(4, Query(("range", "5d"), ("last", "4")).Limit);
        Assert.Equal(6, Query(("from", "2024-01-01"), ("limit", "6")).Limit);
        Assert.Equal(2, Query(("on", "2024-01-01"), ("first", "2")).Limit);
    }

    [Theory]
    [InlineData("last")]
    [InlineData("first")]
    [InlineData("limit")]
    [InlineData("interval")]
    public void Counts_accept_one_to_a_million(string name)
    {
        var one = Query((name, "1"));
        var max = Query((name, "1000000"));
        if (name == "interval")
        {
            Assert.Equal(1, one.Interval);
            Assert.Equal(1_000_000, max.Interval);
        }
        else
        {
            Assert.Equal(1, one.Limit);
            Assert.Equal(1_000_000, max.Limit);
        }
    }

    [Theory]
    [InlineData("last", "0")]
    [InlineData("last", "-1")]
    [InlineData("last", "abc")]
    [InlineData("last", "1.5")]
    [InlineData("last", "1000001")]
    [InlineData("last", "99999999999999")]
    [InlineData("last", "")]
    [InlineData("last", " 5")]
    [InlineData("last", "+5")]
    [InlineData("last", null)]
    [InlineData("first", "0")]
    [InlineData("first", "x")]
    [InlineData("limit", "0")]
    [InlineData("limit", "1000001")]
    [InlineData("interval", "0")]
    [InlineData("interval", "-2")]
    [InlineData("offset", "-1")]
    [InlineData("offset", "x")]
    [InlineData("offset", "")]
    [InlineData("offset", "99999999999")]
    public void Bad_counts_are_rejected(string name, string? value)
    {
        AssertInvalid(name, (name, value));
    }

    [Fact]
    public void Offset_and_interval_default_and_parse()
    {
        var defaults = Query();
        Assert.Equal(0, defaults.Offset);
        Assert.Equal(1, defaults.Interval);

        var q = Query(("offset", "10"), ("interval", "3"));
        Assert.Equal(10, q.Offset);
        Assert.Equal(3, q.Interval);
        Assert.Equal(0, Query(("offset", "0")).Offset);
    }

    [Theory]
    [InlineData("asc", SortOrder.Ascending)]
    [InlineData("ASC", SortOrder.Ascending)]
    [InlineData("desc", SortOrder.Descending)]
    [InlineData("Desc", SortOrder.Descending)]
    public void Sort_sets_the_output_order(string value, SortOrder expected)
    {
        Assert.Equal(expected, Query(("sort", value)).Sort);
    }

    [Fact]
    public void Sort_changes_the_order_not_the_selected_end()
    {
        var oldestNewestFirst = Query(("first", "5"), ("sort", "desc"));
        Assert.True(oldestNewestFirst.Oldest);
        Assert.Equal(SortOrder.Descending, oldestNewestFirst.Sort);

        var newestOldestFirst = Query(("last", "5"), ("sort", "asc"));
        Assert.False(newestOldestFirst.Oldest);
        Assert.Equal(SortOrder.Ascending, newestOldestFirst.Sort);
    }

    [Theory]
    [InlineData("up")]
    [InlineData("ascending")]
    [InlineData("")]
    public void Bad_sort_is_rejected(string value)
    {
        AssertInvalid("sort", ("sort", value));
    }

    // ---- Dates -----------------------------------------------------------------------------------------

    [Fact]
    public void A_from_date_starts_at_midnight_and_a_to_date_ends_at_the_days_last_millisecond()
    {
        var q = Query(("from", "2024-05-01"), ("to", "2024-05-10"));
        Assert.Equal(Ms(2024, 5, 1), q.From);
        Assert.Equal(EndOfDay(2024, 5, 10), q.To);
        Assert.Equal(Ms(2024, 5, 11) - 1, q.To);
    }

    [Fact]
    public void From_and_to_on_the_same_date_cover_that_whole_day()
    {
        var q = Query(("from", "2024-05-10"), ("to", "2024-05-10"));
        Assert.Equal(Ms(2024, 5, 10), q.From);
        Assert.Equal(EndOfDay(2024, 5, 10), q.To);
    }

    [Fact]
    public void Date_times_are_exact_instants()
    {
        var q = Query(("from", "2024-05-01T09:15:00Z"), ("to", "2024-05-01T12:00:00.250+02:00"));
        Assert.Equal(Ms(2024, 5, 1, 9, 15), q.From);
        Assert.Equal(Ms(2024, 5, 1, 10, 0, 0, 250), q.To);
    }

    [Fact]
    public void Integers_are_epoch_milliseconds()
    {
        var q = Query(("from", "1714557600000"), ("to", "1714561200000"));
        Assert.Equal(1714557600000, q.From);
        Assert.Equal(1714561200000, q.To);
        Assert.Equal(0, Query(("from", "0")).From);
    }

    [Fact]
    public void From_alone_and_to_alone_leave_the_other_end_open()
    {
        var from = Query(("from", "2024-05-01"));
        Assert.Equal(Ms(2024, 5, 1), from.From);
        Assert.Null(from.To);

        var to = Query(("to", "2024-05-01"));
        Assert.Null(to.From);
        Assert.Equal(EndOfDay(2024, 5, 1), to.To);
    }

    [Theory]
    [InlineData("from", "yesterday")]
    [InlineData("from", "2024-13-01")]
    [InlineData("from", "2024-5-1")]
    [InlineData("from", "")]
    [InlineData("to", "2024-02-30")]
    [InlineData("to", "1e12")]
    [InlineData("to", "999999999999999999")]
    public void Bad_dates_are_rejected(string name, string value)
    {
        AssertInvalid(name, (name, value));
    }

    [Fact]
    public void From_after_to_is_rejected()
    {
        var ex = AssertInvalid("from", ("from", "2024-05-11"), ("to", "2024-05-10"));
        Assert.Contains("to", ex.Message);
        AssertInvalid("from", ("from", "2024-05-10T00:00:00.001Z"), ("to", "2024-05-10T00:00:00Z"));
        // Equal instants are a valid one-millisecond window.
        var q = Query(("from", "1000"), ("to", "1000"));
        Assert.Equal((1000L, 1000L), (q.From!.Value, q.To!.Value));
    }

    [Fact]
    public void On_is_the_whole_day()
    {
        var q = Query(("on", "2024-02-29"));
        Assert.Equal(Ms(2024, 2, 29), q.From);
        Assert.Equal(EndOfDay(2024, 2, 29), q.To);
    }

    [Theory]
    [InlineData("2024-02-30")]
    [InlineData("2024-02-29T10:00:00Z")]
    [InlineData("1714557600000")]
    [InlineData("")]
    public void On_takes_only_a_date(string value)
    {
        AssertInvalid("on", ("on", value));
    }

    [Theory]
    [InlineData("from", "2024-01-01")]
    [InlineData("to", "2024-01-01")]
    [InlineData("range", "5d")]
    public void On_cannot_be_combined_with_other_ranges(string name, string value)
    {
        var ex = AssertInvalid("on", ("on", "2024-01-02"), (name, value));
        Assert.Contains($"'{name}'", ex.Message);
    }

    [Theory]
    [InlineData("from")]
    [InlineData("to")]
    public void Range_cannot_be_combined_with_from_or_to(string name)
    {
        var ex = AssertInvalid("range", ("range", "5d"), (name, "2024-01-01"));
        Assert.Contains($"'{name}'", ex.Message);
    }

    [Fact]
    public void Range_sets_the_window_relative_to_now()
    {
        var q = Query(("range", "Last-Week"));
        Assert.Equal(Ms(2024, 5, 6), q.From);
        Assert.Equal(EndOfDay(2024, 5, 12), q.To);

        var rolling = Query(("range", "5d"));
        Assert.Equal(Ms(2024, 5, 10, 12, 34, 56), rolling.From);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), rolling.To);

        var quarter = Query(("range", "q22024"));
        Assert.Equal(Ms(2024, 4, 1), quarter.From);
        Assert.Equal(EndOfDay(2024, 6, 30), quarter.To);
    }

    [Fact]
    public void An_unknown_range_is_rejected_listing_the_accepted_forms()
    {
        var ex = AssertInvalid("range", ("range", "fortnight"));
        Assert.Contains("fortnight", ex.Message);
        Assert.Contains("last-week", ex.Message);
        Assert.Contains("Q1YYYY", ex.Message);
    }

    // ---- Shape -----------------------------------------------------------------------------------------

    [Fact]
    public void Filter_lists_the_properties_to_return()
    {
        Assert.Equal(["close", "volume"], Query(("filter", "close,volume")).Properties!);
        Assert.Null(Query().Properties);
    }

    [Fact]
    public void Filter_drops_case_insensitive_duplicates_keeping_the_first_spelling()
    {
        Assert.Equal(["Close", "volume"], Query(("filter", "Close,volume,close")).Properties!);
    }

    [Fact]
    public void Filter_does_not_check_the_schema()
    {
        Assert.Equal(["noSuchProperty"], Query(("filter", "noSuchProperty")).Properties!);
    }

    [Theory]
    [InlineData("close,,volume")]
    [InlineData("close,")]
    [InlineData("")]
    [InlineData("bad-name")]
    [InlineData("_systemRecordProperties")]
    public void Bad_filters_are_rejected(string value)
    {
        AssertInvalid("filter", ("filter", value));
    }

    [Fact]
    public void Subattribute_parses_equals_and_not_equals_conditions_in_order()
    {
        Assert.Equal(
            [new AttributeCondition("sector", true, "Tech"), new AttributeCondition("price", false, "0")],
            Query(("subattribute", "sector|Tech,price~0")).Conditions);
    }

    [Fact]
    public void Subattribute_splits_at_the_first_operator()
    {
        Assert.Equal([new AttributeCondition("a", true, "b~c|d")], Query(("subattribute", "a|b~c|d")).Conditions);
        Assert.Equal([new AttributeCondition("a", false, "b|c")], Query(("subattribute", "a~b|c")).Conditions);
    }

    [Fact]
    public void Subattribute_values_may_be_empty()
    {
        Assert.Equal(
            [new AttributeCondition("note", true, ""), new AttributeCondition("tag", false, "")],
            Query(("subattribute", "note|,tag~")).Conditions);
    }

    [Theory]
    [InlineData("sector")]
    [InlineData("|Tech")]
    [InlineData("~Tech")]
    [InlineData("bad-name|x")]
    [InlineData("sector|Tech,")]
    [InlineData("sector|Tech,,price~0")]
    [InlineData("")]
    public void Malformed_subattributes_are_rejected(string value)
    {
        AssertInvalid("subattribute", ("subattribute", value));
    }

    [Theory]
    [InlineData("json", "json")]
    [InlineData("JSON", "json")]
    [InlineData("csv", "csv")]
    [InlineData("Csv", "csv")]
    public void Format_is_json_or_csv(string value, string expected)
    {
        Assert.Equal(expected, Parse(("format", value)).Format);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("")]
    public void Other_formats_are_rejected(string value)
    {
        AssertInvalid("format", ("format", value));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    public void Include_system_record_properties_is_a_boolean(string value, bool expected)
    {
        Assert.Equal(expected, Parse(("includeSystemRecordProperties", value)).IncludeSystemRecordProperties);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(" true")]
    public void Include_system_record_properties_rejects_non_booleans(string value)
    {
        AssertInvalid("includeSystemRecordProperties", ("includeSystemRecordProperties", value));
    }

    // ---- Parameters in general -------------------------------------------------------------------------

    [Fact]
    public void Parameter_names_are_case_insensitive()
    {
        var request = Parse(("LAST", "4"), ("Sort", "ASC"), ("FORMAT", "csv"), ("IncludeSystemRecordProperties", "true"), ("Filter", "a"));
        Assert.Equal(4, request.Query.Limit);
        Assert.Equal(SortOrder.Ascending, request.Query.Sort);
        Assert.Equal("csv", request.Format);
        Assert.True(request.IncludeSystemRecordProperties);
        Assert.Equal(["a"], request.Query.Properties!);
    }

    [Fact]
    public void The_first_value_of_a_repeated_parameter_wins()
    {
        Assert.Equal(2, Query(("last", "2"), ("LAST", "3")).Limit);
        // The later, invalid spelling is ignored rather than reported.
        Assert.Equal(2, Query(("last", "2"), ("Last", "zero")).Limit);
    }

    [Fact]
    public void Unknown_parameters_and_token_are_ignored()
    {
        var request = Parse(("token", "sk_secret"), ("foo", "bar"), ("callback", null));
        Assert.Equal(1, request.Query.Limit);
        Assert.Equal("json", request.Format);
    }

    [Fact]
    public void Every_bad_parameter_is_reported_at_once()
    {
        var ex = AssertInvalid(
            () => QueryParser.Parse("DS,bad-name", "", null,
                Q(("last", "0"), ("sort", "sideways"), ("format", "xml"), ("range", "bogus"), ("filter", "a-b"),
                  ("subattribute", "x"), ("offset", "-3"), ("includeSystemRecordProperties", "maybe")), Now),
            "datasetId", "key", "last", "sort", "format", "range", "filter", "subattribute", "offset", "includeSystemRecordProperties");
        Assert.Equal(10, ex.Errors.Length);
    }
}
