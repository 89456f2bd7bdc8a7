using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Json;

namespace Loom.Core.Engine;

/// <summary>forEach tasks: one instance per item, each with its own attempts and retries, at most maxParallel in flight.</summary>
/// <remarks>
/// Semantics: instances start in item order; an instance waiting to retry keeps its slot. Instances are independent: one that
/// fails for good does not stop the others (the task fails once every instance is final, naming the first failure), except
/// under the workflow's failFast, where it ends the run at once as any task failure does. The task succeeds when every instance
/// succeeded; its output is the array of the instances' outputs in item order (null for an instance that returned none).
/// </remarks>
internal sealed partial class RunTransitionBuilder
{
    /// <summary>A forEach task whose trigger rule (and condition) holds: its list is resolved and the first instances start.</summary>
    private void Expand(TaskDefinition def, TaskState task)
    {
        if (ForEachRuns.Resolve(def, original, tasks, out var error) is not { } list)
        {
            FailFinal(def, task, error ?? "forEach list could not be resolved");
            return;
        }

        task = task with { Status = TaskRunStatus.Running, StartedAt = task.StartedAt ?? at, DueAt = null, Reason = null };
        if (list.Count == 0)
        {
            const string empty = "forEach list is empty: no instances to run";
            tasks[def.Id] = task with { Status = TaskRunStatus.Succeeded, FinishedAt = at, Reason = empty, Output = new JsonArray(), ForEach = new ForEachState() };
            AddLog(RunLogTypes.TaskSucceeded, def.Id, null, empty);
            return;
        }

        // A redrive or a retry keeps the instances that succeeded (ForEachRuns.KeptOnRedrive): only the others run again.
        var kept = task.ForEach is { } k && k.Count == list.Count ? k : null;
        tasks[def.Id] = task with { ForEach = kept ?? new ForEachState { Count = list.Count, Statuses = new string(ForEachState.Pending, list.Count) } };
        var keeping = kept?.CountOf(ForEachState.Succeeded) ?? 0;
        AddLog(RunLogTypes.TaskStarted, def.Id, null, string.Create(CultureInfo.InvariantCulture,
            $"forEach over {list.Count:N0} items, at most {Math.Max(1, def.MaxParallel)} at once{(keeping > 0 ? $"; {keeping:N0} that succeeded before are kept" : "")}"));
        StartInstances(def);
        FinishIfAllFinal(def);
    }

    /// <summary>Starts pending instances, in item order, until maxParallel are in flight.</summary>
    private void StartInstances(TaskDefinition def)
    {
        var task = Get(def.Id);
        var fan = task.ForEach!;
        if (fan.Next >= fan.Count || fan.Running.Count >= Math.Max(1, def.MaxParallel))
        {
            return;
        }

        var running = fan.Running.ToList();
        var statuses = fan.Statuses.ToCharArray();
        var next = fan.Next;
        var attempt = task.AttemptBase + 1;
        var max = Math.Max(1, def.Retry.MaxAttempts);
        while (running.Count < Math.Max(1, def.MaxParallel) && next < fan.Count)
        {
            if (statuses[next] != ForEachState.Pending)
            {
                // Succeeded before a redrive: kept, not run again.
                next++;
                continue;
            }

            var id = ForEachInstances.Id(def.Id, next);
            running.Add(new ForEachInstance(next, new TaskState { Status = TaskRunStatus.Running, Attempt = attempt, AttemptBase = task.AttemptBase, StartedAt = at }));
            statuses[next] = ForEachState.Active;
            Commands.Add(new InvokeTask(id, attempt));
            AddLog(RunLogTypes.TaskStarted, id, attempt, $"attempt 1 of {max}");
            next++;
        }

        tasks[def.Id] = task with
        {
            Attempt = Math.Max(task.Attempt, attempt),
            ForEach = fan with { Running = running, Statuses = new string(statuses), Next = next },
        };
    }

    /// <summary>An attempt of an instance ended: success, retry or failure of the instance; then the next instances start.</summary>
    private bool CompleteInstance(string taskId, int index, int attempt, AttemptOutcome outcome, bool fromCallback)
    {
        // Instances are sync tasks (registration refuses callback completion with forEach): a callback for one is forged or stale.
        if (fromCallback || status != RunStatus.Running || !definitions.TryGetValue(taskId, out var def) || def.ForEach is null
            || Get(taskId) is not { Status: TaskRunStatus.Running, ForEach: { } fan } task)
        {
            return false;
        }

        var position = IndexOfRunning(fan, index);
        if (position < 0 || fan.Running[position].State is not { Status: TaskRunStatus.Running } instance || instance.Attempt != attempt)
        {
            return false;
        }

        var id = ForEachInstances.Id(taskId, index);
        LogCircuit(id, attempt, outcome);
        if (outcome.Kind == OutcomeKind.Held)
        {
            // Its target's circuit is open: the instance waits for it like a task does, and the attempt is not counted.
            var until = outcome.HeldUntil is { } u && u > at ? u : at + AttemptOutcome.MinHold;
            var waiting = fan.Running.ToList();
            waiting[position] = new ForEachInstance(index, instance with { Status = TaskRunStatus.Retrying, DueAt = until, Reason = outcome.Message, HeldAttempts = instance.HeldAttempts + 1 });
            tasks[taskId] = task with { ForEach = fan with { Running = waiting } };
            Commands.Add(new StartTimer(TimerPurpose.Retry, id, attempt, until));
            AddLog(RunLogTypes.TaskHeld, id, attempt,
                Join(outcome.Message, $"attempt {attempt} not sent and not counted against maxAttempts; tried again at {Stamp(until)}"));
            return true;
        }

        if (outcome.Kind is OutcomeKind.Succeeded or OutcomeKind.Accepted && InstanceOutputRefusal(def.Id, fan, outcome.Output) is { } tooLarge)
        {
            outcome = outcome with { Kind = OutcomeKind.Failed, Failure = FailureClass.Invalid, Message = tooLarge, Output = null, Retryable = false };
        }

        if (outcome.Kind is OutcomeKind.Succeeded or OutcomeKind.Accepted)
        {
            var outputs = fan.Outputs;
            var chars = fan.OutputChars;
            if (outcome.Output is { } output)
            {
                outputs = outputs is null ? [] : (JsonObject)outputs.DeepClone();
                outputs[index.ToString(CultureInfo.InvariantCulture)] = output.DeepClone();
                chars += output.ToJsonString().Length;
            }

            fan = Settle(fan, position, ForEachState.Succeeded) with { Outputs = outputs, OutputChars = chars };
            tasks[taskId] = task with { ForEach = fan };
            AddLog(RunLogTypes.TaskSucceeded, id, attempt, outcome.Message);
        }
        else
        {
            var why = Describe(outcome);
            var statusCode = outcome.StatusCode ?? instance.LastStatusCode;
            var sinceRedrive = instance.Attempt - instance.AttemptBase - instance.HeldAttempts;
            if (RetryDelays.ShouldRetry(def.Retry, outcome, sinceRedrive))
            {
                var delay = RetryDelays.Compute(def.Retry, original.RunId, id, sinceRedrive, outcome.RetryAfter);
                var due = at + delay;
                var running = fan.Running.ToList();
                running[position] = new ForEachInstance(index, instance with { Status = TaskRunStatus.Retrying, DueAt = due, Reason = why, LastStatusCode = statusCode });
                tasks[taskId] = task with { ForEach = fan with { Running = running } };
                Commands.Add(new StartTimer(TimerPurpose.Retry, id, attempt, due));
                AddLog(RunLogTypes.TaskRetrying, id, attempt, $"{why}; attempt {attempt + 1} in {Durations.Format(delay)}");
                return true;
            }

            fan = Settle(fan, position, ForEachState.Failed) with { FirstFailure = fan.FirstFailure ?? $"{id}: {why}" };
            tasks[taskId] = task with { ForEach = fan, LastStatusCode = statusCode };
            AddLog(RunLogTypes.TaskFailed, id, attempt, why);
            if (workflow.FailFast && !def.AllowFailure)
            {
                // The task fails at once (its other instances are cancelled), and with it the run.
                FailFinal(def, CancelInstances(taskId, Get(taskId)), $"{id}: {why}");
                return true;
            }
        }

        StartInstances(def);
        FinishIfAllFinal(def);
        Advance();
        return true;
    }

    /// <summary>A retry timer of an instance fired: its next attempt starts.</summary>
    private bool FireInstanceTimer(TimerPurpose purpose, string taskId, int index, int attempt)
    {
        if (purpose != TimerPurpose.Retry || !definitions.TryGetValue(taskId, out var def) || def.ForEach is null
            || Get(taskId) is not { Status: TaskRunStatus.Running, ForEach: { } fan } task)
        {
            return false;
        }

        var position = IndexOfRunning(fan, index);
        if (position < 0 || fan.Running[position].State is not { Status: TaskRunStatus.Retrying } instance || instance.Attempt != attempt)
        {
            return false;
        }

        var next = attempt + 1;
        var running = fan.Running.ToList();
        running[position] = new ForEachInstance(index, instance with { Status = TaskRunStatus.Running, Attempt = next, DueAt = null });
        tasks[taskId] = task with { Attempt = Math.Max(task.Attempt, next), ForEach = fan with { Running = running } };
        var id = ForEachInstances.Id(taskId, index);
        Commands.Add(new InvokeTask(id, next));
        AddLog(RunLogTypes.TaskStarted, id, next, $"attempt {next - instance.AttemptBase} of {Math.Max(1, def.Retry.MaxAttempts)}");
        return true;
    }

    /// <summary>Once every instance is final: the task fails when one failed, else succeeds with the outputs in item order.</summary>
    private void FinishIfAllFinal(TaskDefinition def)
    {
        var task = Get(def.Id);
        if (task is not { Status: TaskRunStatus.Running, ForEach: { } fan } || fan.Next < fan.Count || fan.Running.Count > 0)
        {
            return;
        }

        var failed = fan.CountOf(ForEachState.Failed);
        if (failed > 0)
        {
            // The succeeded instances' outputs stay: a redrive keeps those instances instead of running them again.
            FailFinal(def, task, string.Create(CultureInfo.InvariantCulture,
                $"{failed:N0} of {fan.Count:N0} instances failed; first: {fan.FirstFailure}"));
            return;
        }

        var array = new JsonArray();
        for (var i = 0; i < fan.Count; i++)
        {
            array.Add(fan.Outputs?[i.ToString(CultureInfo.InvariantCulture)]?.DeepClone());
        }

        var done = task with { ForEach = fan with { Outputs = null, OutputChars = 0 } };
        if (OverOutputBudget(def.Id, array) is { } tooLarge)
        {
            FailFinal(def, done, "the instances' outputs together: " + tooLarge);
            return;
        }

        tasks[def.Id] = done with { Status = TaskRunStatus.Succeeded, FinishedAt = at, DueAt = null, Reason = null, Output = array };
        AddLog(RunLogTypes.TaskSucceeded, def.Id, null, string.Create(CultureInfo.InvariantCulture, $"all {fan.Count:N0} instances succeeded"));
    }

    /// <summary>Cancels a forEach task's instances with its run: aborts the calls in flight; every instance not final is cancelled.</summary>
    private TaskState CancelInstances(string taskId, TaskState task)
    {
        if (task.ForEach is not { } fan)
        {
            return task;
        }

        foreach (var instance in fan.Running.Where(i => i.State.Status == TaskRunStatus.Running))
        {
            AbortAttempt(ForEachInstances.Id(taskId, instance.Index), instance.State.Attempt);
        }

        // The succeeded instances' outputs stay, for a redrive to keep.
        var statuses = fan.Statuses.Replace(ForEachState.Active, ForEachState.Cancelled).Replace(ForEachState.Pending, ForEachState.Cancelled);
        return task with { ForEach = fan with { Statuses = statuses, Running = [], Next = fan.Count } };
    }

    /// <summary>Why an instance's output cannot be kept, or null: the run's output budget counts every instance's output.</summary>
    private string? InstanceOutputRefusal(string taskId, ForEachState fan, JsonNode? output)
    {
        if (output is null)
        {
            return null;
        }

        // One level less than any output: the task's output wraps the instances' in an array.
        if (JsonNesting.DepthOf(output) >= JsonNesting.MaxDepth)
        {
            return $"the output nests deeper than {JsonNesting.MaxDepth - 1} levels, the most an instance's output may (the task's output is their array)";
        }

        return OverOutputBudget(taskId, output, fan.OutputChars);
    }

    private static ForEachState Settle(ForEachState fan, int position, char final)
    {
        var running = fan.Running.ToList();
        var index = running[position].Index;
        running.RemoveAt(position);
        var statuses = fan.Statuses.ToCharArray();
        statuses[index] = final;
        return fan with { Running = running, Statuses = new string(statuses) };
    }

    private static int IndexOfRunning(ForEachState fan, int index)
    {
        for (var i = 0; i < fan.Running.Count; i++)
        {
            if (fan.Running[i].Index == index)
            {
                return i;
            }
        }

        return -1;
    }
}
