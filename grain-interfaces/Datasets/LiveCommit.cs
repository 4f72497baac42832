using Orleans.Concurrency;

namespace Apperate.Actors.Datasets;

/// <summary>
/// What one commit of a dataset changed, as its dataset grain tells the processes that follow it live (the gateways
/// with subscribers). The fan-out may lose or reorder a commit: <see cref="Previous"/> and <see cref="Last"/> chain
/// the commits, so a follower that sees a gap reads it from the store (<see cref="DataQuery.AfterSequence"/>).
/// </summary>
/// <param name="Previous">The dataset's last commit sequence before this commit.</param>
/// <param name="Last">The dataset's last commit sequence after it (sequences may skip values).</param>
/// <param name="Properties">The schema's properties, which the values of <paramref name="Records"/> and <paramref name="Events"/> are aligned with.</param>
/// <param name="Records">The records the commit inserted or replaced, in commit order; each <see cref="StoredRow.Id"/> is its sequence.</param>
/// <param name="Events">Records of the commit that were not stored (<c>persist=false</c>): events only, which a replay cannot give again.</param>
[GenerateSerializer, Immutable, Alias("apperate.LiveCommit")]
public sealed record LiveCommit(
    [property: Id(0)] long Previous,
    [property: Id(1)] long Last,
    [property: Id(2)] PropertyDefinition[] Properties,
    [property: Id(3)] StoredRow[] Records,
    [property: Id(4)] StoredRow[] Events);

/// <summary>Where a dataset's commit sequence stands.</summary>
/// <param name="Last">The last commit sequence given (0 when none).</param>
/// <param name="Reset">
/// Records were deleted (or the dataset deleted and created again) when the sequence stood here: a follower whose
/// position is below it cannot be brought up to date by a replay and must start over.
/// </param>
[GenerateSerializer, Immutable, Alias("apperate.LiveStatus")]
public sealed record LiveStatus([property: Id(0)] long Last, [property: Id(1)] long Reset);

/// <summary>A process following a dataset's commits (see <see cref="IDatasetGrain.FollowAsync"/>).</summary>
public interface IDatasetFeedObserver : IGrainObserver
{
    /// <summary>One commit, sent one-way after it is durable and queryable.</summary>
    [OneWay]
    Task OnCommittedAsync(LiveCommit commit);
}
