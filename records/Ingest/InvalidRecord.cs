namespace Apperate.Actors.Ingest;

/// <summary>A record a batch load rejected.</summary>
/// <param name="Line">The 1-based line where the record starts (CSV: physical line, the header is line 1; NDJSON: the line; JSON array: the line where the element starts).</param>
/// <param name="Raw">The record's text as written, without its line ending, cut to 8 KB.</param>
/// <param name="Field">The property (or column) at fault, or null when the record as a whole is.</param>
/// <param name="Reason">Why it was rejected; when several properties are at fault, all of them as <c>field: reason</c> separated by <c>; </c>.</param>
public sealed record InvalidRecord(long Line, string Raw, string? Field, string Reason);
