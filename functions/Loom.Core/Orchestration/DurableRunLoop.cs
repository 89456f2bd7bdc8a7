using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>The replay-safe loop of one generation of a run's orchestration, holding the run's state while it runs; see <see cref="DurableRunOrchestrator"/> for the rules it follows.</summary>
internal sealed class DurableRunLoop(IRunOrchestrationContext context, RunOrchestrationInput input)
{
    private readonly WorkflowDefinition _workflow = input.Workflow;
    private readonly List<Outstanding> _outstanding = [];
    private readonly List<InvokeTask> _heldBack = [];
    private readonly List<RunEventRecord> _unsaved = [];
    private readonly List<AttemptRecord> _unsavedAttempts = [];

    // Notifications the run's end owes: sent after the final save, so a receiver never hears of an outcome storage does not hold.
    private readonly List<SendNotification> _afterFinalSave = [];
    private RunState _state = input.State;

    // The newest state a save stored (or the one this generation started from): a run whose next state cannot be stored is failed from here.
    private RunState _stored = input.State;
    private bool _unsavedState;

    // The run status of the newest state handed to a save: a change of it is saved at once, other changes wait (see DurableRunOrchestrator).
    private RunStatus _savingStatus = input.State.Status;

    // False while the live status cannot carry the tasks (too many): then every change is saved, as the only way readers see it.
    private bool _liveCarriesTasks = true;
    private SaveWork? _save;

    // The row as the last save (or the driver's create) left it, so the next save need not read it; null when unknown.
    private StoredRun? _storedRun = input.Stored;
    private CancelWork? _cancel;
    private FinishRun? _finish;
    private int _eventsThisGeneration;
    private bool _aborting;

    // Set from the first attempt sent with a finish offer until a save of this orchestration lands: the event count of the
    // state stored then. Every save in between carries it, and yields to a final state that attempt's activity stored first.
    private long? _offerBase;

    // Set while the transition an attempt's activity stored is applied: it is stored already, with this row.
    private RunFinished? _storedByActivity;

    private bool Draining => _eventsThisGeneration >= Math.Max(1, input.ContinueAsNewAfter);

    public async Task<RunOrchestrationResult> RunAsync()
    {
        var redriven = Redriven();
        if (RunStatuses.IsFinal(_state.Status) && redriven is null)
        {
            // Nothing left to drive (e.g. an instance restarted for a finished run): make sure storage has the final state.
            _unsavedState = true;
            await FlushAsync();
            _afterFinalSave.AddRange(RunStateMachine.OwedNotifications(_state));
            await NotifyAfterFinalSaveAsync();
            return new RunOrchestrationResult(_state.RunId, _state.Status, _state.Reason, ContinuedAsNew: false);
        }

        ListenForCancel();
        if (redriven is not null)
        {
            Handle(redriven);
        }
        else if (_state.Status == RunStatus.Pending)
        {
            Handle(RunStateMachine.Apply(_workflow, _state, new RunStarted(context.CurrentUtcDateTime)));
        }
        else
        {
            // Without carried work (an orchestration started for a run already running, e.g. after a manual restart),
            // the machine says what the state waits for; re-sent attempts keep their Idempotency-Key.
            Restore(input.Carried ?? Carry(RunStateMachine.Outstanding(_workflow, _state)));
            if (input.Carried is null)
            {
                foreach (var owed in RunStateMachine.OwedNotifications(_state)) Notify(owed);
            }

            PublishLive();
        }

        while (_finish is null)
        {
            if (Draining && !_outstanding.Any(o => o is ActivityWork or NotifyWork) && _save is null)
            {
                if (HasUnsaved)
                {
                    StartSave();
                }
                else
                {
                    return ContinueAsNew();
                }
            }

            var finished = await Task.WhenAny(_outstanding.Select(o => o.Task));
            var item = _outstanding.First(o => ReferenceEquals(o.Task, finished));
            _outstanding.Remove(item);
            var runEvent = await ToEventAsync(item);
            if (runEvent is not null)
            {
                _eventsThisGeneration++;
                Handle(RunStateMachine.Apply(_workflow, _state, runEvent));
            }
        }

        CancelWaits(_ => true);
        await FlushAsync();
        await NotifyAfterFinalSaveAsync();
        return new RunOrchestrationResult(_state.RunId, _finish.Status, _finish.Reason, ContinuedAsNew: false);
    }

    /// <summary>
    /// Once the run's final state is saved: sends the notifications its end owes, waits for those still in flight (an sla miss),
    /// applies their reports and saves them. A notification whose activity failed past its retries is recorded as failed.
    /// </summary>
    private async Task NotifyAfterFinalSaveAsync()
    {
        foreach (var send in _afterFinalSave) Notify(send);
        _afterFinalSave.Clear();
        if (!_outstanding.Any(o => o is NotifyWork)) return;
        while (_outstanding.OfType<NotifyWork>().FirstOrDefault() is { } work)
        {
            _outstanding.Remove(work);
            Handle(RunStateMachine.Apply(_workflow, _state, await ReportAsync(work)));
        }

        await FlushAsync();
    }

    /// <summary>Starts one <c>Notify</c> activity per URL of an owed notification (each retried by Durable with backoff).</summary>
    private void Notify(SendNotification send)
    {
        if (_outstanding.OfType<NotifyWork>().Any(n => n.Key == send.Notice.Key)) return;
        var notification = NotificationInput.For(_workflow, _state, send.Notice);
        var tries = notification.Urls
            .Select(url => context.CallActivityAsync<System.Text.Json.JsonElement>(
                DurableRunOrchestrator.NotifyActivity, notification with { Urls = [url] }, DurableRunOrchestrator.NotifyRetry))
            .ToList();
        _outstanding.Add(new NotifyWork(send.Notice.Key, notification.Urls, tries));
    }

    /// <summary>The report of a finished notification: one delivery per URL, a failed activity counting as failed for good.</summary>
    private async Task<RunEvent> ReportAsync(NotifyWork work)
    {
        var deliveries = new List<NotificationDelivery>(work.Tries.Count);
        for (var i = 0; i < work.Tries.Count; i++)
        {
            try
            {
                deliveries.Add(RunOrchestrationJson.FromPayload<NotificationDelivery>(await work.Tries[i]));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var message = ex.InnerException?.Message ?? ex.Message;
                if (message.Length > 300) message = string.Concat(message.AsSpan(0, 297), "...");
                deliveries.Add(new NotificationDelivery(NotifyUrls.Display(work.Urls[i]),
                    false, $"{message} (gave up after {DurableRunOrchestrator.NotifyRetry.MaxAttempts} tries)"));
            }
        }

        return new NotificationReported(work.Key, deliveries, context.CurrentUtcDateTime);
    }

    /// <summary>The transition of this generation's redrive (a new orchestration of a finished run); null when there is none to apply.</summary>
    private Transition? Redriven() =>
        input.Redrive is { } redrive && RunStatuses.IsFinal(_state.Status) && RunStateMachine.Apply(_workflow, _state, redrive) is { Ignored: false } t ? t : null;

    /// <summary>Turns a finished piece of work into the event it means; null when it means none (a save, a cancelled wait).</summary>
    private async Task<RunEvent?> ToEventAsync(Outstanding item)
    {
        switch (item)
        {
            case ActivityWork activity:
                AttemptOutcome outcome;
                InvokeTaskResult? result = null;
                try
                {
                    result = InvokeTaskResult.Read(await activity.Result);
                    outcome = result.Outcome;
                }
                catch (Exception ex)
                {
                    // The activity itself broke (host crash past its retries, serialization): a retryable failure of the attempt.
                    outcome = AttemptOutcome.Fail(FailureClass.Network, $"The {DurableRunOrchestrator.InvokeTaskActivity} activity failed: {ex.Message}");
                }

                if (result?.Finished is { } finished && activity.OfferedFrom is { } from && TakeStoredEnd(activity.Command, from, outcome, finished)) return null;
                if (result?.Record is { } record) _unsavedAttempts.Add(record);

                return new AttemptCompleted(activity.Command.TaskId, activity.Command.Attempt, outcome, context.CurrentUtcDateTime);

            case TimerWork timer:
                timer.Dispose();
                if (timer.Task.IsCanceled) return null;
                await timer.Task;
                if (context.CurrentUtcDateTime < timer.Command.FireAt)
                {
                    // A backend may deliver a timer early (DurableTask.AzureStorage sends it as a queue message whose
                    // visibility delay is cut down to whole seconds); a backoff, deadline or run timeout must never act
                    // before its time, so wait again for the remainder.
                    StartTimer(timer.Command);
                    return null;
                }

                return new TimerFired(timer.Command.Purpose, timer.Command.TaskId, timer.Command.Attempt, context.CurrentUtcDateTime);

            case CallbackWork callback:
                callback.Dispose();
                if (callback.Task.IsCanceled) return null;
                var received = await callback.Received;
                return new CallbackReceived(callback.Command.TaskId, callback.Command.Attempt, received, context.CurrentUtcDateTime);

            case CancelWork cancel:
                cancel.Dispose();
                _cancel = null;
                if (cancel.Task.IsCanceled) return null;
                var request = await cancel.Received;
                ListenForCancel();
                return new CancelRequested(request?.Reason, context.CurrentUtcDateTime) { By = request?.By };

            case NotifyWork notify:
                return await ReportAsync(notify);

            case SaveWork save:
                _save = null;
                SaveRunResult saved;
                try
                {
                    saved = SaveRunResult.Read(await save.Saved);
                }
                catch (Exception ex) when (!RunStatuses.IsFinal(_stored.Status) && !save.Aborting)
                {
                    // The save failed past its retries: what it holds cannot be stored. The run fails from the last stored state
                    // with the reason, rather than running on unrecorded; if even that cannot be saved, the orchestration fails.
                    return AbortFromStored(ex);
                }

                if (Took(saved)) return null;
                _stored = save.State;
                if (NeedsSave && !RunStatuses.IsFinal(_state.Status)) StartSave();
                return null;

            default:
                throw new InvalidOperationException($"Unknown outstanding work {item.GetType().Name}.");
        }
    }

    /// <summary>Rewinds to the last stored state and fails the run there; the events since are dropped with the state that held them.</summary>
    private RunEvent? AbortFromStored(Exception error)
    {
        _state = _stored;
        _storedRun = null;
        _unsaved.Clear();
        _unsavedAttempts.Clear();
        _unsavedState = false;
        _aborting = true;
        var message = error.InnerException?.Message ?? error.Message;
        if (message.Length > 300) message = string.Concat(message.AsSpan(0, 297), "...");
        return new RunAborted($"Loom could not store this run's next state ({message}); the run is failed rather than retried forever", context.CurrentUtcDateTime);
    }

    private void Handle(Transition transition)
    {
        if (transition.Ignored) return;
        var before = _state;
        _state = transition.State;
        if (_storedByActivity is { } stored)
        {
            StoredAs(_state, stored.Stored);
        }
        else
        {
            _unsaved.AddRange(RunEventLog.ToRecords(_state.RunId, before.EventCount, transition.Log));
            _unsavedState = true;
        }

        foreach (var command in transition.Commands)
        {
            Execute(command, transition.Commands);
        }

        DropUnneededWaits();
        PublishLive();
        if (_save is null && _finish is null && NeedsSave) StartSave();
    }

    private void PublishLive()
    {
        // Durable writes the custom status once, at the end of the episode (also after a replay of many steps): the status is
        // built and serialized then, from the state it was last set with, rather than at every step.
        var state = _state;
        var generation = input.Generation;
        _liveCarriesTasks = RunLiveStatus.CarriesTasks(state);
        context.SetCustomStatus(new RunPayload<RunLiveStatus>(() => RunLiveStatus.From(state, generation)));
    }

    private bool HasUnsaved => _unsavedState || _unsavedAttempts.Count > 0;

    /// <summary>True when what is unsaved must be saved now rather than with the next status change or the end.</summary>
    private bool NeedsSave => HasUnsaved && (_state.Status != _savingStatus || !_liveCarriesTasks);

    /// <summary>Carries out one of <paramref name="batch"/>, the commands of one transition (or the work carried into a generation).</summary>
    private void Execute(RunCommand command, IReadOnlyList<RunCommand> batch)
    {
        switch (command)
        {
            case InvokeTask invoke when Draining:
                _heldBack.Add(invoke);
                break;
            case InvokeTask invoke:
                Invoke(invoke, batch);
                break;
            case StartTimer timer:
                StartTimer(timer);
                break;
            case WaitForCallback wait:
                WaitForCallback(wait);
                break;
            case AbortTask abort:
                // An activity in flight cannot be recalled; its late outcome is ignored by the machine.
                _heldBack.RemoveAll(i => i.TaskId == abort.TaskId && i.Attempt == abort.Attempt);
                CancelWaits(o => o.TaskId == abort.TaskId && o.Attempt == abort.Attempt);
                break;
            case FinishRun finish:
                _finish = finish;
                break;
            case SendNotification send when _finish is not null:
                _afterFinalSave.Add(send);
                break;
            case SendNotification send:
                Notify(send);
                break;
            default:
                throw new InvalidOperationException($"The orchestration loop does not know the command {command.GetType().Name}.");
        }
    }

    private void Invoke(InvokeTask command, IReadOnlyList<RunCommand> batch)
    {
        var activityInput = InvokeTaskInputs.Build(_workflow, _state, command);
        var offer = OfferFor(command, activityInput.Task, batch);
        if (offer is not null)
        {
            activityInput = activityInput with { Finish = offer };
            _offerBase ??= _stored.EventCount;
        }

        var result = context.CallActivityAsync<System.Text.Json.JsonElement>(DurableRunOrchestrator.InvokeTaskActivity, activityInput);
        _outstanding.Add(new ActivityWork(command, result, offer?.State));
        if (activityInput.Task.Completion == CompletionMode.Callback)
        {
            // The backend may post its result before the call answers: listen from now, so the machine can hold it.
            WaitForCallback(new WaitForCallback(command.TaskId, command.Attempt, DateTimeOffset.MaxValue));
        }
    }

    /// <summary>
    /// The finish offer for an attempt that is the run's last piece of work (see <see cref="FinishOffer"/>), or null: only for the
    /// transition's one attempt, of a task completed by its response, with every other task done, nothing else in flight that
    /// an event could come from but the cancel listener and timers, no save due or in flight, and the row's ETag known. The
    /// timers the same transition starts bound the offer too.
    /// </summary>
    private FinishOffer? OfferFor(InvokeTask command, TaskDefinition task, IReadOnlyList<RunCommand> commands)
    {
        if (commands.Count(c => c is InvokeTask) != 1 || commands.Any(c => c is SendNotification)) return null;
        if (Draining || _aborting || _save is not null || _finish is not null || _storedRun is not { } row || _heldBack.Count > 0) return null;
        if (task.Completion != CompletionMode.Sync || task.Id != command.TaskId) return null;
        if (_outstanding.Any(o => o is not CancelWork and not TimerWork)) return null;

        // A change readers see only through a save would make one now (see NeedsSave), which would void the offer.
        if (_state.Status != _savingStatus || !RunLiveStatus.CarriesTasks(_state)) return null;
        foreach (var (taskId, taskState) in _state.Tasks)
        {
            if (taskId != command.TaskId && !TriggerRules.IsFinal(taskState.Status)) return null;
        }

        var timers = _outstanding.OfType<TimerWork>().Select(t => t.Command.FireAt).Concat(commands.OfType<StartTimer>().Select(t => t.FireAt)).ToList();
        return new FinishOffer(_state, [.. _unsaved], [.. _unsavedAttempts], row.ETag, row.Trigger, timers.Count == 0 ? null : timers.Min());
    }

    /// <summary>
    /// Takes the run's end an attempt's activity stored: its outcome applied at the activity's time to the state the attempt was
    /// sent with is the stored state. Events applied since (a timer, on a clock ahead of the activity's) were never stored and
    /// are dropped with the course they began. False when the two do not agree (then the outcome is applied as usual, and the
    /// next save, which carries <see cref="SaveRunInput.BasedOn"/>, yields to what is stored).
    /// </summary>
    private bool TakeStoredEnd(InvokeTask command, RunState from, AttemptOutcome outcome, RunFinished finished)
    {
        var transition = RunStateMachine.Apply(_workflow, from, new AttemptCompleted(command.TaskId, command.Attempt, outcome, finished.At));
        if (transition.Ignored || transition.State.EventCount != finished.EventCount || transition.State.Status != finished.Status) return false;
        _state = from;
        _storedByActivity = finished;
        try
        {
            Handle(transition);
        }
        finally
        {
            _storedByActivity = null;
        }

        return true;
    }

    /// <summary>
    /// Takes a save's result: when the save yielded to a final state an attempt's activity stored first, that state is the run's
    /// end (true); otherwise a written save means no such attempt can write any more.
    /// </summary>
    private bool Took(SaveRunResult saved)
    {
        _storedRun = saved.Stored;
        if (saved.Overtaken is not { } won)
        {
            if (saved.Written) _offerBase = null;
            return false;
        }

        _state = won;
        StoredAs(won, saved.Stored);
        _finish = new FinishRun(won.Status, won.Reason);
        _afterFinalSave.Clear();
        _afterFinalSave.AddRange(RunStateMachine.OwedNotifications(won));
        CancelWaits(_ => true);
        PublishLive();
        return true;
    }

    /// <summary>Records that storage holds <paramref name="state"/> (as <paramref name="row"/> left it), with nothing of it left to save.</summary>
    private void StoredAs(RunState state, StoredRun? row)
    {
        _stored = state;
        _storedRun = row;
        _savingStatus = state.Status;
        _offerBase = null;
        _unsaved.Clear();
        _unsavedAttempts.Clear();
        _unsavedState = false;
    }

    private void StartTimer(StartTimer command)
    {
        // The same timer asked for twice (e.g. carried over and re-issued) is one timer.
        if (_outstanding.OfType<TimerWork>().Any(t => t.Command == command)) return;
        var cancellation = new CancellationTokenSource();
        _outstanding.Add(new TimerWork(command, context.CreateTimer(command.FireAt, cancellation.Token), cancellation));
    }

    private void WaitForCallback(WaitForCallback command)
    {
        if (_outstanding.OfType<CallbackWork>().FirstOrDefault(c => c.Command.TaskId == command.TaskId && c.Command.Attempt == command.Attempt) is { } listening)
        {
            // Listening since the call went out: the same wait, now with the deadline the machine set (what ContinueAsNew carries).
            if (command.Deadline != DateTimeOffset.MaxValue) listening.Command = command;
            return;
        }

        var cancellation = new CancellationTokenSource();
        var received = context.WaitForExternalEvent<AttemptOutcome>(DurableRunOrchestrator.CallbackEvent(command.TaskId, command.Attempt), cancellation.Token);
        _outstanding.Add(new CallbackWork(command, received, cancellation));
    }

    private void ListenForCancel()
    {
        var cancellation = new CancellationTokenSource();
        _cancel = new CancelWork(context.WaitForExternalEvent<CancelRunRequest>(DurableRunOrchestrator.CancelEvent, cancellation.Token), cancellation);
        _outstanding.Add(_cancel);
    }

    private static CarriedWork Carry(IReadOnlyList<RunCommand> commands) =>
        new([.. commands.OfType<InvokeTask>()], [.. commands.OfType<StartTimer>()], [.. commands.OfType<WaitForCallback>()]);

    private void Restore(CarriedWork carried)
    {
        foreach (var timer in carried.Timers) StartTimer(timer);
        foreach (var wait in carried.Callbacks) WaitForCallback(wait);
        RunCommand[] batch = [.. carried.Invokes, .. carried.Timers, .. carried.Callbacks];
        foreach (var invoke in carried.Invokes) Invoke(invoke, batch);
    }

    /// <summary>Abandons timers and callback waits the state no longer needs, so none keeps the orchestration alive.</summary>
    private void DropUnneededWaits()
    {
        if (RunStatuses.IsFinal(_state.Status))
        {
            CancelWaits(_ => true);
            return;
        }

        CancelWaits(o => o switch
        {
            CancelWork => false,
            TimerWork { Command.Purpose: TimerPurpose.RunTimeout } => false,
            TimerWork { Command.Purpose: TimerPurpose.Sla, TaskId: null } => _state.SlaMissed,
            TimerWork { Command.Purpose: TimerPurpose.Sla } t => !(_state.Tasks.TryGetValue(t.TaskId!, out var s) && !s.SlaMissed
                && s.Status is not TaskRunStatus.Pending && !TriggerRules.IsFinal(s.Status)),
            TimerWork { Command.Purpose: TimerPurpose.Retry } t => !HasStatus(t.TaskId, t.Attempt, TaskRunStatus.Retrying),
            CallbackWork c => !(HasStatus(c.TaskId, c.Attempt, TaskRunStatus.Waiting) || (HasStatus(c.TaskId, c.Attempt, TaskRunStatus.Running) && ForEachRuns.StateOf(_state, c.TaskId!)?.HeldCallback is null)),
            _ => !HasStatus(o.TaskId, o.Attempt, TaskRunStatus.Waiting),
        });

        // A progress report posted while the call is in flight used up the wait; listen again for the result.
        foreach (var activity in _outstanding.OfType<ActivityWork>().ToList())
        {
            var (taskId, attempt) = (activity.Command.TaskId, activity.Command.Attempt);
            if (HasStatus(taskId, attempt, TaskRunStatus.Running) && ForEachRuns.StateOf(_state, taskId)?.HeldCallback is null
                && _workflow.Tasks.Any(t => t.Id == taskId && t.Completion == CompletionMode.Callback))
            {
                WaitForCallback(new WaitForCallback(taskId, attempt, DateTimeOffset.MaxValue));
            }
        }
    }

    private bool HasStatus(string? taskId, int attempt, TaskRunStatus status) =>
        taskId is not null && ForEachRuns.StateOf(_state, taskId) is { } task && task.Status == status && task.Attempt == attempt;

    private void CancelWaits(Func<Waiting, bool> predicate)
    {
        foreach (var wait in _outstanding.OfType<Waiting>().Where(predicate).ToList())
        {
            wait.Cancel();
            _outstanding.Remove(wait);
            if (ReferenceEquals(wait, _cancel)) _cancel = null;
        }
    }

    private void StartSave()
    {
        var saveInput = new SaveRunInput(_state, [.. _unsaved], [.. _unsavedAttempts], _storedRun) { BasedOn = _offerBase };
        _unsaved.Clear();
        _unsavedAttempts.Clear();
        _unsavedState = false;
        _savingStatus = _state.Status;
        Task<System.Text.Json.JsonElement> saved;
        try
        {
            saved = context.CallActivityAsync<System.Text.Json.JsonElement>(DurableRunOrchestrator.SaveRunActivity, saveInput, DurableRunOrchestrator.SaveRunRetry);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The input could not even be serialised: the same on every replay, so handled like a save that failed for good.
            saved = Task.FromException<System.Text.Json.JsonElement>(ex);
        }

        _save = new SaveWork(saved, _state, _aborting);
        _outstanding.Add(_save);
    }

    /// <summary>Waits for the save in flight and saves what is left; a final state that cannot be stored becomes the run's failure from the last stored one.</summary>
    private async Task FlushAsync()
    {
        try
        {
            await FlushOnceAsync();
        }
        catch (Exception ex) when (!_aborting && !RunStatuses.IsFinal(_stored.Status))
        {
            _save = null;
            Handle(RunStateMachine.Apply(_workflow, _stored, AbortFromStored(ex)!));
            await FlushOnceAsync();
        }
    }

    private async Task FlushOnceAsync()
    {
        if (_save is not null)
        {
            _outstanding.Remove(_save);
            var saved = SaveRunResult.Read(await _save.Saved);
            _save = null;
            if (Took(saved)) return;
        }

        if (HasUnsaved)
        {
            StartSave();
            _outstanding.Remove(_save!);
            var saved = SaveRunResult.Read(await _save!.Saved);
            _save = null;
            Took(saved);
        }
    }

    private RunOrchestrationResult ContinueAsNew()
    {
        var carried = new CarriedWork(
            [.. _heldBack],
            [.. _outstanding.OfType<TimerWork>().Select(t => t.Command)],
            [.. _outstanding.OfType<CallbackWork>().Select(c => c.Command)]);
        CancelWaits(_ => true);
        context.ContinueAsNew(input with { State = _state, Carried = carried, Generation = input.Generation + 1, Redrive = null, Stored = _storedRun });
        return new RunOrchestrationResult(_state.RunId, _state.Status, _state.Reason, ContinuedAsNew: true);
    }

    private abstract class Outstanding(Task task)
    {
        public Task Task { get; } = task;
    }

    /// <summary>Work that waits on something Loom can abandon: a timer or an external event.</summary>
    private abstract class Waiting(Task task, CancellationTokenSource cancellation, string? taskId, int attempt) : Outstanding(task), IDisposable
    {
        public string? TaskId { get; } = taskId;

        public int Attempt { get; } = attempt;

        public void Cancel()
        {
            cancellation.Cancel();
            cancellation.Dispose();
        }

        public void Dispose() => cancellation.Dispose();
    }

    private sealed class ActivityWork(InvokeTask command, Task<System.Text.Json.JsonElement> result, RunState? offeredFrom) : Outstanding(result)
    {
        public InvokeTask Command { get; } = command;

        /// <summary>The state the attempt was sent with when it carried a finish offer; null otherwise.</summary>
        public RunState? OfferedFrom { get; } = offeredFrom;

        public Task<System.Text.Json.JsonElement> Result { get; } = result;
    }

    /// <summary>The <c>Notify</c> activities of one owed notification, one per URL.</summary>
    private sealed class NotifyWork(string key, IReadOnlyList<string> urls, IReadOnlyList<Task<System.Text.Json.JsonElement>> tries) : Outstanding(Task.WhenAll(tries))
    {
        public string Key { get; } = key;

        public IReadOnlyList<string> Urls { get; } = urls;

        public IReadOnlyList<Task<System.Text.Json.JsonElement>> Tries { get; } = tries;
    }

    private sealed class SaveWork(Task<System.Text.Json.JsonElement> saved, RunState state, bool aborting) : Outstanding(saved)
    {
        public Task<System.Text.Json.JsonElement> Saved { get; } = saved;

        /// <summary>The state this save stores.</summary>
        public RunState State { get; } = state;

        /// <summary>True for the save of a run failed because an earlier save could not be stored: its failure fails the orchestration.</summary>
        public bool Aborting { get; } = aborting;
    }

    private sealed class TimerWork(StartTimer command, Task fired, CancellationTokenSource cancellation)
        : Waiting(fired, cancellation, command.TaskId, command.Attempt)
    {
        public StartTimer Command { get; } = command;
    }

    private sealed class CallbackWork(WaitForCallback command, Task<AttemptOutcome> received, CancellationTokenSource cancellation)
        : Waiting(received, cancellation, command.TaskId, command.Attempt)
    {
        public WaitForCallback Command { get; set; } = command;

        public Task<AttemptOutcome> Received { get; } = received;
    }

    private sealed class CancelWork(Task<CancelRunRequest> received, CancellationTokenSource cancellation)
        : Waiting(received, cancellation, null, 0)
    {
        public Task<CancelRunRequest> Received { get; } = received;
    }
}
