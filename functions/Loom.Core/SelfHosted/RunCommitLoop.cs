using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;
using Loom.Core.Telemetry;

namespace Loom.Core.SelfHosted;

/// <summary>
/// The commit loop of one run held by a self-hosted process: plans each batch of the run's mailbox with
/// <see cref="RunBatchPlanner"/>, carries it or commits it (run row, event-log rows and attempt rows in one conditional write
/// on the run's ETag), reloads and applies again on a conflict, waits out a storage outage, fails the run when
/// <see cref="CommitFailures"/> says so, and only then acts on the committed commands (retries act before their commit, as
/// the planner allows). The host keeps the mailbox, the timers and the I/O (<see cref="IRunCommitStore"/>, <see cref="IRunCommitHost"/>).
/// </summary>
/// <remarks>
/// <see cref="CommitAsync"/> is called by one reader at a time (the run's mailbox loop); <see cref="Execute(IEnumerable{RunCommand})"/>
/// may be called from anywhere (a recovery claim) and is safe alongside it.
/// </remarks>
public sealed class RunCommitLoop
{
    private readonly RunCommitServices _services;
    private readonly IRunCommitHost _host;
    private readonly Lock _gate = new();

    // Attempts sent before their commit landed (retries): never sent again by this loop.
    private readonly HashSet<string> _sentEarly = new(StringComparer.Ordinal);

    // Timers started (by purpose, task and attempt): each runs once, though a carried batch starts them before its commit.
    private readonly HashSet<string> _timersStarted = new(StringComparer.Ordinal);

    // Notifications this loop started sending (by key): a recovery claim and a commit naming the same one send it once.
    private readonly HashSet<string> _notifying = new(StringComparer.Ordinal);

    // Retries applied and acted on but not committed yet: they ride along with the run's next commit (or a flush).
    private readonly List<RunMessage> _carried = [];
    private bool _flushArmed;

    /// <summary>Creates the loop of a run as stored.</summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="record">The run's stored row.</param>
    /// <param name="state">The state stored in <paramref name="record"/>.</param>
    /// <param name="services">The process's storage, outage policy, incarnation and clock.</param>
    /// <param name="host">The process's side: calls, timers, flushes, diagnostics.</param>
    public RunCommitLoop(WorkflowDefinition workflow, RunRecord record, RunState state, RunCommitServices services, IRunCommitHost host)
    {
        Workflow = workflow;
        Record = record;
        State = state;
        _services = services;
        _host = host;
    }

    /// <summary>The run's workflow.</summary>
    public WorkflowDefinition Workflow { get; }

    /// <summary>The run's row as last stored or read.</summary>
    public RunRecord Record { get; private set; }

    /// <summary>The state in <see cref="Record"/>.</summary>
    public RunState State { get; private set; }

    /// <summary>The run.</summary>
    public string RunId => State.RunId;

    /// <summary>Executes commands that were committed by someone (the run's start, or a recovery claim).</summary>
    /// <param name="commands">The commands.</param>
    public void Execute(IEnumerable<RunCommand> commands) => Execute(commands, State);

    /// <summary>
    /// Commits a batch, retrying when it fails for a reason that is neither a conflict nor an outage (those are handled inside),
    /// or failing the run instead, as <see cref="CommitFailures"/> decides. False when <paramref name="stopping"/> ends the
    /// retries first; throws when the process stops during an outage or the commit is cancelled. Either way, what is not
    /// committed is still owed in the stored outbox, to the next owner.
    /// </summary>
    /// <param name="ready">The messages taken from the mailbox.</param>
    /// <param name="stopping">The process is stopping.</param>
    public async Task<bool> CommitAsync(IReadOnlyList<RunMessage> ready, CancellationToken stopping)
    {
        string? abortReason = null;
        for (var failures = 0; ; failures++)
        {
            try
            {
                if (abortReason is null) await CommitBatchAsync(ready, stopping);
                else await CommitAbortAsync(ready, abortReason, stopping);
                if (failures > 0) _host.Recovered(failures);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !stopping.IsCancellationRequested)
            {
                _host.Stalled(ex, failures + 1);
                var cannotEverCommit = ex is UnstorableRunException || _services.CannotEverCommit(ex);
                if (abortReason is null && CommitFailures.ShouldAbort(failures + 1, cannotEverCommit))
                {
                    abortReason = CommitFailures.AbortReason(ex.Message);
                    _host.Aborting(abortReason);
                    continue;
                }

                try
                {
                    await Task.Delay(CommitFailures.RetryDelay(failures), _services.Clock, stopping);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: answered below.
                }
            }
            if (stopping.IsCancellationRequested) return false;
        }
    }

    /// <summary>Stores attempt rows no commit carries (their outcome no longer applied to the run), waiting out storage outages.</summary>
    /// <param name="attempts">The rows.</param>
    /// <param name="stopping">Ends the waiting.</param>
    public async Task PutAttemptsAsync(IReadOnlyList<AttemptRecord> attempts, CancellationToken stopping)
    {
        foreach (var row in attempts)
        {
            await _services.Outages.ExecuteAsync(() => _services.Store.PutAttemptAsync(row), _host.StorageUnreachable, stopping);
        }
    }

    /// <summary>Plans a batch and carries it or commits it, then executes its commands.</summary>
    private async Task CommitBatchAsync(IReadOnlyList<RunMessage> ready, CancellationToken stopping)
    {
        if (ready.Count == 0) return;
        var forced = ready.Any(m => m.Event is null);
        if (forced) _flushArmed = false;
        // Carried messages stay carried until a commit (or a new carry) takes them, so a failed try loses none.
        List<RunMessage> batch = [.. _carried, .. ready.Where(m => m.Event is not null)];
        var attempts = batch.Where(m => m.Attempt is not null).Select(m => m.Attempt!).ToList();
        // A write that met an outage may still have landed (its answer lost): remembered to tell later.
        RunBatchPlan? unsure = null;
        for (var conflicts = 0; ; conflicts++)
        {
            var context = new BatchContext(forced, Retrying: conflicts > 0 || unsure is not null, _host.IsDraining);
            var plan = Deterministic(() => RunBatchPlanner.Plan(Workflow, State, batch.Select(m => m.Event!), context), "applying its events");
            if (plan.Action == BatchAction.Nothing)
            {
                // Nothing but stale events: no commit, only their attempt rows. If the stored state is the one an unanswered
                // write carried, that write landed (with its history): its commands are still owed here.
                if (unsure is { } u && Record.State == RunStateJson.Serialize(u.State)) Execute(u.Commands, u.State);
                await PutAttemptsAsync(attempts, stopping);
                _carried.Clear();
                return;
            }
            foreach (var invoke in plan.SendEarly)
            {
                bool first;
                lock (_gate) first = _sentEarly.Add(Key(invoke));
                if (first) Execute([invoke], plan.State, early: true);
            }
            if (plan.Action == BatchAction.Carry)
            {
                // The retry timers start now, as the commit would have started them; a flush bounds how long the commit waits.
                Execute(plan.StartNow, plan.State);
                _carried.Clear();
                _carried.AddRange(batch);
                if (!_flushArmed)
                {
                    _flushArmed = true;
                    _host.FlushAfter(RunBatchPlanner.CarryLimit);
                }
                return;
            }
            try
            {
                // Storage unreachable: the batch is kept and written again once storage is back (the events exist only here, and
                // this live process owns the run's outbox, so no recovery sweep would redo them).
                await WriteAsync(plan.State, plan.Commands, plan.Log, attempts, stopping, onOutage: () => unsure = plan);
                _carried.Clear();
                Execute(plan.Commands, plan.State);
                return;
            }
            catch (StoreConcurrencyException) when (conflicts < CommitFailures.MaxConflicts)
            {
                // Another process committed to this run (a callback or cancel it received), or an unanswered write of ours
                // landed: reload and apply again. The state machine ignores events that no longer apply, so re-applying is safe.
                await ReloadAsync(stopping);
            }
        }
    }

    /// <summary>
    /// Fails the run from its last stored state (what the failed batch held is not kept, except that its attempts happened:
    /// their rows are written without their outputs).
    /// </summary>
    private async Task CommitAbortAsync(IReadOnlyList<RunMessage> ready, string reason, CancellationToken stopping)
    {
        var attempts = CommitFailures.AbortedAttempts(_carried.Concat(ready).Where(m => m.Attempt is not null).Select(m => m.Attempt!));
        for (var conflicts = 0; ; conflicts++)
        {
            var transition = RunStateMachine.Apply(Workflow, State, new RunAborted(reason, _services.Clock.GetUtcNow()));
            if (transition.Ignored)
            {
                // Already final in storage (someone else ended it): only the attempt rows are owed.
                await PutAttemptsAsync(attempts, stopping);
                break;
            }
            try
            {
                await WriteAsync(transition.State, transition.Commands, transition.Log, attempts, stopping, onOutage: null);
                Execute(transition.Commands, transition.State);
                break;
            }
            catch (StoreConcurrencyException) when (conflicts < CommitFailures.MaxConflicts)
            {
                await ReloadAsync(stopping);
            }
        }
        _carried.Clear();
    }

    /// <summary>Writes the change from <see cref="State"/> to <paramref name="after"/>, waiting out outages, and takes it as the stored state.</summary>
    private async Task WriteAsync(RunState after, IReadOnlyList<RunCommand> commands, IReadOnlyList<RunLogEntry> log, IReadOnlyList<AttemptRecord> attempts,
        CancellationToken stopping, Action? onOutage)
    {
        var before = (Record, State);
        var commit = Deterministic(() => RunCommits.Change(Workflow, before.Record, before.State, after, commands, log, attempts, _services.Incarnation), "writing its state down");
        if (RunStatuses.IsFinal(after.Status) && !RunStatuses.IsFinal(before.State.Status))
        {
            // Counted before the commit that ends the run: a crash in between reports it again from the adopted run, and the
            // statistics count a run once; counted after, a crash in between would lose it (a final run owes no work to adopt).
            await _services.Outages.ExecuteAsync(() => _services.Store.RecordFinishedAsync(after), _host.StorageUnreachable, stopping);
        }
        Record = await _services.Outages.ExecuteAsync(() => _services.Store.CommitAsync(commit), error =>
        {
            onOutage?.Invoke();
            _host.StorageUnreachable(error);
        }, stopping);
        State = after;
        if (DeadLetters.From(after, commit.History.Events) is { Count: > 0 } letters) await _services.Store.RecordDeadLettersAsync(letters);
        RunTelemetry.Committed(after, commit.History.Events, before.Record.Trigger);
        _host.Committed(after);
    }

    private async Task ReloadAsync(CancellationToken stopping)
    {
        var record = await _services.Outages.ExecuteAsync(() => _services.Store.ReadAsync(RunId), _host.StorageUnreachable, stopping)
            ?? throw new InvalidOperationException($"Run {RunId} disappeared from storage.");
        Record = record;
        State = RunStateJson.Deserialize(record.State);
    }

    private void Execute(IEnumerable<RunCommand> commands, RunState state, bool early = false)
    {
        foreach (var command in commands)
        {
            // Shutting down: nothing new starts; the outbox owes it under this incarnation and the next owner runs it.
            if (_host.IsDraining && command is InvokeTask or StartTimer or SendNotification) continue;
            switch (command)
            {
                case InvokeTask invoke:
                    // Sent early and maybe answered before its commit came back: sent once.
                    lock (_gate)
                    {
                        if (!early && _sentEarly.Contains(Key(invoke))) continue;
                    }
                    _host.Send(invoke, state);
                    break;
                case StartTimer timer:
                    lock (_gate)
                    {
                        if (!_timersStarted.Add($"{timer.Purpose}:{timer.TaskId}#{timer.Attempt}")) continue;
                    }
                    _host.StartTimer(timer);
                    break;
                case AbortTask abort:
                    _host.Abort(abort);
                    break;
                case SendNotification send:
                    lock (_gate)
                    {
                        if (!_notifying.Add(send.Notice.Key)) continue;
                    }
                    _host.Notify(send, state);
                    break;
                case FinishRun:
                case WaitForCallback:
                    // Nothing to do: the final commit already recorded the end, and a waiting task's deadline is a timer.
                    break;
            }
        }
    }

    private static string Key(InvokeTask invoke) => $"{invoke.TaskId}#{invoke.Attempt}";

    /// <summary>Runs a step of a commit that involves no I/O; its failure would repeat on every retry, so it is marked as such.</summary>
    private static T Deterministic<T>(Func<T> step, string what)
    {
        try
        {
            return step();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new UnstorableRunException($"{what} failed: {ex.Message}", ex);
        }
    }
}
