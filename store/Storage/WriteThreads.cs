using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Apperate.Actors.Storage;

/// <summary>
/// Threads for write work (parsing and validating write requests, the record queue's commits, dataset commits to
/// SQLite) at a lower OS priority than the rest of the process (Linux <c>nice</c>): when writes saturate the machine,
/// reads and health checks on the thread pool get a core first, and writes still take every core nobody else wants.
/// One thread per processor. Work moves here with <c>await threads.Enter()</c>; the awaits that follow in the same
/// method come back here (a task's scheduler is captured by <c>await</c>).
/// </summary>
public sealed class WriteThreads : TaskScheduler
{
    private const string NamePrefix = "apperate-write-";

    private readonly BlockingCollection<Task> _tasks = new(new ConcurrentQueue<Task>());

    private WriteThreads(int threads, int nice)
    {
        Nice = nice;
        for (var i = 0; i < threads; i++)
            new Thread(Run) { IsBackground = true, Name = NamePrefix + i }.Start();
    }

    /// <summary>The niceness of the threads (1–19; higher is lower priority).</summary>
    public int Nice { get; }

    /// <summary>Write threads at <paramref name="nice"/>, or null (write work stays on the thread pool) for 0 or off Linux.</summary>
    public static WriteThreads? Start(int nice) =>
        nice > 0 && OperatingSystem.IsLinux() ? new WriteThreads(Environment.ProcessorCount, Math.Min(nice, 19)) : null;

    /// <summary>Continues on these threads (at once when already on them).</summary>
    public Switch Enter() => new(this);

    /// <summary>Continues on <paramref name="threads"/>; without them (<c>Apperate:Writes:Nice</c> 0), where it is.</summary>
    public static Switch Enter(WriteThreads? threads) => new(threads);

    private void Run()
    {
        // Lowering one's own priority needs no privilege; a refusal leaves the thread at normal priority.
        _ = SetPriority(0, GetTid(), Nice);
        foreach (var task in _tasks.GetConsumingEnumerable()) TryExecuteTask(task);
    }

    /// <inheritdoc />
    protected override void QueueTask(Task task) => _tasks.Add(task);

    /// <inheritdoc />
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread.Name?.StartsWith(NamePrefix, StringComparison.Ordinal) == true && TryExecuteTask(task);

    /// <inheritdoc />
    protected override IEnumerable<Task> GetScheduledTasks() => _tasks.ToArray();

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    /// <summary>The awaiter of <see cref="Enter()"/>: continues on the write threads; without them, or already on them, at once.</summary>
    public readonly struct Switch(WriteThreads? threads) : ICriticalNotifyCompletion
    {
        public Switch GetAwaiter() => this;

        public bool IsCompleted => threads is null || TaskScheduler.Current == threads;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        // As a task of the scheduler, so that TaskScheduler.Current is these threads for the awaits that follow.
        public void UnsafeOnCompleted(Action continuation) =>
            Task.Factory.StartNew(continuation, CancellationToken.None, TaskCreationOptions.DenyChildAttach, threads!);
    }
}
