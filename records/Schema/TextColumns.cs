using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>
/// How the columns of a text header (a CSV header row) map onto a schema: made by
/// <see cref="RecordValidator.BindColumns"/>, used by <see cref="RecordValidator.ValidateFields"/>.
/// </summary>
public sealed class TextColumns
{
    internal TextColumns(string[] names, int[] targets)
    {
        NameArray = names;
        Targets = targets;
    }

    /// <summary>A header bound to no schema: the names trimmed, every column an additional property.</summary>
    internal static TextColumns Unbound(string[] header) =>
        new(Array.ConvertAll(header, name => name.Trim()), Enumerable.Repeat(-1, header.Length).ToArray());

    /// <summary>The column names, trimmed, in header order.</summary>
    public IReadOnlyList<string> Names => NameArray;

    /// <summary>The number of columns: every row must have this many fields.</summary>
    public int Count => NameArray.Length;

    internal string[] NameArray { get; }

    /// <summary>Per column: the schema property index, or -1 for an additional property kept in <see cref="RecordRow.Extra"/>.</summary>
    internal int[] Targets { get; }
}
