using System.Collections.Concurrent;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Statistics;

/// <summary>
/// Counts finished runs into their workflow's hour bucket, one per process. Each bucket row is written with optimistic
/// concurrency on the ETag of this process's last write of it, so a run usually costs one storage request (no read); runs of
/// the same bucket that finish while a write is under way ride along in the next write, so under load they cost less.
/// </summary>
/// <remarks>
/// <para>A run is counted once: the bucket remembers the last <see cref="RunStatsBucket.MaxRecent"/> runs it counted, and a
/// report of one of them again (a save Durable delivers twice, a commit retried after a crash) changes nothing. A conflict
/// (another process wrote the row) reads the row again and merges again.</para>
/// <para>With a gather window, a busy row (written by this process within the last <see cref="BusyWindows"/> windows) is
/// written a window after the first report that finds no write under way, and every report of the same row in the meantime
/// rides in that one write; each report still returns only once the row holding it is stored. So runs finishing together
/// cost one write per window instead of one each, while a run of a quiet row (one run now and then) is written at once and
/// pays no wait.</para>
/// </remarks>
/// <param name="store">Where the rows live.</param>
/// <param name="gatherWindow">How long the write of a busy row waits for more runs of it (zero: every write goes at once).</param>
/// <param name="clock">The clock the window is measured on.</param>
public sealed class RunStatsRecorder(IRunStatsStore store, TimeSpan gatherWindow, TimeProvider clock)
{
    /// <summary>A recorder that writes at once (no gather window).</summary>
    /// <param name="store">Where the rows live.</param>
    public RunStatsRecorder(IRunStatsStore store)
        : this(store, TimeSpan.Zero, TimeProvider.System)
    {
    }

    /// <summary>A row written within this many gather windows is busy: its next write waits one window for more runs (runs of one workflow started one after another, each lasting longer, never wait).</summary>
    public const int BusyWindows = 2;

    /// <summary>Writes tried against other writers of the same row before the report fails.</summary>
    public const int MaxAttempts = 10;

    /// <summary>Rows this process remembers the ETag of; beyond it, idle ones are forgotten (they cost a read when used again).</summary>
    private const int MaxSlots = 512;

    private readonly ConcurrentDictionary<(string WorkflowId, DateTimeOffset Hour), Slot> _slots = new();

    private readonly TimeSpan _gatherWindow = gatherWindow >= TimeSpan.Zero
        ? gatherWindow
        : throw new ArgumentOutOfRangeException(nameof(gatherWindow), gatherWindow, "The gather window cannot be negative.");

    /// <summary>Counts the run of a final state (does nothing for a state that is not final).</summary>
    /// <param name="state">The run's state.</param>
    /// <param name="cancellationToken">Stops waiting (the count may still land).</param>
    public Task RecordAsync(RunState state, CancellationToken cancellationToken = default) =>
        RunSample.From(state) is { } sample ? RecordAsync(sample, cancellationToken) : Task.CompletedTask;

    /// <summary>Counts a finished run once in its hour bucket; returns when the row holding it is stored.</summary>
    /// <param name="sample">The run's figures.</param>
    /// <param name="cancellationToken">Stops waiting (the count may still land).</param>
    public async Task RecordAsync(RunSample sample, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var key = (sample.WorkflowId, RunStatsBucket.HourOf(sample.FinishedAt));
        if (_slots.Count > MaxSlots) Forget(key.Item2);
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool write;
        lock (slot.Gate)
        {
            slot.Pending.Add((sample, done));
            write = !slot.Writing;
            slot.Writing = true;
        }
        if (write) await WriteAsync(slot, key.WorkflowId, key.Item2);
        await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits the gather window, then writes what is pending in the slot, batch after batch, until nothing is.</summary>
    private async Task WriteAsync(Slot slot, string workflowId, DateTimeOffset hour)
    {
        // Reports that come while this one waits (or while a write is under way) join the pending batch.
        if (_gatherWindow > TimeSpan.Zero && slot.LastWrite is { } last && clock.GetUtcNow() - last < _gatherWindow * BusyWindows)
        {
            await Task.Delay(_gatherWindow, clock, CancellationToken.None);
        }

        while (true)
        {
            List<(RunSample Sample, TaskCompletionSource Done)> batch;
            lock (slot.Gate)
            {
                if (slot.Pending.Count == 0)
                {
                    slot.Writing = false;
                    return;
                }
                batch = [.. slot.Pending];
                slot.Pending.Clear();
            }
            try
            {
                await WriteBatchAsync(slot, workflowId, hour, batch.Select(b => b.Sample).ToList());
                slot.LastWrite = clock.GetUtcNow();
                foreach (var (_, done) in batch) done.TrySetResult();
            }
            catch (Exception ex)
            {
                // Whether the write landed is unknown: the next one reads the row first.
                slot.Known = null;
                foreach (var (_, done) in batch) done.TrySetException(ex);
            }
        }
    }

    private async Task WriteBatchAsync(Slot slot, string workflowId, DateTimeOffset hour, List<RunSample> samples)
    {
        for (var attempt = 1; ; attempt++)
        {
            var known = slot.Known ?? await store.GetAsync(workflowId, hour, CancellationToken.None);
            var bucket = known?.Bucket.Clone() ?? new RunStatsBucket(workflowId, hour);
            var added = samples.Count(bucket.TryAdd);
            if (added == 0 && known is not null)
            {
                slot.Known = known;
                return;
            }
            try
            {
                var etag = await store.PutAsync(bucket, known?.ETag, CancellationToken.None);
                slot.Known = new StoredStatsBucket(bucket, etag);
                return;
            }
            catch (Exception ex) when (ex is StoreConcurrencyException or StoreConflictException && attempt < MaxAttempts)
            {
                // Another process counted runs in this row since: read it again and merge again.
                slot.Known = null;
            }
        }
    }

    /// <summary>Forgets idle rows of hours before the one just reported.</summary>
    private void Forget(DateTimeOffset current)
    {
        foreach (var (key, slot) in _slots)
        {
            if (key.Hour >= current) continue;
            lock (slot.Gate)
            {
                if (slot.Writing || slot.Pending.Count > 0) continue;
                _slots.TryRemove(key, out _);
            }
        }
    }

    private sealed class Slot
    {
        public Lock Gate { get; } = new();

        public List<(RunSample Sample, TaskCompletionSource Done)> Pending { get; } = [];

        public bool Writing { get; set; }

        public StoredStatsBucket? Known { get; set; }

        /// <summary>When this process last stored the row (null: not yet), which decides whether the row is busy.</summary>
        public DateTimeOffset? LastWrite { get; set; }
    }
}
