namespace Apperate.Actors.Gateway.Http;

/// <summary>Path-segment helpers shared by the data endpoints.</summary>
public static class PathSegment
{
    /// <summary>
    /// Kestrel decodes every escape in the path except <c>%2F</c>, so a key containing '/' arrives still escaped;
    /// only that escape is undone here (anything else was already decoded once).
    /// </summary>
    public static string? Unescape(string? segment) =>
        segment is null || !segment.Contains('%') ? segment : segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
}
