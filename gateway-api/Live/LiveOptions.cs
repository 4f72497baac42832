using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Live;

/// <summary>Live subscriptions (<c>Apperate:Live</c>; environment <c>Apperate__Live__Name</c>), checked at start.</summary>
public sealed class LiveOptions
{
    public const string Section = "Apperate:Live";

    /// <summary>Time between <c>event: heartbeat</c> frames on a quiet subscription.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Records a subscriber may have waiting before its connection is closed (it resumes from its last event id).</summary>
    public int QueueLimit { get; set; } = 10_000;

    /// <summary>How often a gateway renews its following of a dataset with the dataset grain, and looks for commits it missed.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Names each bad <see cref="LiveOptions"/> setting by its configuration key.</summary>
public sealed class LiveOptionsValidator : IValidateOptions<LiveOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveOptions options)
    {
        var failures = new List<string>();
        if (options.HeartbeatInterval <= TimeSpan.Zero)
            failures.Add($"{LiveOptions.Section}:{nameof(LiveOptions.HeartbeatInterval)} must be positive, not {options.HeartbeatInterval}.");
        if (options.QueueLimit <= 0)
            failures.Add($"{LiveOptions.Section}:{nameof(LiveOptions.QueueLimit)} must be positive, not {options.QueueLimit}.");
        // The dataset grain drops a follower that has not renewed for a minute.
        if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval > TimeSpan.FromSeconds(30))
            failures.Add($"{LiveOptions.Section}:{nameof(LiveOptions.RenewInterval)} must be more than 0 and at most 30 seconds, not {options.RenewInterval}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
