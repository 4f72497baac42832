using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Errors;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Gateway.Http;

/// <summary>Parses write options from the query string; a bad value is a 400 naming the parameter.</summary>
public static class QueryOptions
{
    public static bool Bool(HttpRequest request, string name, bool defaultValue)
    {
        if (!request.Query.TryGetValue(name, out var values) || string.IsNullOrEmpty(values[0])) return defaultValue;
        return values[0]!.ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            var other => throw ProblemException.BadRequest(name, $"'{other}' is not true or false"),
        };
    }

    /// <summary>An integer parameter from <paramref name="min"/> to <paramref name="max"/>; 400 naming it otherwise.</summary>
    public static long Integer(HttpRequest request, string name, long defaultValue, long min, long max)
    {
        if (!request.Query.TryGetValue(name, out var values) || string.IsNullOrEmpty(values[0])) return defaultValue;
        return long.TryParse(values[0], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw ProblemException.BadRequest(name, $"'{values[0]}' is not an integer from {min} to {max}");
    }

    /// <summary><c>duplicateKeyHandling</c>: <c>ignore</c> (default) or <c>replace</c>; <c>true</c> = replace, <c>false</c> = ignore.</summary>
    public static DuplicateKeyHandling Duplicates(HttpRequest request)
    {
        if (!request.Query.TryGetValue("duplicateKeyHandling", out var values) || string.IsNullOrEmpty(values[0])) return DuplicateKeyHandling.Ignore;
        return values[0]!.ToLowerInvariant() switch
        {
            "ignore" or "false" => DuplicateKeyHandling.Ignore,
            "replace" or "true" => DuplicateKeyHandling.Replace,
            var other => throw ProblemException.BadRequest("duplicateKeyHandling", $"'{other}' is not ignore, replace, true or false"),
        };
    }

    /// <summary>Every query-string parameter (first value), names compared ignoring case.</summary>
    public static IReadOnlyDictionary<string, string?> All(HttpRequest request)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in request.Query) all.TryAdd(k, v.Count > 0 ? v[0] : null);
        return all;
    }
}
