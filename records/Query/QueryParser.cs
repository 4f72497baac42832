using System.Globalization;
using System.Text;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Query;

/// <summary>A validated <c>GET /v1/data/:workspace/:ids[/:keys[/:subkeys]]</c> request.</summary>
/// <param name="Datasets">Dataset ids from the path, in request order (duplicates kept as given).</param>
/// <param name="Selectors">Keys × subkeys in request order (key-major); <c>[KeySelector.All]</c> when the path has no key segment.</param>
/// <param name="Query">The query applied to every dataset and selector.</param>
/// <param name="Format"><c>json</c> or <c>csv</c>.</param>
/// <param name="IncludeSystemRecordProperties">True to add <c>_systemRecordProperties</c> to each record.</param>
/// <param name="QueryId">An incremental query's id (<c>queryId</c>): later calls answer only what changed since the previous one.</param>
public sealed record ParsedDataRequest(
    string[] Datasets,
    KeySelector[] Selectors,
    DataQuery Query,
    string Format,
    bool IncludeSystemRecordProperties,
    string? QueryId = null);

/// <summary>Plans a data query from the path segments and query string of <c>GET /v1/data</c>.</summary>
/// <remarks>
/// <para><b>Parameters.</b> Names are case-insensitive and the first value of a repeated parameter wins
/// (the caller passes the query string in request order, first value of each name).
/// Unknown parameters (and <c>token</c>) are ignored. A parameter given with an empty value is invalid
/// rather than absent. Every invalid parameter is reported in one 400, one <see cref="FieldError"/> per
/// problem, with the parameter's name as the field.</para>
/// <para><b>Batches.</b> The dataset, key and subkey segments are lists split on <c>batchSeparator</c>
/// (default <c>,</c>; 1–3 characters). Empty items are invalid. Dataset ids follow the naming rules
/// (<see cref="Names.Check"/>). Keys and subkeys are free text of at most 1,500 UTF-8 bytes each; the caller
/// URL-decodes them, so a separator encoded in a key is still a separator. Results go in request order,
/// duplicates included. At most <see cref="MaxBatchPairs"/> dataset × key × subkey combinations per request.
/// When <c>batchSeparator</c> itself is invalid the path is not checked, since any split would be a guess.</para>
/// <para><b>How many.</b> Without a range (<c>from</c>, <c>to</c>, <c>on</c>, <c>range</c>) and without
/// <c>last</c>/<c>first</c>/<c>limit</c>, only the newest record is returned. <c>last=N</c> selects the newest N
/// (newest first), <c>first=N</c> the oldest N (oldest first); both together are invalid. <c>limit=N</c> caps
/// the count: alone it selects the newest N, with <c>last</c>/<c>first</c> the smaller number wins. With a
/// range and none of the three, every record in the range is returned. N is 1–1,000,000.
/// <c>interval=N</c> (1–1,000,000, default 1) keeps every Nth record counted from the selected end, then
/// <c>offset</c> (≥ 0, default 0) skips that many, then the count applies. <c>sort=asc|desc</c> only changes
/// the output order, never which records are selected.</para>
/// <para><b>Dates.</b> <c>from</c> and <c>to</c> are inclusive and take <c>YYYY-MM-DD</c> (<c>from</c> is the
/// start of that day, <c>to</c> the end of it), an ISO 8601 date-time (that instant; UTC when no offset is
/// given) or integer epoch milliseconds. <c>on=YYYY-MM-DD</c> is that whole day and cannot be combined with
/// <c>from</c>, <c>to</c> or <c>range</c>; <c>range</c> (see <see cref="DateRanges"/>) cannot be combined with
/// <c>from</c>/<c>to</c>. <c>from</c> after <c>to</c> is invalid. All dates are UTC.</para>
/// <para><b>Shape.</b> <c>filter=a,b</c> names the properties to return (valid names; duplicates are dropped,
/// case-insensitively, keeping the first spelling; existence is checked by the caller against the schema).
/// <c>subattribute=field|value,field~value</c> adds equals (<c>|</c>) / not-equals (<c>~</c>) conditions that
/// must all hold; each item splits at its first <c>|</c> or <c>~</c>, so values may contain those characters
/// but not commas, and may be empty. <c>format=json|csv</c> (default json) and
/// <c>includeSystemRecordProperties=true|false</c> (default false) are case-insensitive.</para>
/// <para><b>Incremental.</b> <c>queryId</c> (1–128 of letters, digits, <c>_ - . :</c>) names an incremental query; the
/// caller keeps its position (see <c>IQueryCursorGrain</c>).</para>
/// </remarks>
public static class QueryParser
{
    /// <summary>The most dataset × key × subkey combinations one request may ask for.</summary>
    public const int MaxBatchPairs = 2000;

    /// <summary>The largest count accepted by <c>last</c>, <c>first</c>, <c>limit</c> and <c>interval</c>.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>The largest key or subkey, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1500;

    /// <summary>The longest <c>queryId</c>.</summary>
    public const int MaxQueryIdLength = 128;

    /// <summary>The longest <c>batchSeparator</c>.</summary>
    public const int MaxSeparatorLength = 3;

    private const string DefaultSeparator = ",";

    /// <summary>Validates a data request and plans its query.</summary>
    /// <param name="datasets">The raw dataset-id path segment.</param>
    /// <param name="keys">The raw (URL-decoded) key segment, or null when absent.</param>
    /// <param name="subkeys">The raw (URL-decoded) subkey segment, or null when absent.</param>
    /// <param name="query">Query-string parameters.</param>
    /// <param name="now">The current time, for relative ranges.</param>
    /// <exception cref="ApperateException">Kind <see cref="ErrorKind.Invalid"/>, listing every bad parameter.</exception>
    /// <exception cref="ArgumentException">Subkeys without keys, which no route can produce.</exception>
    public static ParsedDataRequest Parse(string datasets, string? keys, string? subkeys, IReadOnlyDictionary<string, string?> query, DateTimeOffset now)
    {
        if (keys is null && subkeys is not null)
            throw new ArgumentException("A subkey segment needs a key segment.", nameof(subkeys));

        var p = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in query)
            p.TryAdd(name, value ?? "");

        var errors = new List<FieldError>();
        void Fail(string field, string reason) => errors.Add(new FieldError(null, field, reason));

        // Path.
        string[] datasetIds = [];
        KeySelector[] selectors = [KeySelector.All];
        var separator = DefaultSeparator;
        if (p.TryGetValue("batchSeparator", out var sep))
        {
            separator = sep;
            if (sep.Length == 0) Fail("batchSeparator", "must not be empty");
            else if (sep.Length > MaxSeparatorLength) Fail("batchSeparator", $"must be at most {MaxSeparatorLength} characters");
        }
        if (errors.Count == 0)
            (datasetIds, selectors) = ParsePath(datasets, keys, subkeys, separator, Fail);

        // How many, and from which end.
        var last = Count(p, "last", Fail);
        var first = Count(p, "first", Fail);
        var limit = Count(p, "limit", Fail);
        var interval = Count(p, "interval", Fail) ?? 1;
        var offset = 0;
        if (p.TryGetValue("offset", out var offsetText) && !TryParseNonNegative(offsetText, out offset))
            Fail("offset", "must be a non-negative integer");
        if (last is not null && first is not null)
            Fail("first", "cannot be combined with 'last'");

        var sort = first is not null ? SortOrder.Ascending : SortOrder.Descending;
        if (p.TryGetValue("sort", out var sortText))
        {
            if (sortText.Equals("asc", StringComparison.OrdinalIgnoreCase)) sort = SortOrder.Ascending;
            else if (sortText.Equals("desc", StringComparison.OrdinalIgnoreCase)) sort = SortOrder.Descending;
            else Fail("sort", "must be 'asc' or 'desc'");
        }

        var (from, to, hasRange) = ParseDates(p, now, Fail);

        int? count = (last ?? first, limit) switch
        {
            (int n, int l) => Math.Min(n, l),
            (int n, null) => n,
            (null, int l) => l,
            (null, null) => hasRange ? null : 1,
        };

        // Shape.
        string[]? properties = null;
        if (p.TryGetValue("filter", out var filter))
            properties = ParseFilter(filter, Fail);
        AttributeCondition[] conditions = [];
        if (p.TryGetValue("subattribute", out var subattribute))
            conditions = ParseConditions(subattribute, Fail);

        var format = "json";
        if (p.TryGetValue("format", out var formatText))
        {
            format = formatText.ToLowerInvariant();
            if (format is not ("json" or "csv")) Fail("format", "must be 'json' or 'csv'");
        }
        var includeSystem = false;
        if (p.TryGetValue("includeSystemRecordProperties", out var includeText))
        {
            if (includeText.Equals("true", StringComparison.OrdinalIgnoreCase)) includeSystem = true;
            else if (!includeText.Equals("false", StringComparison.OrdinalIgnoreCase)) Fail("includeSystemRecordProperties", "must be 'true' or 'false'");
        }

        string? queryId = null;
        if (p.TryGetValue("queryId", out var queryIdText))
        {
            if (queryIdText.Length is 0 or > MaxQueryIdLength || !queryIdText.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':'))
                Fail("queryId", $"must be 1-{MaxQueryIdLength} characters of letters, digits, '_', '-', '.' and ':'");
            else queryId = queryIdText;
        }

        if (errors.Count > 0)
            throw new ApperateException(ErrorKind.Invalid, "Invalid data request: " + string.Join("; ", errors), errors);

        var dataQuery = new DataQuery(from, to, count, offset, first is not null, sort, interval, conditions, properties);
        return new ParsedDataRequest(datasetIds, selectors, dataQuery, format, includeSystem, queryId);
    }

    private static (string[] Datasets, KeySelector[] Selectors) ParsePath(
        string datasets, string? keys, string? subkeys, string separator, Action<string, string> fail)
    {
        var datasetIds = datasets.Split(separator);
        var datasetsOk = true;
        foreach (var id in datasetIds)
        {
            if (Names.Check(id) is { } reason)
            {
                fail("datasetId", id.Length == 0 ? "must not be empty" : $"'{Shorten(id)}' {reason}");
                datasetsOk = false;
            }
        }

        var keyList = keys is null ? null : SplitKeys(keys, separator, "key", fail);
        var subkeyList = subkeys is null ? null : SplitKeys(subkeys, separator, "subkey", fail);

        // Checked on the item counts even when items are bad, so one 400 tells the whole story.
        var pairs = (long)datasetIds.Length * (keyList?.Length ?? 1) * (subkeyList?.Length ?? 1);
        if (pairs > MaxBatchPairs)
            fail("batch", $"{pairs} dataset × key × subkey combinations requested; at most {MaxBatchPairs} are allowed");

        if (!datasetsOk || keyList is null) return (datasetIds, [KeySelector.All]);
        var selectors = new KeySelector[keyList.Length * (subkeyList?.Length ?? 1)];
        var i = 0;
        foreach (var key in keyList)
        {
            if (subkeyList is null)
                selectors[i++] = new KeySelector(key, null);
            else
                foreach (var subkey in subkeyList)
                    selectors[i++] = new KeySelector(key, subkey);
        }
        return (datasetIds, selectors);
    }

    private static string[] SplitKeys(string segment, string separator, string field, Action<string, string> fail)
    {
        var items = segment.Split(separator);
        var reportedEmpty = false;
        foreach (var item in items)
        {
            if (item.Length == 0)
            {
                // One report per segment is enough: "a,,b," is one mistake, not two.
                if (!reportedEmpty) fail(field, "must not be empty");
                reportedEmpty = true;
            }
            else if (Encoding.UTF8.GetByteCount(item) > MaxKeyBytes)
            {
                fail(field, $"'{Shorten(item)}' is longer than {MaxKeyBytes} UTF-8 bytes");
            }
        }
        return items;
    }

    private static string Shorten(string text) => text.Length <= 32 ? text : string.Concat(text.AsSpan(0, 32), "…");

    private static int? Count(Dictionary<string, string> p, string name, Action<string, string> fail)
    {
        if (!p.TryGetValue(name, out var text)) return null;
        if (TryParseNonNegative(text, out var n) && n is >= 1 and <= MaxCount) return n;
        fail(name, $"must be an integer from 1 to {MaxCount}");
        return null;
    }

    private static bool TryParseNonNegative(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static (long? From, long? To, bool HasRange) ParseDates(Dictionary<string, string> p, DateTimeOffset now, Action<string, string> fail)
    {
        var hasFrom = p.TryGetValue("from", out var fromText);
        var hasTo = p.TryGetValue("to", out var toText);
        var hasOn = p.TryGetValue("on", out var onText);
        var hasRange = p.TryGetValue("range", out var rangeText);
        long? from = null, to = null;

        if (hasOn && (hasFrom || hasTo || hasRange))
        {
            var others = new[] { (hasFrom, "from"), (hasTo, "to"), (hasRange, "range") }.Where(o => o.Item1).Select(o => $"'{o.Item2}'");
            fail("on", $"cannot be combined with {string.Join(", ", others)}");
        }
        if (hasRange && (hasFrom || hasTo))
            fail("range", $"cannot be combined with {(hasFrom && hasTo ? "'from' and 'to'" : hasFrom ? "'from'" : "'to'")}");

        if (hasFrom)
        {
            if (DateValues.TryParseBound(fromText!, endOfDay: false, out var ms)) from = ms;
            else fail("from", "must be YYYY-MM-DD, an ISO 8601 date-time or epoch milliseconds");
        }
        if (hasTo)
        {
            if (DateValues.TryParseBound(toText!, endOfDay: true, out var ms)) to = ms;
            else fail("to", "must be YYYY-MM-DD, an ISO 8601 date-time or epoch milliseconds");
        }
        if (from > to)
            fail("from", "must not be after 'to'");

        if (hasOn)
        {
            if (DateValues.TryParseDate(onText, out var start))
            {
                from = start;
                to = DateValues.EndOfDayEpochMs(DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(start).UtcDateTime));
            }
            else fail("on", "must be a date YYYY-MM-DD");
        }
        if (hasRange)
        {
            if (DateRanges.TryParse(rangeText!, now, out var start, out var end))
            {
                from = start;
                to = end;
            }
            else fail("range", $"'{Shorten(rangeText!)}' is not a known range; use one of: {DateRanges.AcceptedForms}");
        }
        return (from, to, hasFrom || hasTo || hasOn || hasRange);
    }

    private static string[]? ParseFilter(string filter, Action<string, string> fail)
    {
        var names = filter.Split(',');
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>(names.Length);
        var ok = true;
        foreach (var name in names)
        {
            if (Names.Check(name) is { } reason)
            {
                fail("filter", name.Length == 0 ? "property names must not be empty" : $"'{Shorten(name)}' {reason}");
                ok = false;
            }
            else if (seen.Add(name))
            {
                result.Add(name);
            }
        }
        return ok ? [.. result] : null;
    }

    private static AttributeCondition[] ParseConditions(string text, Action<string, string> fail)
    {
        var items = text.Split(',');
        var conditions = new List<AttributeCondition>(items.Length);
        foreach (var item in items)
        {
            var at = item.AsSpan().IndexOfAny('|', '~');
            if (at < 0)
            {
                fail("subattribute", $"'{Shorten(item)}' must be field|value (equals) or field~value (not equals)");
                continue;
            }
            var field = item[..at];
            if (Names.Check(field) is { } reason)
            {
                fail("subattribute", field.Length == 0 ? $"'{Shorten(item)}' has no field name" : $"field '{Shorten(field)}' {reason}");
                continue;
            }
            conditions.Add(new AttributeCondition(field, item[at] == '|', item[(at + 1)..]));
        }
        return [.. conditions];
    }
}
