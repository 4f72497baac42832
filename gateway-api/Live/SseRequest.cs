using System.Globalization;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Gateway.Live;

/// <summary>
/// The parameters of <c>GET /v1/sse/:workspace/:dataset[/:key]</c>, checked before any stream starts: a bad value is a
/// 400 naming the parameter.
/// </summary>
/// <param name="Keys">The keys to follow (the path's key and <c>symbols</c>); null follows every key.</param>
/// <param name="Snapshot">What to send first when not resuming.</param>
/// <param name="SnapshotAsOf">With <see cref="SnapshotKind.UpdatedSince"/>: the records written at or after this time, epoch ms.</param>
/// <param name="LastEventId">Resume after this sequence (<c>Last-Event-ID</c>, or <c>lastEventId</c> in the query).</param>
/// <param name="Filter">The properties each record carries (<c>filter</c>); null carries all.</param>
/// <param name="Interval">Conflation: at most one record per key per interval; null sends every record.</param>
/// <param name="IncludeEvents">Also send <c>persist=false</c> events (frames without an id).</param>
/// <param name="IncludeSystem">Add <c>_systemRecordProperties</c> to each record, as <c>GET /data</c> does.</param>
public sealed record SseRequest(
    string[]? Keys,
    SnapshotKind Snapshot,
    long SnapshotAsOf,
    long? LastEventId,
    string[]? Filter,
    TimeSpan? Interval,
    bool IncludeEvents,
    bool IncludeSystem)
{
    /// <summary>Reads and checks the request; <paramref name="definition"/> names the properties <c>filter</c> may use.</summary>
    public static SseRequest Parse(HttpRequest request, string? key, DatasetDefinition definition)
    {
        var keys = new List<string>();
        if (!string.IsNullOrEmpty(key)) keys.Add(key);
        if (request.Query.TryGetValue("symbols", out var symbols) && !string.IsNullOrEmpty(symbols[0]))
        {
            foreach (var symbol in symbols[0]!.Split(',', StringSplitOptions.TrimEntries))
            {
                if (symbol.Length == 0) throw ProblemException.BadRequest("symbols", "has an empty entry");
                if (!keys.Contains(symbol, StringComparer.Ordinal)) keys.Add(symbol);
            }
        }

        var noSnapshot = QueryOptions.Bool(request, "nosnapshot", false);
        long asOf = 0;
        var snapshot = noSnapshot ? SnapshotKind.None : SnapshotKind.Latest;
        if (request.Query.TryGetValue("snapshotAsOf", out var since) && !string.IsNullOrEmpty(since[0]))
        {
            if (noSnapshot) throw ProblemException.BadRequest("snapshotAsOf", "cannot be given with nosnapshot=true");
            if (!DateValues.TryParseBound(since[0]!, endOfDay: false, out asOf))
                throw ProblemException.BadRequest("snapshotAsOf", $"'{since[0]}' is not epoch milliseconds, an ISO date-time or YYYY-MM-DD");
            snapshot = SnapshotKind.UpdatedSince;
        }

        // The header is what a browser's EventSource sends when it reconnects; the query parameter is for clients that cannot set it.
        long? lastEventId = null;
        var header = request.Headers["Last-Event-ID"].ToString();
        if (header.Length > 0) lastEventId = Sequence(header, "Last-Event-ID");
        else if (request.Query.TryGetValue("lastEventId", out var id) && !string.IsNullOrEmpty(id[0])) lastEventId = Sequence(id[0]!, "lastEventId");

        string[]? filter = null;
        if (request.Query.TryGetValue("filter", out var fields) && !string.IsNullOrEmpty(fields[0]))
        {
            filter = fields[0]!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i < filter.Length; i++)
                filter[i] = definition.Schema.Find(filter[i])?.Name
                    ?? throw ProblemException.BadRequest("filter", $"dataset '{definition.DatasetId}' has no property '{filter[i]}'");
        }

        TimeSpan? interval = null;
        if (request.Query.TryGetValue("interval", out var every) && !string.IsNullOrEmpty(every[0]))
        {
            interval = every[0]!.ToLowerInvariant() switch
            {
                "1second" => TimeSpan.FromSeconds(1),
                "5second" => TimeSpan.FromSeconds(5),
                "1minute" => TimeSpan.FromMinutes(1),
                var other => throw ProblemException.BadRequest("interval", $"'{other}' is not 1Second, 5Second or 1Minute"),
            };
        }

        return new SseRequest(keys.Count == 0 ? null : [.. keys], snapshot, asOf, lastEventId, filter, interval,
            QueryOptions.Bool(request, "includeEvents", false), QueryOptions.Bool(request, "includeSystemRecordProperties", false));
    }

    private static long Sequence(string text, string name) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw ProblemException.BadRequest(name, $"'{text}' is not an event id this service sent (a non-negative integer)");
}

/// <summary>What a subscription that does not resume is sent first.</summary>
public enum SnapshotKind
{
    /// <summary>Nothing (<c>nosnapshot=true</c>): only what is committed from now on.</summary>
    None,
    /// <summary>The latest record of each key asked for; without keys, the latest 100 records.</summary>
    Latest,
    /// <summary>Every record written since <see cref="SseRequest.SnapshotAsOf"/> (<c>snapshotAsOf</c>).</summary>
    UpdatedSince,
}
