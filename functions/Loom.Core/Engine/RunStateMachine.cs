using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>The run state machine: state + event -> state + commands. Pure and deterministic: no clock, no randomness, no I/O.</summary>
/// <remarks>
/// Decisions beyond the design page: an event that does not apply (stale attempt or timer, duplicate callback, anything
/// after the run ended) returns the input state unchanged with <see cref="Transition.Ignored"/> set, so
/// <see cref="RunState.EventCount"/> counts applied events only. An Accepted outcome of a sync task counts as success.
/// A task failed with allowFailure counts as failed for trigger rules but not against the run. Task iteration always
/// follows the workflow's declaration order.
/// </remarks>
public static class RunStateMachine
{
    /// <summary>A new pending run: every task pending, parameters merged (workflow defaults, then overrides).</summary>
    public static RunState Create(WorkflowDefinition workflow, int version, string runId, JsonObject? paramOverrides, DateTimeOffset scheduledAt, DateTimeOffset createdAt)
    {
        // Sorted so the stored JSON does not depend on the order a dictionary happened to enumerate in.
        var merged = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, value) in workflow.Params)
        {
            if (value is not null)
            {
                merged[name] = value.DeepClone();
            }
        }

        if (paramOverrides is not null)
        {
            foreach (var (name, value) in paramOverrides)
            {
                merged[name] = value?.DeepClone();
            }
        }

        var parameters = new JsonObject();
        foreach (var (name, value) in merged)
        {
            parameters[name] = value;
        }

        var tasks = new Dictionary<string, TaskState>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            tasks[task.Id] = new TaskState();
        }

        return new RunState
        {
            RunId = runId,
            WorkflowId = workflow.Id,
            WorkflowVersion = version,
            Params = parameters,
            ScheduledAt = scheduledAt,
            CreatedAt = createdAt,
            Tasks = tasks,
        };
    }

    /// <summary>
    /// Why a callback for attempt <paramref name="attempt"/> of a task would not be applied (used, timed out, run ended, a result
    /// already held), or null when it will be: the callback endpoint answers "accepted" only for what it does not drop.
    /// </summary>
    /// <remarks>A task still Running counts: a backend may post before its call answers (see <see cref="TaskState.HeldCallback"/>).</remarks>
    public static string? CallbackRefusal(RunState state, string taskId, int attempt)
    {
        if (state.Status != RunStatus.Running || !state.Tasks.TryGetValue(taskId, out var task)
            || task.Status is not (TaskRunStatus.Waiting or TaskRunStatus.Running) || task.Attempt != attempt)
        {
            return $"Task '{taskId}' of run '{state.RunId}' is not waiting for this callback (it was used already, timed out, or the run ended).";
        }

        return task.HeldCallback is null
            ? null
            : $"Task '{taskId}' of run '{state.RunId}' already has a result for attempt {attempt}, posted before its call answered; it is applied when the call answers.";
    }

    /// <summary>Applies one event. Events that no longer apply (a late attempt, a stale timer, anything after the run ended) change nothing and yield no commands.</summary>
    public static Transition Apply(WorkflowDefinition workflow, RunState state, RunEvent runEvent)
    {
        var run = new RunTransitionBuilder(workflow, state, runEvent.At);
        var applied = runEvent switch
        {
            RunStarted => run.Start(),
            AttemptCompleted e => run.CompleteAttempt(e.TaskId, e.Attempt, e.Outcome, fromCallback: false),
            CallbackReceived e => run.CompleteAttempt(e.TaskId, e.Attempt, e.Outcome, fromCallback: true),
            TimerFired e => run.FireTimer(e.Purpose, e.TaskId, e.Attempt),
            CancelRequested e => run.Cancel(e.Reason, e.By),
            RedriveRequested e => run.Redrive(e.Tasks, e.By),
            RunAborted e => run.Abort(e.Reason),
            NotificationReported e => run.ReportNotification(e.Key, e.Deliveries),
            _ => false,
        };

        return applied
            ? new Transition(run.Build(), run.Commands, run.Log)
            : new Transition(state, [], []) { Ignored = true };
    }

    /// <summary>True when the run reached a final status (succeeded, failed or cancelled); nothing changes it afterwards.</summary>
    public static bool IsFinished(RunState state) => RunStatuses.IsFinal(state.Status);

    /// <summary>
    /// The commands that re-arm everything a running state is waiting for, for a driver that resumes from a snapshot
    /// (Durable's ContinueAsNew, or recovery after a lost outbox): the run timeout, an <see cref="InvokeTask"/> of the
    /// current attempt of each running task (same attempt, so the same Idempotency-Key), the backoff timer of each retrying
    /// task, the wait and deadline of each waiting task, the timer of each wait task, the sla timers (the run's, each started
    /// task's) not yet missed, and for a forEach task the same for each instance in flight. Empty when the run is not running
    /// (see <see cref="OwedNotifications"/> for what a finished run still owes). Declaration order.
    /// </summary>
    public static IReadOnlyList<RunCommand> Outstanding(WorkflowDefinition workflow, RunState state)
    {
        var commands = new List<RunCommand>();
        if (state.Status != RunStatus.Running)
        {
            return commands;
        }

        if (workflow.Timeout is { } timeout && state.StartedAt is { } started)
        {
            commands.Add(new StartTimer(TimerPurpose.RunTimeout, null, state.Redrives, (state.RedrivenAt ?? started) + timeout));
        }

        if (workflow.Sla is { } sla && !state.SlaMissed && state.StartedAt is { } from)
        {
            commands.Add(new StartTimer(TimerPurpose.Sla, null, state.Redrives, (state.RedrivenAt ?? from) + sla));
        }

        foreach (var task in workflow.Tasks)
        {
            if (!state.Tasks.TryGetValue(task.Id, out var s))
            {
                continue;
            }

            if (task.Sla is { } taskSla && !s.SlaMissed && s.StartedAt is { } taskStarted && s.Status is not TaskRunStatus.Pending && !TriggerRules.IsFinal(s.Status))
            {
                commands.Add(new StartTimer(TimerPurpose.Sla, task.Id, s.AttemptBase, taskStarted + taskSla));
            }

            if (s.ForEach is { } fan)
            {
                foreach (var instance in fan.Running)
                {
                    var id = ForEachInstances.Id(task.Id, instance.Index);
                    commands.Add(instance.State.Status == TaskRunStatus.Retrying && instance.State.DueAt is { } retryAt
                        ? new StartTimer(TimerPurpose.Retry, id, instance.State.Attempt, retryAt)
                        : new InvokeTask(id, instance.State.Attempt));
                }

                continue;
            }

            switch (s.Status)
            {
                case TaskRunStatus.Running:
                    commands.Add(new InvokeTask(task.Id, s.Attempt));
                    break;
                case TaskRunStatus.Retrying when s.DueAt is { } due:
                    commands.Add(new StartTimer(TimerPurpose.Retry, task.Id, s.Attempt, due));
                    break;
                case TaskRunStatus.Waiting when task.Type == TaskTypes.Wait && s.DueAt is { } end:
                    commands.Add(new StartTimer(TimerPurpose.Wait, task.Id, s.Attempt, end));
                    break;
                case TaskRunStatus.Waiting when s.DueAt is { } deadline:
                    commands.Add(new WaitForCallback(task.Id, s.Attempt, deadline));
                    commands.Add(new StartTimer(TimerPurpose.CallbackTimeout, task.Id, s.Attempt, deadline));
                    break;
            }
        }

        return commands;
    }

    /// <summary>
    /// The sends of the notifications <paramref name="state"/> owes, oldest first, whatever the run's status (a finished run may
    /// still owe its outcome's): for a driver that resumes from a snapshot, or adopts a run whose sender died.
    /// </summary>
    public static IReadOnlyList<SendNotification> OwedNotifications(RunState state) =>
        [.. (state.Notices ?? []).Select(n => new SendNotification(n))];

    /// <summary>
    /// True when nothing is left to do for the run: its status is final and it owes no notification (a finished run is held by
    /// its driver until its outcome's notifications are recorded).
    /// </summary>
    public static bool IsSettled(RunState state) => RunStatuses.IsFinal(state.Status) && state.Notices is null;

    /// <summary>Whether <paramref name="finished"/> can be retried from its failed tasks; the reason when it cannot.</summary>
    public static bool CanRetryFromFailed(RunState finished, [NotNullWhen(false)] out string? reason)
    {
        reason = finished.Status switch
        {
            RunStatus.Failed or RunStatus.Cancelled => null,
            RunStatus.Succeeded => $"Run {finished.RunId} succeeded; there is nothing to retry.",
            _ => $"Run {finished.RunId} is still {finished.Status.ToString().ToLowerInvariant()}; only a failed or cancelled run can be retried.",
        };
        return reason is null;
    }

    /// <summary>Whether <paramref name="run"/> can be redriven in place (it failed or was cancelled); the reason when it cannot.</summary>
    public static bool CanRedrive(RunState run, [NotNullWhen(false)] out string? reason)
    {
        reason = run.Status switch
        {
            RunStatus.Failed or RunStatus.Cancelled => null,
            RunStatus.Succeeded => $"Run {run.RunId} succeeded; only a failed or cancelled run can be redriven (start a new run instead).",
            _ => $"Run {run.RunId} is still {run.Status.ToString().ToLowerInvariant()}; only a failed or cancelled run can be redriven.",
        };
        return reason is null;
    }

    /// <summary>The names in <paramref name="named"/> that are not tasks of <paramref name="workflow"/>, in the order given.</summary>
    public static IReadOnlyList<string> UnknownTasks(WorkflowDefinition workflow, IEnumerable<string> named) =>
        [.. named.Where(n => !workflow.Tasks.Any(t => t.Id == n)).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The tasks a redrive resets, in declaration order: the <paramref name="named"/> tasks and every task downstream of them
    /// (transitively); with none named, every task that did not succeed (failed, cancelled, skipped or never run).
    /// </summary>
    public static IReadOnlyList<string> RedriveTasks(WorkflowDefinition workflow, RunState run, IReadOnlyCollection<string> named)
    {
        if (named.Count == 0)
        {
            return [.. workflow.Tasks.Where(t => !(run.Tasks.TryGetValue(t.Id, out var s) && s.Status == TaskRunStatus.Succeeded)).Select(t => t.Id)];
        }

        var reset = new HashSet<string>(named, StringComparer.Ordinal);
        // Declaration order need not be topological: repeat until no task joins (at most one pass per task).
        bool grew;
        do
        {
            grew = false;
            foreach (var task in workflow.Tasks)
            {
                if (!reset.Contains(task.Id) && task.DependsOn.Any(reset.Contains))
                {
                    grew = reset.Add(task.Id) || grew;
                }
            }
        }
        while (grew);

        return [.. workflow.Tasks.Where(t => reset.Contains(t.Id)).Select(t => t.Id)];
    }

    /// <summary>
    /// A new run that keeps the succeeded tasks of a finished run (with their outputs) and re-runs the rest; a forEach task it
    /// re-runs keeps its succeeded instances as a redrive does (<see cref="ForEachRuns.KeptOnRedrive"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The run is not failed or cancelled (see <see cref="CanRetryFromFailed"/>).</exception>
    public static RunState RetryFromFailed(WorkflowDefinition workflow, RunState finished, string newRunId, DateTimeOffset createdAt)
    {
        if (!CanRetryFromFailed(finished, out var reason))
        {
            throw new ArgumentException(reason, nameof(finished));
        }

        // The tasks the new run runs again: exactly those a redrive naming none would.
        var reset = RedriveTasks(workflow, finished, []);
        var tasks = new Dictionary<string, TaskState>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            var old = finished.Tasks.GetValueOrDefault(task.Id);
            tasks[task.Id] = old is { Status: TaskRunStatus.Succeeded }
                ? old
                : new TaskState { ForEach = old is null ? null : ForEachRuns.KeptOnRedrive(task, old, reset) };
        }

        return new RunState
        {
            RunId = newRunId,
            WorkflowId = finished.WorkflowId,
            WorkflowVersion = finished.WorkflowVersion,
            Params = (JsonObject)finished.Params.DeepClone(),
            ScheduledAt = finished.ScheduledAt,
            CreatedAt = createdAt,
            RetryOf = finished.RunId,
            Tasks = tasks,
        };
    }

    /// <summary>
    /// The outputs of <paramref name="taskId"/>'s direct upstream tasks, in dependsOn order, for the request envelope's
    /// <c>inputs</c>: every upstream task is present, with null when it did not succeed or returned nothing. Nodes are copies.
    /// </summary>
    public static IReadOnlyDictionary<string, JsonNode?> TaskInputs(WorkflowDefinition workflow, RunState state, string taskId)
    {
        var inputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var task = workflow.Tasks.FirstOrDefault(t => t.Id == taskId);
        if (task is null)
        {
            return inputs;
        }

        foreach (var upstream in task.DependsOn)
        {
            inputs[upstream] = state.Tasks.TryGetValue(upstream, out var s) && s.Status == TaskRunStatus.Succeeded
                ? s.Output?.DeepClone()
                : null;
        }

        return inputs;
    }

    /// <summary>Every succeeded task's output by task id (copies), for templates' <c>tasks.X.output</c>.</summary>
    public static IReadOnlyDictionary<string, JsonNode?> AllOutputs(RunState state)
    {
        var outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (id, task) in state.Tasks)
        {
            if (task.Status == TaskRunStatus.Succeeded)
            {
                outputs[id] = task.Output?.DeepClone();
            }
        }

        return outputs;
    }

    /// <summary>One row per task in declaration order, joining its definition and its state, for the API and dashboard.</summary>
    public static IReadOnlyList<TaskView> TaskViews(WorkflowDefinition workflow, RunState state) =>
        [.. workflow.Tasks.Select(t =>
        {
            var s = state.Tasks.TryGetValue(t.Id, out var found) ? found : new TaskState();
            return new TaskView(
                t.Id, s.Status, s.Attempt, s.AttemptBase + s.HeldAttempts + Math.Max(1, t.Retry.MaxAttempts), t.DependsOn, TriggerRules.Name(t.Trigger),
                t.Completion, t.AllowFailure, s.StartedAt, s.FinishedAt, s.DueAt, s.Reason, s.LastStatusCode, s.Output is not null)
            {
                Type = t.Type,
                When = t.When,
            };
        })];
}
