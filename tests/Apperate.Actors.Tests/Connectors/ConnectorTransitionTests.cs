using Apperate.Actors.Connectors;
using static Apperate.Actors.Connectors.ConnectorStatus;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>The connector state machine's rules.</summary>
[Trait("Category", "Unit")]
public sealed class ConnectorTransitionTests
{
    private static readonly string[] Streams = ["ticker", "matches"];

    private static void Conflict(Action action, string state)
    {
        var ex = Assert.Throws<ApperateException>(action);
        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        Assert.Contains($"is {state}:", ex.Message);
    }

    [Theory]
    [InlineData(Received)]
    [InlineData(Ready)]
    [InlineData(Stopped)]
    [InlineData(Errored)]
    public void A_stream_can_be_selected_once_streams_are_known_and_while_not_running(ConnectorStatus status) =>
        ConnectorTransitions.CheckSelect("C", status, Streams, "ticker");

    [Fact]
    public void Selecting_is_refused_while_pending_running_or_errored_without_streams()
    {
        Conflict(() => ConnectorTransitions.CheckSelect("C", Pending, [], "ticker"), "pending");
        Conflict(() => ConnectorTransitions.CheckSelect("C", Running, Streams, "ticker"), "running");
        Conflict(() => ConnectorTransitions.CheckSelect("C", Errored, [], "ticker"), "errored");
        var unknown = Assert.Throws<ApperateException>(() => ConnectorTransitions.CheckSelect("C", Received, Streams, "level3"));
        Assert.Equal(ErrorKind.Invalid, unknown.Kind);
        Assert.Contains("ticker, matches", unknown.Message);
    }

    [Fact]
    public void Running_needs_a_selected_stream_and_running_again_is_no_change()
    {
        Assert.True(ConnectorTransitions.CheckStart("C", Ready, "ticker"));
        Assert.True(ConnectorTransitions.CheckStart("C", Stopped, "ticker"));
        Assert.True(ConnectorTransitions.CheckStart("C", Errored, "ticker"));
        Assert.False(ConnectorTransitions.CheckStart("C", Running, "ticker"));
        Conflict(() => ConnectorTransitions.CheckStart("C", Pending, null), "pending");
        Conflict(() => ConnectorTransitions.CheckStart("C", Received, null), "received");
        Conflict(() => ConnectorTransitions.CheckStart("C", Errored, null), "errored");
    }

    [Fact]
    public void Only_a_running_or_errored_connector_can_be_stopped()
    {
        Assert.True(ConnectorTransitions.CheckStop("C", Running));
        Assert.True(ConnectorTransitions.CheckStop("C", Errored));
        Assert.False(ConnectorTransitions.CheckStop("C", Stopped));
        Conflict(() => ConnectorTransitions.CheckStop("C", Pending), "pending");
        Conflict(() => ConnectorTransitions.CheckStop("C", Received), "received");
        Conflict(() => ConnectorTransitions.CheckStop("C", Ready), "ready");
    }

    [Fact]
    public void The_definition_changes_only_while_not_running()
    {
        foreach (var status in new[] { Pending, Received, Ready, Stopped, Errored }) ConnectorTransitions.CheckChange("C", status);
        Conflict(() => ConnectorTransitions.CheckChange("C", Running), "running");
    }

    [Fact]
    public void Retries_back_off_exponentially_up_to_30_seconds()
    {
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(1, 7).Select(n => ConnectorGrain.Backoff(n).TotalSeconds));
        Assert.Equal(8, ConnectorGrain.MaxConsecutiveFailures);
    }
}
