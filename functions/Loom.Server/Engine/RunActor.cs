using System.Threading.Channels;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.SelfHosted;
using Loom.Core.Stores;

namespace Loom.Server.Engine;

/// <summary>
/// The in-memory owner of one run in this process: a mailbox of events processed one batch at a time. Each batch is
/// planned by Core's <see cref="RunBatchPlanner"/> and committed with one conditional write on the run's ETag that also carries
/// the batch's event-log rows and attempt rows; only then are the new commands executed, except retries, which the planner
/// lets act before their commit. This class keeps the mailbox, the timers and the I/O; the rules are Core's.
/// </summary>
internal sealed class RunActor
{
    private readonly Channel<Message> _inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, CancellationTokenSource> _inflight = new(StringComparer.Ordinal);
    private readonly SelfHostedRunDriver _engine;

    // Attempts sent before their commit landed (retries, see CommitBatchAsync): never sent again by this run's actor.
    private readonly HashSet<string> _sentEarly = new(StringComparer.Ordinal);

    // Timers this actor started (by purpose, task and attempt): each runs once.
    private readonly HashSet<string> _timersStarted = new(StringComparer.Ordinal);

    // Retries (attempts failing into a retry, and the retries starting) applied and acted on but not committed yet: they ride
    // along with the run's next commit (see CommitBatchAsync).
    private readonly List<Message> _carried = [];
    private bool _flushArmed;

    // Cancelled when this actor stops: its pending timers (a callback deadline, a run timeout, hours away) must not keep a
    // finished run's actor, workflow and state in memory until they fire.
    private readonly CancellationTokenSource _ended;

    public RunActor(SelfHostedRunDriver engine, WorkflowDefinition workflow, RunRecord record, RunState state)
    {
        _engine = engine;
        Workflow = workflow;
        Record = record;
        State = state;
        _ended = CancellationTokenSource.CreateLinkedTokenSource(engine.Stopping);
        Completion = Task.Run(LoopAsync);
    }

    public WorkflowDefinition Workflow { get; }

    public RunRecord Record { get; private set; }

    public RunState State { get; private set; }

    public string RunId => State.RunId;

    /// <summary>Ends when the run is final and this actor has stopped.</summary>
    public Task Completion { get; }

    /// <summary>Queues an event; the task completes once the event is committed (or found not to apply).</summary>
    public Task PostAsync(RunEvent runEvent) => PostAsync(runEvent, null);

    /// <summary>Queues an attempt's outcome with the attempt's row, which is written in the same commit.</summary>
    private Task PostAsync(RunEvent runEvent, AttemptRecord? attempt)
    {
        var message = new Message(runEvent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), attempt);
        if (!_inbox.Writer.TryWrite(message))
        {
            // The run takes no more events (final, or the process is stopping): the attempt still belongs in the history.
            return attempt is null ? Task.CompletedTask : _engine.PutAttemptsAsync([attempt]);
        }

        return message.Done.Task;
    }

    /// <summary>Executes commands that were committed by someone (this process at start, or a recovery claim).</summary>
    public void Execute(IEnumerable<RunCommand> commands) => Execute(commands, State);

    private void Execute(IEnumerable<RunCommand> commands, RunState state)
    {
        foreach (var command in commands) ExecuteOne(command, state);
    }

    /// <summary>Commits whatever is carried; completes when that is done (or the run stopped taking events).</summary>
    public Task FlushAsync()
    {
        var message = new Message(null, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _inbox.Writer.TryWrite(message) ? message.Done.Task : Task.CompletedTask;
    }

    /// <summary>Stops taking events (process shutdown); calls in flight are cancelled by the engine's token.</summary>
    public void Stop() => _inbox.Writer.TryComplete();

    private async Task LoopAsync()
    {
        var batch = new List<Message>();
        await foreach (var first in _inbox.Reader.ReadAllAsync())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < RunBatchPlanner.MaxBatch && _inbox.Reader.TryRead(out var more)) batch.Add(more);
            // A callback posted before its call answered is held by the state machine itself (in the committed state).
            if (!await CommitWithRetriesAsync(batch)) break;
            foreach (var m in batch) m.Done.TrySetResult();
            if (RunStatuses.IsFinal(State.Status))
            {
                _inbox.Writer.TryComplete();
                _engine.Forget(this);
                break;
            }
        }
        // Fail nothing silently: anything still queued after the loop ends is answered, and its attempt rows are kept.
        var leftovers = new List<AttemptRecord>();
        while (_inbox.Reader.TryRead(out var left))
        {
            if (left.Attempt is not null) leftovers.Add(left.Attempt);
            left.Done.TrySetResult();
        }
        try
        {
            await _engine.PutAttemptsAsync(leftovers);
        }
        catch (Exception ex)
        {
            _engine.ReportFailure(RunId, ex);
        }
        // Also unlinks this actor from the engine's token, which would otherwise keep it for the life of the process.
        await _ended.CancelAsync();
        _ended.Dispose();
    }

    /// <summary>
    /// Commits a batch, retrying when it fails for a reason that is neither a conflict nor an outage (those are handled
    /// inside), or failing the run instead, as <see cref="CommitFailures"/> decides. The run shows as stalled in the
    /// diagnostics meanwhile. False when the process stops first.
    /// </summary>
    private async Task<bool> CommitWithRetriesAsync(List<Message> ready)
    {
        string? abortReason = null;
        for (var failures = 0; ; failures++)
        {
            try
            {
                if (abortReason is null) await CommitBatchAsync(ready);
                else await CommitAbortAsync(ready, abortReason);
                if (failures > 0) _engine.ReportRecovered(RunId);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !_engine.Stopping.IsCancellationRequested)
            {
                _engine.ReportStalled(RunId, ex, failures + 1);
                if (abortReason is null && CommitFailures.ShouldAbort(failures + 1, SelfHostedRunDriver.CannotEverCommit(ex)))
                {
                    abortReason = CommitFailures.AbortReason(ex.Message);
                    _engine.ReportAborted(RunId, abortReason);
                    continue;
                }

                try
                {
                    await Task.Delay(CommitFailures.RetryDelay(failures), _engine.Clock, _engine.Stopping);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: fall through to answering the batch below.
                }
            }
            catch (Exception ex)
            {
                // Stopping (or cancelled): what is not committed is still owed in the stored outbox, to the next owner.
                foreach (var m in ready) m.Done.TrySetException(ex);
                return false;
            }
            if (_engine.Stopping.IsCancellationRequested)
            {
                foreach (var m in ready) m.Done.TrySetCanceled();
                return false;
            }
        }
    }

    /// <summary>
    /// Plans a batch with <see cref="RunBatchPlanner"/> and carries it or commits it (run row, event-log rows and attempt rows
    /// in one transaction), then executes its commands.
    /// </summary>
    private async Task CommitBatchAsync(List<Message> ready)
    {
        if (ready.Count == 0) return;
        var forced = ready.Any(m => m.Event is null);
        if (forced) _flushArmed = false;
        // Carried messages stay carried until a commit (or a new carry) takes them, so a failed attempt loses none.
        List<Message> batch = [.. _carried, .. ready.Where(m => m.Event is not null)];
        var attempts = batch.Where(m => m.Attempt is not null).Select(m => m.Attempt!).ToList();
        // A write that failed with storage unreachable may still have landed (its answer lost); remembered to tell later.
        RunBatchPlan? unsure = null;
        for (int conflicts = 0, outages = 0; ;)
        {
            var context = new BatchContext(forced, Retrying: conflicts > 0 || outages > 0, _engine.IsDraining);
            var plan = SelfHostedRunDriver.Deterministic(() => RunBatchPlanner.Plan(Workflow, State, batch.Select(m => m.Event!), context), "applying its events");
            if (plan.Action == BatchAction.Nothing)
            {
                // Nothing but stale events: no commit, only their attempt rows. If the stored state is the one an unanswered
                // write carried, that write landed (with its history): its commands are still owed here.
                if (unsure is { } u && Record.State == RunStateJson.Serialize(u.State)) Execute(u.Commands, u.State);
                await _engine.PutAttemptsAsync(attempts);
                _carried.Clear();
                return;
            }
            foreach (var invoke in plan.SendEarly)
            {
                bool first;
                lock (_inflight) first = _sentEarly.Add(Key(invoke));
                if (first) ExecuteOne(invoke, plan.State, early: true);
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
                    _ = FlushLaterAsync();
                }
                return;
            }
            try
            {
                Record = await _engine.CommitAsync(Workflow, Record, State, plan.State, plan.Commands, plan.Log, attempts);
                State = plan.State;
                _carried.Clear();
                Execute(plan.Commands, plan.State);
                return;
            }
            catch (StoreConcurrencyException) when (conflicts++ < CommitFailures.MaxConflicts)
            {
                // Another process committed to this run (a callback or cancel it received), or an unanswered write of ours
                // landed: reload and apply again. The state machine ignores events that no longer apply, so re-applying is safe.
                var fresh = await _engine.ReloadAsync(RunId);
                Record = fresh.Record;
                State = fresh.State;
            }
            catch (Exception ex) when (SelfHostedRunDriver.IsStorageOutage(ex) && !_engine.Stopping.IsCancellationRequested)
            {
                // Storage is unreachable: keep the batch and write it again once storage is back (the events exist only
                // here, and this live process owns the run's outbox, so no recovery sweep would redo them).
                unsure = plan;
                await _engine.WaitOutOutageAsync(RunId, outages++, ex);
            }
        }
    }

    /// <summary>
    /// Fails the run from its last stored state (what the failed batch held is not kept, except that its attempts happened:
    /// their rows are written without their outputs), and answers the batch's messages.
    /// </summary>
    private async Task CommitAbortAsync(List<Message> ready, string reason)
    {
        var attempts = CommitFailures.AbortedAttempts(_carried.Concat(ready).Where(m => m.Attempt is not null).Select(m => m.Attempt!));
        for (var conflicts = 0; ; conflicts++)
        {
            var transition = RunStateMachine.Apply(Workflow, State, new RunAborted(reason, _engine.Clock.GetUtcNow()));
            if (transition.Ignored)
            {
                // Already final in storage (someone else ended it): only the attempt rows are owed.
                await _engine.PutAttemptsAsync(attempts);
                break;
            }
            try
            {
                Record = await _engine.CommitAsync(Workflow, Record, State, transition.State, transition.Commands, transition.Log, attempts);
                State = transition.State;
                Execute(transition.Commands, transition.State);
                break;
            }
            catch (StoreConcurrencyException) when (conflicts < CommitFailures.MaxConflicts)
            {
                var fresh = await _engine.ReloadAsync(RunId);
                Record = fresh.Record;
                State = fresh.State;
            }
        }
        _carried.Clear();
    }

    private static string Key(InvokeTask invoke) => $"{invoke.TaskId}#{invoke.Attempt}";

    private static string TimerKey(StartTimer timer) => $"{timer.Purpose}:{timer.TaskId}#{timer.Attempt}";

    private async Task FlushLaterAsync()
    {
        try
        {
            await Task.Delay(RunBatchPlanner.CarryLimit, _engine.Clock, Ended);
        }
        catch (OperationCanceledException)
        {
            return; // Stopping: the stored outbox still owes the timers, so whoever recovers the run fires them again.
        }
        _ = FlushAsync();
    }

    private void ExecuteOne(RunCommand command, RunState state, bool early = false)
    {
        // Shutting down: nothing new starts; the outbox owes it under this incarnation and the next owner runs it.
        if (_engine.IsDraining && command is InvokeTask or StartTimer) return;
        switch (command)
        {
            case InvokeTask invoke:
                var key = Key(invoke);
                CancellationTokenSource cts;
                lock (_inflight)
                {
                    // In flight already, or sent early and maybe answered before its commit came back: either way, sent once.
                    if (_inflight.ContainsKey(key) || (_sentEarly.Contains(key) && !early)) return;
                    cts = CancellationTokenSource.CreateLinkedTokenSource(_engine.Stopping);
                    _inflight[key] = cts;
                }
                _engine.CallStarted();
                _ = InvokeAsync(invoke, state, key, cts);
                break;
            case StartTimer timer:
                // A carried batch starts its timers before it is committed; applied again with the commit, they must not start twice.
                lock (_inflight)
                {
                    if (!_timersStarted.Add(TimerKey(timer))) return;
                }
                _ = TimerAsync(timer);
                break;
            case AbortTask abort:
                lock (_inflight)
                {
                    if (_inflight.TryGetValue($"{abort.TaskId}#{abort.Attempt}", out var running)) running.Cancel();
                }
                break;
            case FinishRun:
            case WaitForCallback:
                // Nothing to do in-process: the final commit already recorded the end, and a waiting task's deadline is a timer.
                break;
        }
    }

    private async Task InvokeAsync(InvokeTask invoke, RunState state, string key, CancellationTokenSource cts)
    {
        try
        {
            var (outcome, attempt) = await _engine.Runner.RunAsync(Workflow, state, invoke, cts.Token);
            await PostAsync(new AttemptCompleted(invoke.TaskId, invoke.Attempt, outcome, _engine.Clock.GetUtcNow()), attempt);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Aborted (cancel) or the process is stopping: the item stays in the outbox for recovery unless the run moved on.
        }
        catch (Exception ex)
        {
            _engine.ReportFailure(RunId, ex);
        }
        finally
        {
            lock (_inflight) _inflight.Remove(key);
            cts.Dispose();
            _engine.CallEnded();
        }
    }

    private async Task TimerAsync(StartTimer timer)
    {
        try
        {
            // A system timer can fire a fraction of a millisecond before the clock reaches FireAt; wait out the remainder so
            // the event's time is never before it (a wait step must not end early, like the Durable loop's re-wait).
            for (var delay = timer.FireAt - _engine.Clock.GetUtcNow(); delay > TimeSpan.Zero; delay = timer.FireAt - _engine.Clock.GetUtcNow())
            {
                await Task.Delay(delay, _engine.Clock, Ended);
            }

            await PostAsync(new TimerFired(timer.Purpose, timer.TaskId, timer.Attempt, _engine.Clock.GetUtcNow()));
        }
        catch (OperationCanceledException)
        {
            // Process stopping (the timer is still owed in the outbox and is re-armed by whoever recovers the run), or the run ended.
        }
    }

    /// <summary>The token of this actor's life; an already disposed source counts as ended.</summary>
    private CancellationToken Ended
    {
        get
        {
            try
            {
                return _ended.Token;
            }
            catch (ObjectDisposedException)
            {
                return new CancellationToken(canceled: true);
            }
        }
    }

    /// <summary>A mailbox item: an event to apply (with the attempt row its outcome carries), or, with no event, a request to commit what is carried.</summary>
    private sealed record Message(RunEvent? Event, TaskCompletionSource Done, AttemptRecord? Attempt = null);
}
