using System.Threading.Channels;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Server.Engine;

/// <summary>
/// The in-memory owner of one run in this process: a mailbox of events processed one batch at a time. Each batch is
/// applied to the state machine and committed with one conditional write on the run's ETag (group commit: several
/// completions that arrive together cost one write); only then are the new commands executed.
/// </summary>
internal sealed class ActiveRun
{
    private readonly Channel<Message> _inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, CancellationTokenSource> _inflight = new(StringComparer.Ordinal);
    private readonly RunEngine _engine;
    private readonly List<Message> _deferred = [];

    public ActiveRun(RunEngine engine, WorkflowDefinition workflow, RunRecord record, RunState state)
    {
        _engine = engine;
        Workflow = workflow;
        Record = record;
        State = state;
        Completion = Task.Run(LoopAsync);
    }

    public WorkflowDefinition Workflow { get; }

    public RunRecord Record { get; private set; }

    public RunState State { get; private set; }

    public string RunId => State.RunId;

    /// <summary>Ends when the run is final and this actor has stopped.</summary>
    public Task Completion { get; }

    /// <summary>Queues an event; the task completes once the event is committed (or found not to apply).</summary>
    public Task PostAsync(RunEvent runEvent)
    {
        var message = new Message(runEvent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_inbox.Writer.TryWrite(message)) message.Done.TrySetResult();
        return message.Done.Task;
    }

    /// <summary>Executes commands that were committed by someone (this process at start, or a recovery claim).</summary>
    public void Execute(IEnumerable<RunCommand> commands)
    {
        foreach (var command in commands) ExecuteOne(command);
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
            while (batch.Count < 256 && _inbox.Reader.TryRead(out var more)) batch.Add(more);
            try
            {
                // A backend may post its callback before Loom has processed the 202 that announced it: hold such a
                // callback until the attempt's outcome is committed, then apply it.
                var ready = batch.Where(m => !IsEarlyCallback(m.Event)).ToList();
                _deferred.AddRange(batch.Where(m => IsEarlyCallback(m.Event)));
                await CommitBatchAsync(ready);
                foreach (var m in ready) m.Done.TrySetResult();
                var released = _deferred.Where(m => !IsEarlyCallback(m.Event)).ToList();
                foreach (var m in released)
                {
                    _deferred.Remove(m);
                    _ = RepostAsync(m);
                }
            }
            catch (Exception ex)
            {
                foreach (var m in batch) m.Done.TrySetException(ex);
                _engine.ReportFailure(RunId, ex);
                if (ex is OperationCanceledException) break;
            }
            if (IsFinal(State.Status))
            {
                _inbox.Writer.TryComplete();
                _engine.Forget(this);
                break;
            }
        }
        // Fail nothing silently: anything still queued after the loop ends is answered.
        while (_inbox.Reader.TryRead(out var left)) left.Done.TrySetResult();
        foreach (var m in _deferred) m.Done.TrySetResult();
    }

    private bool IsEarlyCallback(RunEvent runEvent) =>
        runEvent is CallbackReceived c && State.Tasks.TryGetValue(c.TaskId, out var t) && t.Status == TaskRunStatus.Running && t.Attempt == c.Attempt;

    private async Task RepostAsync(Message message)
    {
        try
        {
            await PostAsync(message.Event);
            message.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            message.Done.TrySetException(ex);
        }
    }

    private async Task CommitBatchAsync(List<Message> batch)
    {
        if (batch.Count == 0) return;
        // A write that failed with storage unreachable may still have landed (its answer lost); remembered to tell later.
        (RunState State, List<RunCommand> Commands, List<RunLogEntry> Log, long EventIndex)? unsure = null;
        for (int conflicts = 0, outages = 0; ;)
        {
            var state = State;
            var commands = new List<RunCommand>();
            var log = new List<RunLogEntry>();
            foreach (var m in batch)
            {
                var t = RunStateMachine.Apply(Workflow, state, m.Event);
                state = t.State;
                commands.AddRange(t.Commands);
                log.AddRange(t.Log);
            }
            if (commands.Count == 0 && log.Count == 0)
            {
                // Every change the machine makes is logged, so no log means nothing but stale events: no write. If the
                // stored state is the one an unanswered write carried, that write landed: its commands are still owed here.
                if (unsure is { } u && Record.State == RunStateJson.Serialize(u.State))
                {
                    Execute(u.Commands);
                    await _engine.AppendLogAsync(u.State, u.EventIndex, u.Log);
                }
                return;
            }
            try
            {
                Record = await _engine.CommitAsync(Workflow, Record, State, state, commands, log);
                State = state;
                Execute(commands);
                return;
            }
            catch (StoreConcurrencyException) when (conflicts++ < 20)
            {
                // Another process committed to this run (a callback or cancel it received), or an unanswered write of ours
                // landed: reload and apply again. The state machine ignores events that no longer apply, so re-applying is safe.
                var fresh = await _engine.ReloadAsync(RunId);
                Record = fresh.Record;
                State = fresh.State;
            }
            catch (Exception ex) when (RunEngine.IsStorageOutage(ex) && !_engine.Stopping.IsCancellationRequested)
            {
                // Storage is unreachable: keep the batch and write it again once storage is back (the events exist only
                // here, and this live process owns the run's outbox, so no recovery sweep would redo them).
                unsure = (state, commands, log, State.EventCount);
                await _engine.WaitOutOutageAsync(RunId, outages++, ex);
            }
        }
    }

    private void ExecuteOne(RunCommand command)
    {
        switch (command)
        {
            case InvokeTask invoke:
                var key = $"{invoke.TaskId}#{invoke.Attempt}";
                CancellationTokenSource cts;
                lock (_inflight)
                {
                    if (_inflight.ContainsKey(key)) return;
                    cts = CancellationTokenSource.CreateLinkedTokenSource(_engine.Stopping);
                    _inflight[key] = cts;
                }
                _ = InvokeAsync(invoke, key, cts);
                break;
            case StartTimer timer:
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

    private async Task InvokeAsync(InvokeTask invoke, string key, CancellationTokenSource cts)
    {
        try
        {
            var outcome = await _engine.Runner.RunAsync(Workflow, State, invoke, cts.Token);
            await PostAsync(new AttemptCompleted(invoke.TaskId, invoke.Attempt, outcome, _engine.Clock.GetUtcNow()));
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
        }
    }

    private async Task TimerAsync(StartTimer timer)
    {
        var delay = timer.FireAt - _engine.Clock.GetUtcNow();
        try
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, _engine.Clock, _engine.Stopping);
            await PostAsync(new TimerFired(timer.Purpose, timer.TaskId, timer.Attempt, _engine.Clock.GetUtcNow()));
        }
        catch (OperationCanceledException)
        {
            // Process stopping: the timer is still owed in the outbox and is re-armed by whoever recovers the run.
        }
    }

    private static bool IsFinal(RunStatus status) => status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    private sealed record Message(RunEvent Event, TaskCompletionSource Done);
}
