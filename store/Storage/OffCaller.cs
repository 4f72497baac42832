using System.Runtime.CompilerServices;

namespace Apperate.Actors.Storage;

/// <summary>
/// Leaving the caller's thread before blocking work. Microsoft.Data.Sqlite does its I/O synchronously, also inside its
/// async methods, so the SQLite store and the record queue begin every call with <c>await OffCaller.Switch()</c>: the
/// rest of the call runs on the thread pool, and a caller (an Orleans grain's turn, a request) never waits on the disk
/// on its own thread. Callers therefore just await the store.
/// </summary>
public static class OffCaller
{
    /// <summary>An awaitable that always continues on the thread pool.</summary>
    public static ThreadPoolSwitch Switch() => default;

    /// <summary>The awaiter of <see cref="Switch"/>: never completed, its continuation queued to the thread pool.</summary>
    public readonly struct ThreadPoolSwitch : ICriticalNotifyCompletion
    {
        public ThreadPoolSwitch GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

        public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }
}
