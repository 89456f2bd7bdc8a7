using System.Threading.Channels;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Notifications;
using Loom.Core.SelfHosted;
using Loom.Core.Stores;

namespace Loom.Server.Engine;

/// <summary>
/// The in-memory owner of one run in this process: a mailbox of events processed one batch at a time by Core's
/// <see cref="RunCommitLoop"/> (plan, carry or commit on the run's ETag, reload on a conflict, wait out an outage, fail the
/// run when its change cannot be stored). This class keeps the mailbox, the calls in flight and the timers.
/// </summary>
internal sealed class RunActor : IRunCommitHost
{
    private readonly Channel<Message> _inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, CancellationTokenSource> _inflight = new(StringComparer.Ordinal);
    private readonly SelfHostedRunDriver _engine;
    private readonly RunCommitLoop _loop;

    // Cancelled when this actor stops: its pending timers (a callback deadline, a run timeout, hours away) must not keep a
    // finished run's actor, workflow and state in memory until they fire.
    private readonly CancellationTokenSource _ended;

    // Whether the run's end was already reported (a finished run stays held while it owes notifications; its later commits are not a new end).
    private bool _endReported;

    public RunActor(SelfHostedRunDriver engine, WorkflowDefinition workflow, RunRecord record, RunState state)
    {
        _engine = engine;
        _loop = new RunCommitLoop(workflow, record, state, engine.CommitServices, this);
        _ended = CancellationTokenSource.CreateLinkedTokenSource(engine.Stopping);
        _endReported = RunStatuses.IsFinal(state.Status);
        Completion = Task.Run(LoopAsync);
    }

    public WorkflowDefinition Workflow => _loop.Workflow;

    public RunState State => _loop.State;

    public string RunId => _loop.RunId;

    /// <summary>Ends when the run is final and this actor has stopped.</summary>
    public Task Completion { get; }

    /// <summary>Queues an event; the task completes once the event is committed (or found not to apply).</summary>
    public Task PostAsync(RunEvent runEvent) => PostAsync(new RunMessage(runEvent));

    /// <summary>Queues a message; an attempt's outcome carries the attempt's row, which is written in the same commit.</summary>
    private Task PostAsync(RunMessage body)
    {
        var message = new Message(body, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_inbox.Writer.TryWrite(message))
        {
            // The run takes no more events (final, or the process is stopping): the attempt still belongs in the history.
            return body.Attempt is null ? Task.CompletedTask : _loop.PutAttemptsAsync([body.Attempt], _engine.Stopping);
        }

        return message.Done.Task;
    }

    /// <summary>Executes commands that were committed by someone (this process at start, or a recovery claim).</summary>
    public void Execute(IEnumerable<RunCommand> commands) => _loop.Execute(commands);

    /// <summary>Commits whatever is carried; completes when that is done (or the run stopped taking events).</summary>
    public Task FlushAsync()
    {
        var message = new Message(RunMessage.Flush, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
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
            try
            {
                if (!await _loop.CommitAsync([.. batch.Select(m => m.Body)], _engine.Stopping))
                {
                    foreach (var m in batch) m.Done.TrySetCanceled();
                    break;
                }
            }
            catch (Exception ex)
            {
                // Stopping (or cancelled): what is not committed is still owed in the stored outbox, to the next owner.
                foreach (var m in batch) m.Done.TrySetException(ex);
                break;
            }
            foreach (var m in batch) m.Done.TrySetResult();
            if (RunStateMachine.IsSettled(State))
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
            if (left.Body.Attempt is not null) leftovers.Add(left.Body.Attempt);
            left.Done.TrySetResult();
        }
        try
        {
            await _loop.PutAttemptsAsync(leftovers, _engine.Stopping);
        }
        catch (Exception ex)
        {
            _engine.ReportFailure(RunId, ex);
        }
        // Also unlinks this actor from the engine's token, which would otherwise keep it for the life of the process.
        await _ended.CancelAsync();
        _ended.Dispose();
    }

    bool IRunCommitHost.IsDraining => _engine.IsDraining;

    void IRunCommitHost.Send(InvokeTask invoke, RunState state)
    {
        var key = $"{invoke.TaskId}#{invoke.Attempt}";
        CancellationTokenSource cts;
        lock (_inflight)
        {
            if (_inflight.ContainsKey(key)) return;
            cts = CancellationTokenSource.CreateLinkedTokenSource(_engine.Stopping);
            _inflight[key] = cts;
        }
        _engine.CallStarted();
        _ = InvokeAsync(invoke, state, key, cts);
    }

    void IRunCommitHost.StartTimer(StartTimer timer) => _ = TimerAsync(timer);

    void IRunCommitHost.Abort(AbortTask abort)
    {
        lock (_inflight)
        {
            if (_inflight.TryGetValue($"{abort.TaskId}#{abort.Attempt}", out var running)) running.Cancel();
        }
    }

    void IRunCommitHost.FlushAfter(TimeSpan delay) => _ = FlushLaterAsync(delay);

    void IRunCommitHost.Notify(SendNotification send, RunState state) => _ = NotifyAsync(send, state);

    void IRunCommitHost.Committed(RunState state)
    {
        var ended = RunStatuses.IsFinal(state.Status) && !_endReported;
        _endReported = RunStatuses.IsFinal(state.Status);
        _engine.ReportCommitted(state, ended);
    }

    void IRunCommitHost.Stalled(Exception error, int failures) => _engine.ReportStalled(RunId, error, failures);

    void IRunCommitHost.Recovered(int failures) => _engine.ReportRecovered(RunId);

    void IRunCommitHost.Aborting(string reason) => _engine.ReportAborted(RunId, reason);

    void IRunCommitHost.StorageUnreachable(Exception error) => _engine.ReportOutage(RunId, error);

    private async Task FlushLaterAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _engine.Clock, Ended);
        }
        catch (OperationCanceledException)
        {
            return; // Stopping: the stored outbox still owes the timers, so whoever recovers the run fires them again.
        }
        _ = FlushAsync();
    }

    private async Task InvokeAsync(InvokeTask invoke, RunState state, string key, CancellationTokenSource cts)
    {
        try
        {
            var (outcome, attempt) = await _engine.Runner.RunAsync(Workflow, state, invoke, cts.Token);
            await PostAsync(new RunMessage(new AttemptCompleted(invoke.TaskId, invoke.Attempt, outcome, _engine.Clock.GetUtcNow()), attempt));
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

    /// <summary>
    /// Sends an owed notification with its retries, then posts the report to this actor, which holds a finished run until it owes
    /// nothing. Stopping leaves it owed in the outbox: the next owner sends it again, with the same id.
    /// </summary>
    private async Task NotifyAsync(SendNotification send, RunState state)
    {
        try
        {
            var deliveries = await _engine.Notifications.SendAsync(NotificationInput.For(Workflow, state, send.Notice), _engine.Stopping);
            await PostAsync(new NotificationReported(send.Notice.Key, deliveries, _engine.Clock.GetUtcNow()));
        }
        catch (OperationCanceledException) when (_engine.Stopping.IsCancellationRequested)
        {
            // Owed in the outbox under this incarnation, which is marked gone: another process (or this one restarted) sends it.
        }
        catch (Exception ex)
        {
            _engine.ReportFailure(RunId, ex);
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

    /// <summary>A mailbox item and who waits for its commit.</summary>
    private sealed record Message(RunMessage Body, TaskCompletionSource Done);
}
