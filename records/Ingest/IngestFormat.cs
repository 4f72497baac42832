namespace Apperate.Actors.Ingest;

/// <summary>The body formats of a batch load (<c>POST /v1/data</c>).</summary>
public enum IngestFormat
{
    /// <summary>RFC 4180 CSV with a header row; comma, tab or pipe delimited.</summary>
    Csv,
    /// <summary>A JSON array of record objects.</summary>
    Json,
    /// <summary>One JSON record object per line.</summary>
    Ndjson,
}

/// <summary>Chooses the <see cref="IngestFormat"/> of a body from its <c>Content-Type</c> or its first bytes.</summary>
public static class IngestFormats
{
    /// <summary>
    /// The format a <c>Content-Type</c> names: <c>text/csv</c>, <c>application/csv</c>,
    /// <c>text/tab-separated-values</c> → CSV; <c>application/json</c>, <c>text/json</c> → JSON;
    /// <c>application/x-ndjson</c>, <c>application/ndjson</c>, <c>application/jsonl</c>,
    /// <c>application/x-jsonlines</c> → NDJSON. Null when absent or generic (<c>text/plain</c>,
    /// <c>application/octet-stream</c>, <c>application/x-www-form-urlencoded</c>, <c>*/*</c>): sniff the body then.
    /// Parameters are ignored except <c>charset</c>, which must be UTF-8 (or its subset US-ASCII).
    /// </summary>
    /// <exception cref="ArgumentException">The type, or its charset, is not supported (answer 415); the message names it.</exception>
    public static IngestFormat? FromContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return null;
        var text = contentType.AsSpan();
        var semicolon = text.IndexOf(';');
        var media = (semicolon < 0 ? text : text[..semicolon]).Trim();
        if (semicolon >= 0) CheckCharset(contentType, text[(semicolon + 1)..]);

        if (Is(media, "text/csv") || Is(media, "application/csv") || Is(media, "text/tab-separated-values") || Is(media, "text/comma-separated-values"))
            return IngestFormat.Csv;
        if (Is(media, "application/json") || Is(media, "text/json"))
            return IngestFormat.Json;
        if (Is(media, "application/x-ndjson") || Is(media, "application/ndjson") || Is(media, "application/jsonl")
            || Is(media, "application/x-jsonlines") || Is(media, "application/jsonlines") || Is(media, "application/x-jsonl"))
            return IngestFormat.Ndjson;
        if (media.IsEmpty || Is(media, "text/plain") || Is(media, "application/octet-stream") || Is(media, "application/x-www-form-urlencoded") || Is(media, "*/*"))
            return null;
        throw new ArgumentException(
            $"unsupported Content-Type '{contentType}': send text/csv, application/json or application/x-ndjson (or text/plain to have the format detected)",
            nameof(contentType));
    }

    /// <summary>
    /// Guesses the format from the first bytes of a body: after a UTF-8 byte order mark and whitespace, <c>[</c>
    /// means JSON, <c>{</c> NDJSON, anything else (or nothing) CSV.
    /// </summary>
    public static IngestFormat Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("\uFEFF"u8)) head = head[3..];
        var i = head.IndexOfAnyExcept(" \t\r\n"u8);
        if (i < 0) return IngestFormat.Csv;
        return head[i] switch
        {
            (byte)'[' => IngestFormat.Json,
            (byte)'{' => IngestFormat.Ndjson,
            _ => IngestFormat.Csv,
        };
    }

    private static bool Is(ReadOnlySpan<char> media, string name) => media.Equals(name, StringComparison.OrdinalIgnoreCase);

    private static void CheckCharset(string contentType, ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            var eq = parameter.IndexOf('=');
            if (eq < 0 || !parameter[..eq].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)) continue;
            var charset = parameter[(eq + 1)..].Trim().Trim('"');
            if (!(charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
                  || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"unsupported charset in Content-Type '{contentType}': bodies must be UTF-8", nameof(contentType));
        }
    }
}
