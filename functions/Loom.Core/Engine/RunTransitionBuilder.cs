using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core.Conditions;
using Loom.Core.Definitions;
using Loom.Core.Json;
using Loom.Core.Templating;

namespace Loom.Core.Engine;

/// <summary>The mutable working copy of one transition: applies one event to a run, collecting commands and log entries.</summary>
internal sealed partial class RunTransitionBuilder
{
    private readonly WorkflowDefinition workflow;
    private readonly RunState original;
    private readonly DateTimeOffset at;
    private readonly Dictionary<string, TaskDefinition> definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskState> tasks;
    private RunStatus status;
    private DateTimeOffset? startedAt;
    private DateTimeOffset? finishedAt;
    private string? reason;
    private int redrives;
    private DateTimeOffset? redrivenAt;
    private bool slaMissed;
    private readonly List<Notice> notices;

    public RunTransitionBuilder(WorkflowDefinition workflow, RunState state, DateTimeOffset at)
    {
        this.workflow = workflow;
        original = state;
        this.at = at;
        foreach (var task in workflow.Tasks)
        {
            definitions.TryAdd(task.Id, task);
        }

        tasks = new Dictionary<string, TaskState>(state.Tasks, StringComparer.Ordinal);
        status = state.Status;
        startedAt = state.StartedAt;
        finishedAt = state.FinishedAt;
        reason = state.Reason;
        redrives = state.Redrives;
        redrivenAt = state.RedrivenAt;
        slaMissed = state.SlaMissed;
        notices = [.. state.Notices ?? []];
    }

    public List<RunCommand> Commands { get; } = [];

    public List<RunLogEntry> Log { get; } = [];

    /// <summary>The new state; tasks in declaration order (then any the workflow no longer declares) so the JSON is canonical.</summary>
    public RunState Build()
    {
        var ordered = new Dictionary<string, TaskState>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            ordered.TryAdd(task.Id, Get(task.Id));
        }

        foreach (var (id, task) in original.Tasks)
        {
            ordered.TryAdd(id, task);
        }

        return original with
        {
            Status = status,
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            Reason = reason,
            Redrives = redrives,
            RedrivenAt = redrivenAt,
            SlaMissed = slaMissed,
            Notices = notices.Count == 0 ? null : [.. notices],
            Tasks = ordered,
            EventCount = original.EventCount + 1,
        };
    }

    public bool Start()
    {
        if (status != RunStatus.Pending)
        {
            return false;
        }

        status = RunStatus.Running;
        startedAt = at;
        AddLog(RunLogTypes.RunStarted, null, null, Join(original.RetryOf is { } of ? $"retry of run {of}" : null, original.TriggeredBy is { } by ? $"started by {by}" : null));
        Advance();
        if (status == RunStatus.Running && workflow.Timeout is { } timeout)
        {
            Commands.Insert(0, new StartTimer(TimerPurpose.RunTimeout, null, 0, at + timeout));
        }

        if (status == RunStatus.Running && workflow.Sla is { } sla)
        {
            Commands.Add(new StartTimer(TimerPurpose.Sla, null, 0, at + sla));
        }

        return true;
    }

    public bool CompleteAttempt(string taskId, int attempt, AttemptOutcome outcome, bool fromCallback)
    {
        if (ForEachInstances.TryParse(taskId, out var parent, out var index))
        {
            return CompleteInstance(parent, index, attempt, outcome, fromCallback);
        }

        if (fromCallback && HoldEarlyCallback(taskId, attempt, outcome) is { } held)
        {
            return held;
        }

        var expected = fromCallback ? TaskRunStatus.Waiting : TaskRunStatus.Running;
        if (status != RunStatus.Running || !definitions.TryGetValue(taskId, out var def) || def.Type == TaskTypes.Wait || def.ForEach is not null
            || Get(taskId) is not { } task || task.Status != expected || task.Attempt != attempt
            || (fromCallback && outcome.Kind == OutcomeKind.Held))
        {
            return false;
        }

        LogCircuit(taskId, attempt, outcome);
        if (outcome.Kind == OutcomeKind.Held)
        {
            Hold(def, task, outcome);
            return true;
        }

        if (!fromCallback && task.HeldCallback is { } early)
        {
            // The backend reported the attempt's result before its call answered: that report decides the attempt (the
            // callback endpoint told it the result was accepted), and the call's own answer only ends the wait for it.
            task = task with { HeldCallback = null, LastStatusCode = outcome.StatusCode ?? task.LastStatusCode };
            tasks[taskId] = task;
            outcome = early;
            fromCallback = true;
        }

        switch (outcome.Kind)
        {
            case OutcomeKind.Succeeded:
                Succeed(def, task, outcome, null, fromCallback);
                break;
            case OutcomeKind.Accepted when fromCallback:
                // Progress report: keep waiting, keep the deadline.
                tasks[taskId] = task with { Reason = outcome.Message ?? task.Reason };
                AddLog(RunLogTypes.TaskWaiting, taskId, attempt, Join("still running", outcome.Message));
                return true;
            case OutcomeKind.Accepted when def.Completion == CompletionMode.Callback:
                Wait(def, task, outcome);
                return true;
            case OutcomeKind.Accepted:
                Succeed(def, task, outcome, "accepted by a sync task, which counts as success", fromCallback);
                break;
            default:
                Fail(def, task, outcome, fromCallback);
                break;
        }

        Advance();
        return true;
    }

    /// <summary>
    /// A callback posted while the attempt's call is still in flight (a backend may post before it answers, or before Loom has
    /// read its 202): a final result is held in the state and decides the attempt when the call answers; a progress report is
    /// ignored (the call's answer decides whether to wait). Null when the task is not in flight, so the usual rules apply.
    /// </summary>
    private bool? HoldEarlyCallback(string taskId, int attempt, AttemptOutcome outcome)
    {
        if (status != RunStatus.Running || !definitions.TryGetValue(taskId, out var def) || def.Completion != CompletionMode.Callback
            || Get(taskId) is not { Status: TaskRunStatus.Running } task || task.Attempt != attempt)
        {
            return null;
        }

        if (task.HeldCallback is not null)
        {
            return false;
        }

        if (outcome.Kind == OutcomeKind.Accepted)
        {
            AddLog(RunLogTypes.TaskWaiting, taskId, attempt, Join("still running (reported before the call answered)", outcome.Message));
            return true;
        }

        // Held in the run's state, so it must fit the state: the output budget is checked now, as success would check it,
        // and a failure keeps no output.
        var kept = outcome.Kind != OutcomeKind.Succeeded ? outcome with { Output = null }
            : OverOutputBudget(taskId, outcome.Output) is { } tooLarge
                ? outcome with { Kind = OutcomeKind.Failed, Failure = FailureClass.Invalid, Message = tooLarge, Output = null, Retryable = false }
                : outcome;
        tasks[taskId] = task with { HeldCallback = kept };
        AddLog(RunLogTypes.TaskWaiting, taskId, attempt, $"callback ({(outcome.Kind == OutcomeKind.Succeeded ? "SUCCESS" : "FAILED")}) received before the call answered; it decides this attempt once the call answers");
        return true;
    }

    public bool FireTimer(TimerPurpose purpose, string? taskId, int attempt)
    {
        if (status != RunStatus.Running)
        {
            return false;
        }

        if (purpose == TimerPurpose.RunTimeout)
        {
            // Each redrive restarts the run's timeout: a timer armed before it (same purpose, older redrive count) is stale.
            if (attempt != redrives)
            {
                return false;
            }

            var limit = workflow.Timeout ?? (startedAt is { } s ? at - s : TimeSpan.Zero);
            EndRun(RunStatus.Failed, $"run timeout after {Durations.Format(limit)}");
            return true;
        }

        if (purpose == TimerPurpose.Sla)
        {
            return MissSla(taskId, attempt);
        }

        if (taskId is not null && ForEachInstances.TryParse(taskId, out var parent, out var index))
        {
            return FireInstanceTimer(purpose, parent, index, attempt);
        }

        if (taskId is null || !definitions.TryGetValue(taskId, out var def) || Get(taskId) is not { } task || task.Attempt != attempt)
        {
            return false;
        }

        if (def.Type == TaskTypes.Wait)
        {
            // A wait task owns one timer; anything else naming it is stale or forged.
            if (purpose != TimerPurpose.Wait || task.Status != TaskRunStatus.Waiting)
            {
                return false;
            }

            EndWait(def, task, $"waited until {Stamp(task.DueAt ?? at)}");
            Advance();
            return true;
        }

        switch (purpose)
        {
            case TimerPurpose.Retry when task.Status == TaskRunStatus.Retrying:
                Invoke(def, task);
                return true;
            case TimerPurpose.CallbackTimeout when task.Status == TaskRunStatus.Waiting:
                // Tell the driver to stop listening for this attempt's callback; a late one is ignored anyway.
                Commands.Add(new AbortTask(taskId, attempt));
                var timeout = AttemptOutcome.Fail(FailureClass.Timeout, $"no callback within {Durations.Format(def.CallbackTimeout)}");
                Fail(def, task, timeout, fromCallback: true);
                Advance();
                return true;
            default:
                return false;
        }
    }

    public bool Cancel(string? why, string? by)
    {
        if (status is not (RunStatus.Pending or RunStatus.Running))
        {
            return false;
        }

        if (by is not null)
        {
            AddLog(RunLogTypes.CancelRequested, null, null, $"cancel requested by {by}");
        }

        EndRun(RunStatus.Cancelled, string.IsNullOrWhiteSpace(why) ? "cancel requested" : why);
        return true;
    }

    /// <summary>
    /// Resumes a failed or cancelled run in place: the tasks <see cref="RunStateMachine.RedriveTasks"/> names go back to pending
    /// (attempt numbering continues; the retry budget starts again), the run is running again with a new timeout, and the
    /// tasks whose trigger rules hold start at once.
    /// </summary>
    public bool Redrive(IReadOnlyList<string> named, string? by)
    {
        if (status is not (RunStatus.Failed or RunStatus.Cancelled) || RunStateMachine.UnknownTasks(workflow, named).Count > 0)
        {
            return false;
        }

        var reset = RunStateMachine.RedriveTasks(workflow, original, named);
        if (reset.Count == 0)
        {
            return false;
        }

        foreach (var id in reset)
        {
            var old = Get(id);
            var kept = definitions.TryGetValue(id, out var def) ? ForEachRuns.KeptOnRedrive(def, old, reset) : null;
            tasks[id] = new TaskState { Attempt = old.Attempt, AttemptBase = old.Attempt, ForEach = kept };
        }

        status = RunStatus.Running;
        finishedAt = null;
        reason = null;
        redrives++;
        redrivenAt = at;
        startedAt ??= at;
        AddLog(RunLogTypes.RunRedriven, null, null, Join(by is null ? "redriven" : $"redriven by {by}", $"tasks {string.Join(", ", reset)} run again"));
        Advance();
        if (status == RunStatus.Running && workflow.Timeout is { } timeout)
        {
            Commands.Insert(0, new StartTimer(TimerPurpose.RunTimeout, null, redrives, at + timeout));
        }

        // The run's sla counts again from the redrive, unless it was missed already (it is missed once).
        if (status == RunStatus.Running && workflow.Sla is { } sla && !slaMissed)
        {
            Commands.Add(new StartTimer(TimerPurpose.Sla, null, redrives, at + sla));
        }

        return true;
    }

    /// <summary>
    /// An sla timer fired: the run (no task id) or the task is still going, so it missed its sla: logged, and the onSlaMiss
    /// notification owed, once. A timer of an earlier redrive (<paramref name="attempt"/> is the run's redrive count, or the task's
    /// <see cref="TaskState.AttemptBase"/>, when armed) is stale.
    /// </summary>
    private bool MissSla(string? taskId, int attempt)
    {
        if (taskId is null)
        {
            if (slaMissed || attempt != redrives || workflow.Sla is not { } sla)
            {
                return false;
            }

            slaMissed = true;
            AddLog(RunLogTypes.SlaMissed, null, null, $"the run is still running after its sla of {Durations.Format(sla)}");
            Owe(NotifyKind.SlaMiss, null, "slaMiss");
            return true;
        }

        if (!definitions.TryGetValue(taskId, out var def) || def.Sla is not { } taskSla || Get(taskId) is not { } task || task.SlaMissed
            || task.AttemptBase != attempt || task.Status == TaskRunStatus.Pending || TriggerRules.IsFinal(task.Status))
        {
            return false;
        }

        tasks[taskId] = task with { SlaMissed = true };
        AddLog(RunLogTypes.SlaMissed, taskId, task.Attempt == 0 ? null : task.Attempt,
            $"the task is still {task.Status.ToString().ToLowerInvariant()} after its sla of {Durations.Format(taskSla)}");
        Owe(NotifyKind.SlaMiss, taskId, "slaMiss:" + taskId);
        return true;
    }

    /// <summary>Records that <paramref name="key"/>'s notification was sent or failed for good: it is no longer owed. Applies to a finished run too.</summary>
    public bool ReportNotification(string key, IReadOnlyList<NotificationDelivery> deliveries)
    {
        var index = notices.FindIndex(n => n.Key == key);
        if (index < 0)
        {
            return false;
        }

        var notice = notices[index];
        notices.RemoveAt(index);
        var what = NotifySpec.FieldName(notice.Kind) + " notification";
        if (deliveries.Count == 0)
        {
            AddLog(RunLogTypes.NotificationFailed, notice.TaskId, null, $"{what}: no URL to send it to");
        }

        foreach (var delivery in deliveries)
        {
            AddLog(delivery.Sent ? RunLogTypes.NotificationSent : RunLogTypes.NotificationFailed, notice.TaskId, null,
                $"{what} {(delivery.Sent ? "sent to" : "not delivered to")} {delivery.Target}: {delivery.Detail}");
        }

        return true;
    }

    /// <summary>Owes the notification of <paramref name="kind"/> when the workflow sends it anywhere, and asks the driver to send it.</summary>
    private void Owe(NotifyKind kind, string? taskId, string key)
    {
        if (workflow.Notify is not { } notify || notify.For(kind).Count == 0)
        {
            return;
        }

        // A redriven run reports its new outcome under a new id: the receiver must not drop it as a repeat of the first.
        key += redrives == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"#{redrives}");
        if (notices.Any(n => n.Key == key))
        {
            return;
        }

        var notice = new Notice(key, kind, taskId, at);
        notices.Add(notice);
        Commands.Add(new SendNotification(notice));
    }

    /// <summary>Arms a task's sla timer when its first attempt (or wait) starts.</summary>
    private void ArmTaskSla(TaskDefinition def, TaskState task)
    {
        if (def.Sla is { } sla && task.StartedAt is null)
        {
            Commands.Add(new StartTimer(TimerPurpose.Sla, def.Id, task.AttemptBase, at + sla));
        }
    }

    public bool Abort(string why)
    {
        if (status is not (RunStatus.Pending or RunStatus.Running))
        {
            return false;
        }

        EndRun(RunStatus.Failed, why);
        return true;
    }

    private TaskState Get(string id) => tasks.TryGetValue(id, out var task) ? task : new TaskState();

    private void Invoke(TaskDefinition def, TaskState task)
    {
        var attempt = task.Attempt + 1;
        ArmTaskSla(def, task);
        tasks[def.Id] = task with
        {
            Status = TaskRunStatus.Running,
            Attempt = attempt,
            StartedAt = task.StartedAt ?? at,
            DueAt = null,
        };
        Commands.Add(new InvokeTask(def.Id, attempt));
        var max = Math.Max(1, def.Retry.MaxAttempts);
        var counted = attempt - task.AttemptBase - task.HeldAttempts;
        var held = task.HeldAttempts == 0 ? "" : $", not counting {task.HeldAttempts} held by an open circuit";
        AddLog(RunLogTypes.TaskStarted, def.Id, attempt, (task.AttemptBase, task.HeldAttempts) == (0, 0)
            ? $"attempt {attempt} of {max}"
            : task.AttemptBase == 0 ? $"attempt {attempt} ({counted} of {max}{held})"
            : $"attempt {attempt} ({counted} of {max} since the redrive{held})");
    }

    private void Succeed(TaskDefinition def, TaskState task, AttemptOutcome outcome, string? note, bool fromCallback)
    {
        if (OverOutputBudget(def.Id, outcome.Output) is { } tooLarge)
        {
            // Kept, the run's state could no longer be stored (a table row holds 1 MiB) and the run would stall; the same
            // output would come back on a retry, so this failure is final.
            Fail(def, task, outcome with { Kind = OutcomeKind.Failed, Failure = FailureClass.Invalid, Message = tooLarge, Output = null, Retryable = false }, fromCallback);
            return;
        }

        tasks[def.Id] = task with
        {
            Status = TaskRunStatus.Succeeded,
            FinishedAt = at,
            DueAt = null,
            Reason = outcome.Message,
            LastStatusCode = outcome.StatusCode ?? task.LastStatusCode,
            Output = outcome.Output,
            OutputTruncated = outcome.OutputTruncated,
        };
        AddLog(RunLogTypes.TaskSucceeded, def.Id, task.Attempt, Join(note, outcome.Message));
    }

    /// <summary>Why <paramref name="output"/> cannot be kept in the run's state, or null when it fits the run's output budget.</summary>
    /// <param name="taskId">The task the output belongs to: its own current output does not count (it would be replaced).</param>
    /// <param name="output">The output to keep.</param>
    /// <param name="alreadyHeld">Characters the task already holds besides its output (a forEach task's instance outputs so far).</param>
    private string? OverOutputBudget(string taskId, JsonNode? output, long alreadyHeld = 0)
    {
        if (output is null)
        {
            return null;
        }

        // Hosts admit outputs where they enter (OutputLimit.Admit); checked again here because a value too deep to serialise
        // would make this run's state impossible to store.
        if (JsonNesting.Check(output, "the output") is { } tooDeep)
        {
            return tooDeep;
        }

        var size = output.ToJsonString().Length;
        var held = alreadyHeld + tasks.Where(t => t.Key != taskId)
            .Sum(t => (t.Value.Output is { } kept ? kept.ToJsonString().Length : 0L) + (t.Value.ForEach?.OutputChars ?? 0));
        if (held + size <= RunLimits.MaxOutputChars)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"output of {size:N0} characters would bring the outputs this run keeps for downstream tasks to {held + size:N0}, over the limit of {RunLimits.MaxOutputChars:N0}; return a reference (a URL or a key) to large data instead of the data");
    }

    /// <summary>
    /// An attempt its target's open circuit held back: nothing was sent, so the task waits (retrying) until the circuit may let
    /// calls through again, and the attempt does not count against its retry budget.
    /// </summary>
    private void Hold(TaskDefinition def, TaskState task, AttemptOutcome outcome)
    {
        var until = outcome.HeldUntil is { } u && u > at ? u : at + AttemptOutcome.MinHold;
        tasks[def.Id] = task with
        {
            Status = TaskRunStatus.Retrying,
            DueAt = until,
            Reason = outcome.Message,
            HeldAttempts = task.HeldAttempts + 1,
            HeldCallback = null,
        };
        Commands.Add(new StartTimer(TimerPurpose.Retry, def.Id, task.Attempt, until));
        AddLog(RunLogTypes.TaskHeld, def.Id, task.Attempt,
            Join(outcome.Message, $"attempt {task.Attempt} not sent and not counted against maxAttempts; tried again at {Stamp(until)}"));
    }

    /// <summary>Records in this run's log that its attempt opened or closed its target's circuit.</summary>
    private void LogCircuit(string taskId, int attempt, AttemptOutcome outcome)
    {
        var origin = outcome.CircuitOrigin ?? "the target";
        switch (outcome.Circuit)
        {
            case CircuitChange.Opened:
                AddLog(RunLogTypes.CircuitOpened, taskId, attempt, $"circuit for {origin} opened: calls to it are held until {(outcome.HeldUntil is { } u ? Stamp(u) : "it may half-open")}");
                break;
            case CircuitChange.Closed:
                AddLog(RunLogTypes.CircuitClosed, taskId, attempt, $"circuit for {origin} closed: the probe answered");
                break;
        }
    }

    private void Wait(TaskDefinition def, TaskState task, AttemptOutcome outcome)
    {
        var deadline = at + def.CallbackTimeout;
        tasks[def.Id] = task with
        {
            Status = TaskRunStatus.Waiting,
            DueAt = deadline,
            Reason = outcome.Message,
            LastStatusCode = outcome.StatusCode,
        };
        Commands.Add(new WaitForCallback(def.Id, task.Attempt, deadline));
        Commands.Add(new StartTimer(TimerPurpose.CallbackTimeout, def.Id, task.Attempt, deadline));
        AddLog(RunLogTypes.TaskWaiting, def.Id, task.Attempt, $"accepted; waiting for the callback until {Stamp(deadline)}");
    }

    private void Fail(TaskDefinition def, TaskState task, AttemptOutcome outcome, bool fromCallback)
    {
        var why = Describe(outcome);
        var statusCode = fromCallback ? outcome.StatusCode ?? task.LastStatusCode : outcome.StatusCode;
        // After a redrive the budget and the backoff curve count the attempts since, as for a fresh task.
        var sinceRedrive = task.CountedAttempts;
        if (RetryDelays.ShouldRetry(def.Retry, outcome, sinceRedrive))
        {
            var delay = RetryDelays.Compute(def.Retry, original.RunId, def.Id, sinceRedrive, outcome.RetryAfter);
            var due = at + delay;
            tasks[def.Id] = task with { Status = TaskRunStatus.Retrying, DueAt = due, Reason = why, LastStatusCode = statusCode };
            Commands.Add(new StartTimer(TimerPurpose.Retry, def.Id, task.Attempt, due));
            AddLog(RunLogTypes.TaskRetrying, def.Id, task.Attempt, $"{why}; attempt {task.Attempt + 1} in {Durations.Format(delay)}");
            return;
        }

        FailFinal(def, task with { LastStatusCode = statusCode }, why);
    }

    /// <summary>Fails a task for good (no retry), and the run with it under failFast.</summary>
    private void FailFinal(TaskDefinition def, TaskState task, string why)
    {
        tasks[def.Id] = task with { Status = TaskRunStatus.Failed, FinishedAt = at, DueAt = null, Reason = why };
        AddLog(RunLogTypes.TaskFailed, def.Id, task.Attempt == 0 ? null : task.Attempt, why);
        if (workflow.FailFast && !def.AllowFailure)
        {
            EndRun(RunStatus.Failed, $"task {def.Id} failed: {why}");
        }
    }

    /// <summary>
    /// A task whose trigger rule holds: its <c>when</c> condition decides whether it runs (false skips it, and skips propagate by
    /// the trigger rules downstream); then a wait task starts its timer and an http task its first attempt.
    /// </summary>
    private void Ready(TaskDefinition def, TaskState task)
    {
        if (def.When is { } when)
        {
            bool holds;
            try
            {
                holds = Condition.Parse(when).Evaluate(ResolvePath);
            }
            catch (ConditionException e)
            {
                // Registration type-checked what it could; values only known now (an output's field) can still disagree.
                FailFinal(def, task, $"condition '{when}' could not be evaluated: {e.Message}");
                return;
            }

            if (!holds)
            {
                Skip(def.Id, task, $"condition false: {when}");
                return;
            }
        }

        if (def.Type == TaskTypes.Wait)
        {
            StartWait(def, task);
            return;
        }

        if (def.ForEach is not null)
        {
            Expand(def, task);
            return;
        }

        Invoke(def, task);
    }

    /// <summary>A path's value for a condition: null when missing (an output without the field, an upstream task that did not succeed).</summary>
    private JsonNode? ResolvePath(IReadOnlyList<string> segments)
    {
        JsonNode? current;
        int from;
        switch (segments[0])
        {
            case "params":
                current = original.Params[segments[1]];
                from = 2;
                break;
            case "run":
                return JsonValue.Create(segments[1] switch
                {
                    "id" => original.RunId,
                    "workflowId" => original.WorkflowId,
                    _ => TemplateEngine.FormatInstant(original.ScheduledAt),
                });
            case "tasks" when segments[2] == "status":
                return tasks.TryGetValue(segments[1], out var upstream) ? JsonValue.Create(upstream.Status.ToString().ToLowerInvariant()) : null;
            case "tasks":
                current = Get(segments[1]) is { Status: TaskRunStatus.Succeeded } done ? done.Output : null;
                from = 3;
                break;
            default:
                return null;
        }

        for (var i = from; i < segments.Count && current is not null; i++)
        {
            current = current switch
            {
                JsonObject obj => obj[segments[i]],
                JsonArray array when int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count => array[index],
                _ => null,
            };
        }

        return current;
    }

    /// <summary>Starts a wait task: a timer to <c>duration</c> from now or to the <c>until</c> instant; an instant already past ends it at once.</summary>
    private void StartWait(TaskDefinition def, TaskState task)
    {
        var attempt = task.Attempt + 1;
        ArmTaskSla(def, task);
        task = task with { Attempt = attempt, StartedAt = task.StartedAt ?? at };
        DateTimeOffset end;
        if (def.WaitDuration is { } duration)
        {
            end = at + duration;
        }
        else
        {
            var scope = new TemplateScope
            {
                Params = original.Params,
                RunId = original.RunId,
                WorkflowId = original.WorkflowId,
                ScheduledAt = original.ScheduledAt,
                Outputs = RunStateMachine.AllOutputs(original with { Tasks = tasks }),
            };
            string text;
            try
            {
                text = TemplateEngine.Render(def.WaitUntil ?? string.Empty, scope);
            }
            catch (TemplateException e)
            {
                FailFinal(def, task, $"'until' could not be rendered: {e.Message}");
                return;
            }

            if (!WaitUntil.TryParseInstant(text, out end))
            {
                FailFinal(def, task, $"'until' rendered to '{(text.Length > 100 ? text[..100] + "..." : text)}', which is not an ISO-8601 instant with an offset");
                return;
            }
        }

        if (end <= at)
        {
            EndWait(def, task, $"nothing to wait for: {Stamp(end)} has passed");
            return;
        }

        tasks[def.Id] = task with { Status = TaskRunStatus.Waiting, DueAt = end, Reason = $"waiting until {Stamp(end)}" };
        Commands.Add(new StartTimer(TimerPurpose.Wait, def.Id, attempt, end));
        AddLog(RunLogTypes.TaskWaiting, def.Id, attempt, $"waiting until {Stamp(end)}");
    }

    private void EndWait(TaskDefinition def, TaskState task, string why)
    {
        tasks[def.Id] = task with { Status = TaskRunStatus.Succeeded, FinishedAt = at, DueAt = null, Reason = why };
        AddLog(RunLogTypes.TaskSucceeded, def.Id, task.Attempt, why);
    }

    /// <summary>Starts or skips every pending task whose trigger rule is decided, until nothing changes, then ends the run if all is final.</summary>
    private void Advance()
    {
        if (status != RunStatus.Running)
        {
            return;
        }

        // Declaration order need not be topological, so repeat until a pass changes nothing (at most one pass per task).
        bool changed;
        do
        {
            changed = false;
            foreach (var def in workflow.Tasks)
            {
                var task = Get(def.Id);
                if (task.Status != TaskRunStatus.Pending)
                {
                    continue;
                }

                var upstream = def.DependsOn.Select(id => new UpstreamStatus(id, Get(id).Status)).ToList();
                var decision = TriggerRules.Evaluate(def.Trigger, upstream);
                if (decision.Verdict == TriggerVerdict.Run)
                {
                    Ready(def, task);
                    changed = true;
                }
                else if (decision.Verdict == TriggerVerdict.Skip)
                {
                    Skip(def.Id, task, decision.Reason ?? "trigger rule cannot hold");
                    changed = true;
                }
            }
        }
        while (changed && status == RunStatus.Running);

        // A task that failed as it became ready (its condition or forEach list) may have ended the run under failFast.
        if (status != RunStatus.Running)
        {
            return;
        }

        // A validated workflow never gets here; an unknown upstream id or a cycle would otherwise hang the run forever.
        if (!workflow.Tasks.Any(t => Get(t.Id).Status is TaskRunStatus.Running or TaskRunStatus.Waiting or TaskRunStatus.Retrying))
        {
            foreach (var def in workflow.Tasks)
            {
                if (Get(def.Id) is { Status: TaskRunStatus.Pending } stuck)
                {
                    Skip(def.Id, stuck, "an upstream task can never finish (unknown task or cycle)");
                }
            }
        }

        if (workflow.Tasks.All(t => TriggerRules.IsFinal(Get(t.Id).Status)))
        {
            var failed = workflow.Tasks.Where(t => !t.AllowFailure && Get(t.Id).Status == TaskRunStatus.Failed).ToList();
            if (failed.Count == 0)
            {
                Finish(RunStatus.Succeeded, null);
            }
            else
            {
                var more = failed.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" (and {failed.Count - 1} more)") : string.Empty;
                Finish(RunStatus.Failed, $"task {failed[0].Id} failed: {Get(failed[0].Id).Reason}{more}");
            }
        }
    }

    private void Skip(string id, TaskState task, string why)
    {
        // A forEach task that a redrive left with its kept instances did not fan out this time: it has no instances.
        tasks[id] = task with { Status = TaskRunStatus.Skipped, FinishedAt = at, DueAt = null, Reason = why, ForEach = null };
        AddLog(RunLogTypes.TaskSkipped, id, null, why);
    }

    /// <summary>Cancels every task that is not final (aborting attempts in flight) and finishes the run.</summary>
    private void EndRun(RunStatus final, string why)
    {
        foreach (var def in workflow.Tasks)
        {
            var task = Get(def.Id);
            if (TriggerRules.IsFinal(task.Status))
            {
                continue;
            }

            // A wait task's timer is dropped the same way a callback wait is: the driver stops waiting for that attempt.
            // A forEach task sends nothing itself: its instances' calls are aborted.
            if (task.ForEach is not null)
            {
                task = CancelInstances(def.Id, task);
            }
            else if (task.Status is TaskRunStatus.Running or TaskRunStatus.Waiting)
            {
                AbortAttempt(def.Id, task.Attempt);
            }

            var cancelReason = "cancelled: " + why;
            tasks[def.Id] = task with { Status = TaskRunStatus.Cancelled, FinishedAt = at, DueAt = null, Reason = cancelReason };
            AddLog(RunLogTypes.TaskCancelled, def.Id, task.Attempt == 0 ? null : task.Attempt, cancelReason);
        }

        Finish(final, why);
    }

    /// <summary>Aborts an attempt in flight; one started in this very transition (a task failing as it becomes ready ended the run) is simply never sent.</summary>
    private void AbortAttempt(string taskId, int attempt)
    {
        if (!Commands.Remove(new InvokeTask(taskId, attempt)))
        {
            Commands.Add(new AbortTask(taskId, attempt));
        }
    }

    private void Finish(RunStatus final, string? why)
    {
        status = final;
        finishedAt = at;
        reason = why;
        Commands.Add(new FinishRun(final, why));
        if (final == RunStatus.Succeeded)
        {
            Owe(NotifyKind.Success, null, "success");
        }
        else if (final == RunStatus.Failed)
        {
            Owe(NotifyKind.Failure, null, "failure");
        }

        var type = final switch
        {
            RunStatus.Succeeded => RunLogTypes.RunSucceeded,
            RunStatus.Cancelled => RunLogTypes.RunCancelled,
            _ => RunLogTypes.RunFailed,
        };
        AddLog(type, null, null, why);
    }

    private void AddLog(string type, string? taskId, int? attempt, string? message) =>
        Log.Add(new RunLogEntry(type, taskId, attempt, message, at));

    private static string Describe(AttemptOutcome outcome)
    {
        var head = outcome.StatusCode is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"HTTP {code}")
            : outcome.Failure switch
            {
                FailureClass.Timeout => "timeout",
                FailureClass.Network => "network error",
                FailureClass.Refused => "destination refused",
                FailureClass.Invalid => "invalid request",
                FailureClass.Reported => "reported failure",
                _ => "failed",
            };
        // The executor's messages already start with "HTTP 503: ..."; do not say it twice.
        return outcome.Message is { } m && m.StartsWith(head, StringComparison.Ordinal) ? m : Join(head, outcome.Message) ?? head;
    }

    private static string? Join(string? first, string? second) =>
        (first, second) switch
        {
            (null, null) => null,
            (null, _) => second,
            (_, null) => first,
            _ => $"{first}: {second}",
        };

    private static string Stamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);
}
