using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Apperate.Actors.Rules.Engine;

/// <summary>The parts of a fact as written: <c>WORKSPACE:DATASET:DATASET_ID:property[.nested.path]</c>.</summary>
internal sealed record FactParts(string Workspace, string Namespace, string Dataset, string Property, string[] Path);

/// <summary>Reads and writes the text forms a rule uses for facts: full facts and <c>$index[i]</c> references.</summary>
internal static class FactText
{
    /// <summary>The only fact namespace.</summary>
    public const string DatasetNamespace = "DATASET";

    private const string IndexPrefix = "$index";

    /// <summary>Splits a full fact; false when it does not have four non-empty parts or its property path has an empty segment.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out FactParts? parts)
    {
        parts = null;
        var segments = text.Split(':');
        if (segments.Length != 4 || Array.Exists(segments, s => s.Length == 0)) return false;
        if (!TryParsePath(segments[3], out var property, out var path)) return false;
        parts = new FactParts(segments[0], segments[1], segments[2], property, path);
        return true;
    }

    /// <summary>Splits <c>property[.nested.path]</c>; false when a segment is empty.</summary>
    public static bool TryParsePath(string text, [NotNullWhen(true)] out string? property, out string[] path)
    {
        var segments = text.Split('.');
        property = null;
        path = [];
        if (Array.Exists(segments, s => s.Length == 0)) return false;
        property = segments[0];
        path = segments[1..];
        return true;
    }

    /// <summary>The normalized text of a fact.</summary>
    public static string Format(string workspace, string datasetId, string property, string[] path) =>
        path.Length == 0
            ? $"{workspace}:{DatasetNamespace}:{datasetId}:{property}"
            : $"{workspace}:{DatasetNamespace}:{datasetId}:{property}.{string.Join('.', path)}";

    /// <summary>True when <paramref name="text"/> is meant as a <c>$index[i]</c> reference (well formed or not); other text is a literal or a name.</summary>
    public static bool IsIndexReference(string text) => text.StartsWith(IndexPrefix + "[", StringComparison.Ordinal);

    /// <summary>Reads <c>$index[i]</c>; false when malformed.</summary>
    public static bool TryParseIndexReference(string text, out int index)
    {
        index = -1;
        if (!text.StartsWith(IndexPrefix + "[", StringComparison.Ordinal) || !text.EndsWith(']')) return false;
        var digits = text.AsSpan(IndexPrefix.Length + 1, text.Length - IndexPrefix.Length - 2);
        return digits.Length is > 0 and <= 6 && !digits.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    /// <summary>The reference to fact <paramref name="index"/>.</summary>
    public static string IndexReference(int index) => $"{IndexPrefix}[{index.ToString(CultureInfo.InvariantCulture)}]";
}
