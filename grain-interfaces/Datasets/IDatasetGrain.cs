using Apperate.Actors.Rules;
using Orleans.Concurrency;

namespace Apperate.Actors.Datasets;

/// <summary>
/// One dataset: its definition and the only writer of its rows. Keyed by <see cref="Names.DatasetKey"/>
/// (<c>WORKSPACE/DATASET</c>, upper case), which is also the key of its record stream.
/// </summary>
/// <remarks>
/// Writes from all sources (the record stream, direct calls, batch loads, connectors) are group-committed: calls
/// that arrive while a commit is running are stored together in the next transaction. Reads never wait for writes.
/// Failures that are the caller's fault raise <see cref="ApperateException"/>.
/// </remarks>
public interface IDatasetGrain : IGrainWithStringKey
{
    /// <summary>The definition, or null when the dataset does not exist.</summary>
    [AlwaysInterleave]
    Task<DatasetDefinition?> GetDefinitionAsync();

    /// <summary>The definition with the stored row count, or null when the dataset does not exist.</summary>
    [AlwaysInterleave]
    Task<DatasetInfo?> GetInfoAsync();

    /// <summary>Creates the dataset and its table. Raises a conflict when it already exists.</summary>
    Task<DatasetDefinition> CreateAsync(DatasetDefinition definition);

    /// <summary>
    /// Applies a schema change. Only additive changes are accepted: new properties, fewer required properties,
    /// integer widened to number, new title or description. Anything else raises a conflict naming the property.
    /// </summary>
    [ResponseTimeout(CallTimeouts.Barrier)]
    Task<DatasetDefinition> UpdateAsync(DatasetDefinition changed);

    /// <summary>Commits pending writes, then forgets the definition without touching the rows; used by rename.</summary>
    [ResponseTimeout(CallTimeouts.Barrier)]
    Task<DatasetDefinition> DetachAsync();

    /// <summary>Adopts a definition whose table already exists; used by rename.</summary>
    Task AttachAsync(DatasetDefinition definition);

    /// <summary>Commits pending writes, then deletes the dataset and all of its rows.</summary>
    [ResponseTimeout(CallTimeouts.Barrier)]
    Task DeleteAsync();

    /// <summary>Stores a validated batch and returns once it is committed and queryable.</summary>
    [AlwaysInterleave]
    Task<WriteResult> WriteAsync(RecordBatch batch);

    /// <summary>The dataset's distinct keys in key order, at most <paramref name="limit"/>.</summary>
    [AlwaysInterleave]
    [ResponseTimeout(CallTimeouts.Scan)]
    Task<string[]> GetKeysAsync(int limit);

    /// <summary>Runs one query for each selector; results come back in selector order.</summary>
    [AlwaysInterleave]
    [ResponseTimeout(CallTimeouts.Scan)]
    Task<QueryResult> QueryAsync(KeySelector[] selectors, DataQuery query);

    /// <summary>Deletes the selected records, optionally only those dated within [from, to]; returns how many were deleted.</summary>
    [ResponseTimeout(CallTimeouts.Barrier)]
    Task<long> DeleteRecordsAsync(KeySelector selector, long? from, long? to);

    /// <summary>
    /// Adds or replaces a rule this dataset evaluates on every committed write (called by the rule's grain, which owns
    /// it; secrets are not needed here). Takes effect for the next commit. Raises not-found when the dataset does not exist.
    /// </summary>
    Task PutRuleAsync(RuleDefinition rule);

    /// <summary>
    /// Stops evaluating a rule. <paramref name="forgetState"/> also deletes its throttle, condition state and counters
    /// (a deleted rule); without it they stay for the dataset the rule moves to.
    /// </summary>
    Task RemoveRuleAsync(string ruleId, bool forgetState);

    /// <summary>
    /// Starts or renews following the dataset's commits: every commit after this call is sent to
    /// <paramref name="observer"/> (<see cref="LiveCommit"/>, one-way) until <see cref="UnfollowAsync"/>, or until
    /// the observer has not renewed for a minute (renew every few seconds: a following is held in memory, so it is
    /// lost when the grain moves to another silo). Returns where the sequence stands.
    /// </summary>
    [AlwaysInterleave]
    Task<LiveStatus> FollowAsync(IDatasetFeedObserver observer);

    /// <summary>Stops sending commits to <paramref name="observer"/>.</summary>
    [AlwaysInterleave]
    Task UnfollowAsync(IDatasetFeedObserver observer);

    /// <summary>Where the dataset's commit sequence stands; raises not-found when the dataset does not exist.</summary>
    [AlwaysInterleave]
    Task<LiveStatus> GetLiveStatusAsync();

    /// <summary>The counters of the rules, in the order asked; zero for a rule this dataset does not evaluate.</summary>
    [AlwaysInterleave]
    Task<RuleCounters[]> GetRuleCountersAsync(string[] ruleIds);
}
