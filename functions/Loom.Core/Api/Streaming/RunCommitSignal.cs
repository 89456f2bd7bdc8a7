namespace Loom.Core.Api.Streaming;

/// <summary>
/// Tells the readers of a run's event stream, in this process, that the run committed a change, so they read the new events
/// at once rather than at their next poll. Only runs someone watches take memory.
/// </summary>
public sealed class RunCommitSignal
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _runs = new(StringComparer.Ordinal);

    /// <summary>Watches <paramref name="runId"/> until the subscription is disposed.</summary>
    public Subscription Subscribe(string runId)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var entry))
            {
                entry = new Entry();
                _runs[runId] = entry;
            }
            entry.Watchers++;
            return new Subscription(this, runId);
        }
    }

    /// <summary>Called by the engine after a change of <paramref name="runId"/> is committed.</summary>
    public void Committed(string runId)
    {
        TaskCompletionSource? done;
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var entry)) return;
            done = entry.Next;
            entry.Next = NewSource();
        }
        done.TrySetResult();
    }

    /// <summary>Runs watched at the moment (for tests and diagnostics).</summary>
    public int Watched
    {
        get
        {
            lock (_gate) return _runs.Count;
        }
    }

    private Task NextCommit(string runId)
    {
        lock (_gate) return _runs.TryGetValue(runId, out var entry) ? entry.Next.Task : Task.CompletedTask;
    }

    private void Release(string runId)
    {
        TaskCompletionSource? orphan = null;
        lock (_gate)
        {
            if (_runs.TryGetValue(runId, out var entry) && --entry.Watchers == 0)
            {
                _runs.Remove(runId);
                orphan = entry.Next;
            }
        }
        orphan?.TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Entry
    {
        public TaskCompletionSource Next { get; set; } = NewSource();

        public int Watchers { get; set; }
    }

    /// <summary>One reader's watch of one run.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly RunCommitSignal _signal;
        private readonly string _runId;
        private int _disposed;

        internal Subscription(RunCommitSignal signal, string runId)
        {
            _signal = signal;
            _runId = runId;
        }

        /// <summary>
        /// A task that completes at the run's next commit. Take it before reading the log, then wait on it: a commit that lands
        /// in between has completed it already, so no commit is missed.
        /// </summary>
        public Task NextCommit() => _signal.NextCommit(_runId);

        /// <inheritdoc />
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _signal.Release(_runId);
        }
    }
}
