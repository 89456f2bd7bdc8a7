using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Templating;

namespace Loom.Core.Engine;

/// <summary>The rules of forEach tasks that the machine, the request builder and the views share: the list, and an instance's state.</summary>
public static class ForEachRuns
{
    /// <summary>
    /// The list a forEach task fans out over, resolved against the run's params and the upstream outputs in
    /// <paramref name="tasks"/>; null with the reason when it cannot be resolved, is not a list, or is over the host limit.
    /// The list is the stored node itself, not a copy: callers copy the item they keep.
    /// </summary>
    /// <param name="task">A task with <see cref="TaskDefinition.ForEach"/>.</param>
    /// <param name="state">The run (params, identity).</param>
    /// <param name="tasks">The run's task states (the transition's working copy, or the state's).</param>
    /// <param name="error">Why there is no list.</param>
    public static JsonArray? Resolve(TaskDefinition task, RunState state, IReadOnlyDictionary<string, TaskState> tasks, out string? error)
    {
        var text = task.ForEach ?? string.Empty;
        if (TemplateEngine.FindReferences(text) is not [var reference])
        {
            error = $"forEach '{text}' is not one template expression";
            return null;
        }

        // Only the task named is offered, without copying: the list may be large and is read once per instance.
        var outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (reference is { IsValid: true, Root: "tasks", Name: { } name } && tasks.TryGetValue(name, out var upstream) && upstream.Status == TaskRunStatus.Succeeded)
        {
            outputs[name] = upstream.Output;
        }

        var scope = new TemplateScope { Params = state.Params, RunId = state.RunId, WorkflowId = state.WorkflowId, ScheduledAt = state.ScheduledAt, Outputs = outputs };
        JsonNode? value;
        try
        {
            value = TemplateEngine.Resolve(reference, scope);
        }
        catch (TemplateException e)
        {
            error = $"forEach list could not be resolved: {e.Message}";
            return null;
        }

        if (value is not JsonArray list)
        {
            var kind = value is null ? "null" : "a " + value.GetValueKind().ToString().ToLowerInvariant();
            error = $"forEach '{text}' resolved to {kind}, not a list";
            return null;
        }

        if (list.Count > ForEachInstances.MaxItems)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"forEach list has {list.Count:N0} items, over the host limit of {ForEachInstances.MaxItems:N0} instances per task; split the list upstream");
            return null;
        }

        error = null;
        return list;
    }

    /// <summary>The item and index of instance <paramref name="instanceId"/>, for its request; null when it is not an instance of a resolvable list.</summary>
    public static (JsonNode? Item, int Index)? ItemOf(WorkflowDefinition workflow, RunState state, string instanceId)
    {
        if (!ForEachInstances.TryParse(instanceId, out var taskId, out var index)
            || workflow.Tasks.FirstOrDefault(t => t.Id == taskId) is not { ForEach: not null } task
            || Resolve(task, state, state.Tasks, out _) is not { } list || index >= list.Count)
        {
            return null;
        }

        return (list[index]?.DeepClone(), index);
    }

    /// <summary>The state of a task, or of an instance in flight (<c>T[i]</c>); null when there is none.</summary>
    public static TaskState? StateOf(RunState state, string taskId)
    {
        if (state.Tasks.TryGetValue(taskId, out var task))
        {
            return task;
        }

        return ForEachInstances.TryParse(taskId, out var parent, out var index) && state.Tasks.TryGetValue(parent, out var owner)
            ? owner.ForEach?.Running.FirstOrDefault(i => i.Index == index)?.State
            : null;
    }

    /// <summary>True when <paramref name="taskId"/> names an instance (<c>T[i]</c>) of a forEach task of the run whose list has an item <c>i</c>.</summary>
    public static bool IsInstance(RunState state, string taskId) =>
        ForEachInstances.TryParse(taskId, out var parent, out var index)
        && state.Tasks.TryGetValue(parent, out var owner) && owner.ForEach is { } fan && index < fan.Count;

    /// <summary>
    /// What a redrive, or a retry as a new run, keeps of a forEach task it runs again: its succeeded instances, with their
    /// outputs, when the task did not succeed and its list comes out the same (a param, or an upstream task that is kept); every
    /// other instance is pending again. Null when it starts afresh: it succeeded (named to run again), never fanned out, has no
    /// succeeded instance, or the task its list comes from runs again too (its list may differ).
    /// </summary>
    /// <param name="task">The forEach task's definition.</param>
    /// <param name="state">Its state in the failed or cancelled run.</param>
    /// <param name="reset">Every task the redrive or retry runs again.</param>
    public static ForEachState? KeptOnRedrive(TaskDefinition task, TaskState state, IReadOnlyCollection<string> reset)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(reset);
        if (task.ForEach is null || state.Status == TaskRunStatus.Succeeded || state.ForEach is not { Count: > 0 } fan
            || fan.CountOf(ForEachState.Succeeded) == 0
            || TemplateEngine.FindReferences(task.ForEach) is not [{ IsValid: true } reference]
            || (reference.Root == "tasks" && (reference.Name is not { } source || reset.Contains(source))))
        {
            return null;
        }

        var statuses = fan.Statuses.ToCharArray();
        for (var i = 0; i < statuses.Length; i++)
        {
            if (statuses[i] != ForEachState.Succeeded) statuses[i] = ForEachState.Pending;
        }

        return fan with { Statuses = new string(statuses), Next = 0, Running = [], FirstFailure = null };
    }

    /// <summary>Instance counts by status name (pending, running, retrying, succeeded, failed, cancelled), for views; only non-zero counts.</summary>
    public static IReadOnlyDictionary<string, int> Counts(ForEachState fan)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Add(string name, int n)
        {
            if (n > 0) counts[name] = n;
        }

        Add("pending", fan.CountOf(ForEachState.Pending));
        Add("running", fan.Running.Count(i => i.State.Status == TaskRunStatus.Running));
        Add("retrying", fan.Running.Count(i => i.State.Status == TaskRunStatus.Retrying));
        Add("succeeded", fan.CountOf(ForEachState.Succeeded));
        Add("failed", fan.CountOf(ForEachState.Failed));
        Add("cancelled", fan.CountOf(ForEachState.Cancelled));
        return counts;
    }
}
