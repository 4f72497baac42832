using System.Text.RegularExpressions;

namespace Apperate.Actors;

/// <summary>
/// The naming rules shared by workspaces, datasets, properties and connectors, and the grain keys built from them.
/// </summary>
/// <remarks>
/// Names match <c>^[A-Za-z0-9_]{1,64}$</c> (connector names also allow <c>-</c>); names that start with
/// <c>_system</c> in any case are reserved. Lookups are case-insensitive, so grain keys use the upper-case form.
/// </remarks>
public static partial class Names
{
    /// <summary>The reserved prefix for system names, matched case-insensitively.</summary>
    public const string ReservedPrefix = "_system";

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}\\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z")]
    private static partial Regex ConnectorNamePattern();

    /// <summary>Returns null when <paramref name="name"/> is a valid name, else the reason it is not.</summary>
    public static string? Check(string? name) => Check(name, NamePattern(), "letters, digits and '_'");

    /// <summary>Returns null when <paramref name="name"/> is a valid connector name, else the reason it is not.</summary>
    public static string? CheckConnector(string? name) => Check(name, ConnectorNamePattern(), "letters, digits, '_' and '-'");

    /// <summary>True when the name starts with the reserved <c>_system</c> prefix (any case).</summary>
    public static bool IsReserved(string name) => name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The case-insensitive lookup form of a name.</summary>
    public static string Normalize(string name) => name.ToUpperInvariant();

    /// <summary>The key of the dataset grain (and of its record stream): <c>WORKSPACE/DATASET</c>, upper case.</summary>
    public static string DatasetKey(string workspace, string datasetId) => $"{Normalize(workspace)}/{Normalize(datasetId)}";

    private static string? Check(string? name, Regex pattern, string allowed)
    {
        if (string.IsNullOrEmpty(name)) return "must not be empty";
        if (name.Length > 64) return "must be at most 64 characters";
        if (!pattern.IsMatch(name)) return $"may contain only {allowed}";
        if (IsReserved(name)) return $"names starting with '{ReservedPrefix}' are reserved";
        return null;
    }
}
