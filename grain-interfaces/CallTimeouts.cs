namespace Apperate.Actors;

/// <summary>
/// How long a caller waits for a grain call's answer, for the calls that may take longer than the messaging default.
/// </summary>
/// <remarks>
/// The standalone gateway waits 10 s for an answer by default (Orleans: 30 s), because that is how long a call caught
/// on a silo killed mid-call hangs before its 503: a silo forwarding the gateway's call to another silo keeps no
/// record of it, so nothing else ends the wait. Calls that read or scan many rows keep Orleans' 30 s; calls that
/// first apply what the record queue holds for a dataset (delete, rename, schema change) wait up to 5 minutes.
/// Silos end calls to a dead silo's grains when it is declared dead, whatever the timeout.
/// </remarks>
public static class CallTimeouts
{
    /// <summary>Reads and scans of up to a million rows, and calls that talk to an outside source.</summary>
    public const string Scan = "00:00:30";

    /// <summary>Barriers that apply a dataset's queued async writes first, then change or delete many rows.</summary>
    public const string Barrier = "00:05:00";
}
