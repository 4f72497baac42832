namespace Apperate.Actors.Logs;

/// <summary>One workspace log entry: job milestones, connector state changes, rule output failures.</summary>
/// <param name="Timestamp">Epoch ms.</param>
/// <param name="Level">info, warning or error.</param>
/// <param name="Source">What wrote it, e.g. <c>job</c>.</param>
/// <param name="SourceId">The job id (or connector name, rule id).</param>
/// <param name="Message">What happened.</param>
[GenerateSerializer, Alias("apperate.LogEntry")]
public sealed record LogEntry(
    [property: Id(0)] long Timestamp,
    [property: Id(1)] string Level,
    [property: Id(2)] string Source,
    [property: Id(3)] string? SourceId,
    [property: Id(4)] string Message);

/// <summary>The log of a workspace. Keyed by the upper-case workspace name.</summary>
public interface IWorkspaceLogGrain : IGrainWithStringKey
{
    /// <summary>Appends an entry.</summary>
    Task AppendAsync(LogEntry entry);

    /// <summary>Entries with <paramref name="from"/> ≤ timestamp ≤ <paramref name="to"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<LogEntry[]> QueryAsync(long from, long to, int limit);
}
