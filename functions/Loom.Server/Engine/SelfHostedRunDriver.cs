using System.Collections.Concurrent;
using Azure;
using Loom.Core.Api;
using Loom.Core.Api.Streaming;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Notifications;
using Loom.Core.SelfHosted;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Core.Telemetry;
using Loom.Storage;
using Microsoft.Extensions.Logging;

namespace Loom.Server.Engine;

/// <summary>
/// The self-hosted driver of the state machine. A run's state and outbox live in its table row; a change is read,
/// apply, conditional write on the ETag, and that write is the commit point. Commands are executed in this process
/// right after their commit; if the process dies first, the outbox names it as their owner and another process (or
/// this one restarted) executes them again, with the same Idempotency-Key.
/// </summary>
internal sealed class SelfHostedRunDriver(
    WorkflowCatalog workflows,
    IRunStore runs,
    IDeadLetterStore deadLetters,
    IAttemptStore attempts,
    RunStatsRecorder stats,
    ThrottledAttemptRunner runner,
    NotificationSender notifications,
    ProcessIdentity identity,
    TimeProvider clock,
    RunCommitSignal commits,
    ILogger<SelfHostedRunDriver> logger) : IRunDriver, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RunActor> _active = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    public ThrottledAttemptRunner Runner => runner;

    public NotificationSender Notifications => notifications;

    public TimeProvider Clock => clock;

    public CancellationToken Stopping => _stopping.Token;

    public ProcessIdentity Identity => identity;

    private long _finished;
    private int _draining;
    private int _callsInFlight;

    /// <summary>Runs this process holds in memory.</summary>
    public int ActiveCount => _active.Count;

    /// <summary>Runs whose final state this process committed since it started (diagnostics).</summary>
    public long FinishedCount => Interlocked.Read(ref _finished);

    /// <inheritdoc />
    public async Task StartAsync(WorkflowDefinition workflow, RunState run, string trigger, CancellationToken cancellationToken = default)
    {
        run = RunTrace.Assign(run);
        var transition = RunStateMachine.Apply(workflow, run, new RunStarted(clock.GetUtcNow()));
        var commit = RunCommits.Start(workflow, run, transition, trigger, identity.Incarnation);
        // A run can end as it starts (every task skipped): counted before its row is written, as every final commit is.
        await RecordStatisticsAsync(stats, logger, transition.State);
        var stored = await runs.CreateAsync(commit.Record, commit.History, cancellationToken);
        commits.Committed(run.RunId);
        RunTelemetry.Committed(transition.State, commit.History.Events, trigger);
        await RecordDeadLettersAsync(deadLetters, logger, transition.State, commit.History.Events);
        var active = new RunActor(this, workflow, stored, transition.State);
        if (RunStatuses.IsFinal(transition.State.Status)) Interlocked.Increment(ref _finished);
        // A run that ends as it starts may still owe its failure's notification: its actor takes the report.
        if (!RunStateMachine.IsSettled(transition.State))
        {
            _active[run.RunId] = active;
        }
        else
        {
            active.Stop();
        }
        active.Execute(transition.Commands);
    }

    /// <summary>Longest a caller (a cancel, a callback) waits for its event's commit; after that the event stays queued and the call answers.</summary>
    internal static readonly TimeSpan SendWait = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    /// <remarks>
    /// Waits for the event's commit at most <see cref="SendWait"/>: a run whose commits are being retried still takes the event
    /// (it is applied with the next commit, or the run fails with the reason), and the API answers meanwhile.
    /// </remarks>
    public async Task<bool> SendAsync(string runId, RunEvent runEvent, CancellationToken cancellationToken = default)
    {
        var active = await GetOrAdoptAsync(runId, cancellationToken);
        if (active is null) return false;
        try
        {
            await active.PostAsync(runEvent).WaitAsync(SendWait, clock, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Queued behind a commit that is being retried.
        }
        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// An actor that committed the run's final state takes no more events and is about to be forgotten: the redrive goes to a
    /// fresh one adopted from storage (its commit is conditional on the stored ETag, so a second redrive racing it is ignored).
    /// </remarks>
    public Task<bool> RedriveAsync(WorkflowDefinition workflow, RunState finished, RedriveRequested redrive, CancellationToken cancellationToken = default)
    {
        if (_active.TryGetValue(finished.RunId, out var ending) && RunStateMachine.IsSettled(ending.State)) Forget(ending);
        return SendAsync(finished.RunId, redrive, cancellationToken);
    }

    /// <summary>Takes over the orphaned items of a run (their owner is dead) and executes them again.</summary>
    public async Task<bool> RecoverAsync(RunRecord record, Func<string, bool> ownerIsDead, CancellationToken cancellationToken)
    {
        var workflow = await workflows.GetAsync(record.WorkflowId, record.WorkflowVersion, cancellationToken);
        if (workflow is null) return false;
        var state = RunStateJson.Deserialize(record.State);
        if (RunOutbox.Claim(workflow, state, record.Outbox, ownerIsDead, identity.Incarnation) is not { } claim) return false;
        RunRecord stored;
        try
        {
            stored = await runs.UpdateAsync(record with { Outbox = claim.Outbox }, cancellationToken);
        }
        catch (StoreConcurrencyException)
        {
            return false; // Someone else claimed it or the run moved on; the next sweep looks again.
        }
        Log.Recovered(logger, record.RunId, claim.Orphaned.Count);
        var active = _active.GetOrAdd(record.RunId, _ => new RunActor(this, workflow, stored, state));
        active.Execute(claim.Orphaned);
        return true;
    }

    /// <summary>What every run's commit loop in this process writes through (created once, with the process's one outage policy).</summary>
    internal RunCommitServices CommitServices { get; } = new(
        new StoredRuns(runs, attempts, deadLetters, stats, logger), new StorageOutagePolicy(IsStorageOutage, clock), CannotEverCommit, identity.Incarnation, clock);

    /// <summary>Records a commit: readers of the run's event stream read the new events now rather than at their next poll.</summary>
    internal void ReportCommitted(RunState state, bool ended)
    {
        commits.Committed(state.RunId);
        if (ended)
        {
            Interlocked.Increment(ref _finished);
            Log.Finished(logger, state.RunId, RunStatuses.Name(state.Status));
        }
    }

    /// <summary>Records that a run's storage call met an outage (once per outage; the loop retries until storage is back).</summary>
    internal void ReportOutage(string runId, Exception error) => Log.RunStorageOutage(logger, runId, error.Message);

    /// <summary>
    /// True for failures that mean storage could not be reached or was overloaded (connection refused or reset, timeouts,
    /// 5xx, throttling, and Azure.Core's retries giving up on those), as opposed to a request storage rejected.
    /// </summary>
    internal static bool IsStorageOutage(Exception ex) => ex switch
    {
        StorageException s => s.Kind is StorageErrorKind.ServerError or StorageErrorKind.Throttled,
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsStorageOutage),
        HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException => true,
        // Azure.Core's network timeout surfaces as a cancellation nobody asked for.
        OperationCanceledException => true,
        _ => false,
    };

    /// <summary>
    /// True for a commit failure that the same commit would meet again: storage refusing the write as too large or malformed,
    /// (a change failing before any I/O is Core's <see cref="UnstorableRunException"/>).
    /// </summary>
    internal static bool CannotEverCommit(Exception ex) => ex switch
    {
        StorageException s => s.Kind is StorageErrorKind.TooLarge or StorageErrorKind.BadRequest,
        RequestFailedException r => r.Status is 400 or 413,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(CannotEverCommit),
        _ => false,
    };

    /// <summary>Forgets a final run: it takes no more events, and its stalled entry (if any) goes with it.</summary>
    internal void Forget(RunActor run)
    {
        _active.TryRemove(new KeyValuePair<string, RunActor>(run.RunId, run));
        if (_stalled.TryRemove(run.RunId, out _)) LoomTelemetry.RunStalled(false);
    }

    /// <summary>Records that a run is failed because its change can never be committed.</summary>
    internal void ReportAborted(string runId, string reason) => Log.Aborted(logger, runId, reason);

    internal void ReportFailure(string runId, Exception ex) => Log.Failure(logger, runId, ex);

    private readonly ConcurrentDictionary<string, StalledRun> _stalled = new(StringComparer.Ordinal);

    /// <summary>Runs whose changes this process cannot commit at the moment (it keeps retrying them), oldest first.</summary>
    public IReadOnlyList<StalledRun> Stalled => [.. _stalled.Values.OrderBy(s => s.Since)];

    /// <summary>Records that a run's change failed to commit for the <paramref name="failures"/>-th time in a row.</summary>
    internal void ReportStalled(string runId, Exception ex, int failures)
    {
        var added = false;
        _stalled.AddOrUpdate(runId, _ =>
        {
            added = true;
            return new StalledRun(runId, ex.Message, clock.GetUtcNow(), failures);
        }, (_, s) => s with { Error = ex.Message, Failures = failures });
        if (added) LoomTelemetry.RunStalled(true);
        // The first failure with its stack, then every tenth: a run retried for hours must not flood the log.
        if (failures == 1 || failures % 10 == 0) Log.Stalled(logger, runId, failures, ex);
    }

    /// <summary>Records that a stalled run committed again.</summary>
    internal void ReportRecovered(string runId)
    {
        if (_stalled.TryRemove(runId, out var s))
        {
            LoomTelemetry.RunStalled(false);
            Log.Unstalled(logger, runId, s.Failures);
        }
    }

    /// <summary>True once the process is shutting down: no new calls or timers start (what is committed stays owed in the outbox).</summary>
    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>Counts a task call from its start until its outcome is committed (or found not to apply).</summary>
    internal void CallStarted() => Interlocked.Increment(ref _callsInFlight);

    /// <summary>The counterpart of <see cref="CallStarted"/>.</summary>
    internal void CallEnded() => Interlocked.Decrement(ref _callsInFlight);

    /// <summary>
    /// Drains: from now on no call or timer starts, calls in flight finish and their outcomes are committed, within
    /// <paramref name="grace"/>; then whatever is left is cancelled. Work committed but not started stays owed in the
    /// outbox under this incarnation, which the caller then marks gone so another process (or this one restarted) adopts it
    /// at once. A deploy thus neither cuts calls off mid-way (which would repeat them) nor waits for whole runs to finish.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Volatile.Write(ref _draining, 1);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        // Retries carried uncommitted are committed now, so the next owner does not send the failed attempts again.
        var flushes = Task.WhenAll(_active.Values.Select(a => a.FlushAsync()));
        while ((Volatile.Read(ref _callsInFlight) > 0 || !flushes.IsCompleted) && waited.Elapsed < grace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
        await _stopping.CancelAsync();
        foreach (var a in _active.Values) a.Stop();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync();
        foreach (var a in _active.Values) a.Stop();
        _stopping.Dispose();
    }

    private async Task<RunActor?> GetOrAdoptAsync(string runId, CancellationToken cancellationToken)
    {
        if (_active.TryGetValue(runId, out var active)) return active;
        var record = await runs.GetAsync(runId, cancellationToken);
        if (record is null) return null;
        var workflow = await workflows.GetAsync(record.WorkflowId, record.WorkflowVersion, cancellationToken);
        if (workflow is null) return null;
        var state = RunStateJson.Deserialize(record.State);
        return _active.GetOrAdd(runId, _ => new RunActor(this, workflow, record, state));
    }

    /// <summary>The run and attempt tables as a run's commit loop uses them.</summary>
    private sealed class StoredRuns(IRunStore runs, IAttemptStore attempts, IDeadLetterStore deadLetters, RunStatsRecorder stats, ILogger logger) : IRunCommitStore
    {
        public Task<RunRecord> CommitAsync(RunCommit commit) => runs.UpdateAsync(commit.Record, commit.History, CancellationToken.None);

        public Task<RunRecord?> ReadAsync(string runId) => runs.GetAsync(runId, CancellationToken.None);

        public Task PutAttemptAsync(AttemptRecord attempt) => attempts.PutAsync(attempt, CancellationToken.None);

        public Task RecordDeadLettersAsync(IReadOnlyList<DeadLetterRecord> letters) => StoreDeadLettersAsync(deadLetters, logger, letters);

        public Task RecordFinishedAsync(RunState finished) => RecordStatisticsAsync(stats, logger, finished);
    }

    /// <summary>
    /// Counts a finished run in its workflow's statistics. An outage is thrown, for the commit loop to wait it out (the count
    /// must land before the final commit); any other failure is logged, never thrown: the run's end must not wait on its count.
    /// </summary>
    private static async Task RecordStatisticsAsync(RunStatsRecorder stats, ILogger logger, RunState finished)
    {
        try
        {
            await stats.RecordAsync(finished, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !IsStorageOutage(ex))
        {
            Log.StatisticsLost(logger, finished.RunId, ex);
        }
    }

    /// <summary>Writes the dead letters a run's first rows make (a run can fail as it starts); see <see cref="IRunCommitStore.RecordDeadLettersAsync"/>.</summary>
    private static Task RecordDeadLettersAsync(IDeadLetterStore store, ILogger logger, RunState state, IReadOnlyList<RunEventRecord> events) =>
        DeadLetters.From(state, events) is { Count: > 0 } letters ? StoreDeadLettersAsync(store, logger, letters) : Task.CompletedTask;

    /// <summary>
    /// Stores dead letters right after their commit. A failure is logged, never thrown: the commit stands, and the run's event
    /// log still holds the failure. A crash between the commit and this write loses that dead letter (recovery adopts
    /// outstanding work, and a failed task leaves none).
    /// </summary>
    private static async Task StoreDeadLettersAsync(IDeadLetterStore store, ILogger logger, IReadOnlyList<DeadLetterRecord> letters)
    {
        try
        {
            await store.AddAsync(letters, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.DeadLetterLost(logger, letters[0].RunId, letters.Count, ex);
        }
    }
}
