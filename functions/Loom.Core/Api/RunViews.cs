using System.Text.Json.Nodes;
using Loom.Core.Api.Contracts;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Planning;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>The API's views of runs, tasks, attempts and events as contract records, the same for every host.</summary>
public static class RunViews
{
    /// <summary>A run as listed.</summary>
    public static RunSummary Summary(RunRecord run) => new(
        run.RunId, run.WorkflowId, run.WorkflowVersion, ParseStatus(run.Status), run.Trigger, run.CreatedAt, run.ScheduledAt, run.FinishedAt);

    /// <summary>A run with every task's state, in the workflow's task order.</summary>
    public static RunDetail Detail(RunRecord run, RunState state, WorkflowDefinition? definition)
    {
        var counts = new Dictionary<string, int>();
        foreach (var group in state.Tasks.Values.GroupBy(t => t.Status).OrderBy(g => g.Key))
        {
            counts[RunStatuses.Name(group.Key)] = group.Count();
        }
        var order = definition?.Tasks.Select(t => t.Id).Where(state.Tasks.ContainsKey).ToList() ?? state.Tasks.Keys.Order(StringComparer.Ordinal).ToList();
        var stages = definition is null ? null : ExecutionPlan.For(definition).Stages;
        var tasks = new List<TaskStateView>(order.Count);
        foreach (var id in order)
        {
            var task = state.Tasks[id];
            var def = definition?.Tasks.FirstOrDefault(t => t.Id == id);
            tasks.Add(new TaskStateView(
                id,
                task.Status,
                task.Attempt,
                def?.Retry.MaxAttempts,
                def?.DependsOn.ToList(),
                stages is null ? null : stages.Select((ids, i) => (ids, i)).FirstOrDefault(s => s.ids.Contains(id)).i,
                task.StartedAt,
                task.FinishedAt,
                task.DueAt,
                task.Reason,
                task.LastStatusCode,
                task.Output?.DeepClone(),
                task.OutputTruncated,
                def?.Type,
                def?.When,
                ForEachViews.Summary(task, def)));
        }
        return new RunDetail(
            run.RunId, run.WorkflowId, run.WorkflowVersion, state.Status, run.Trigger, run.CreatedAt, run.ScheduledAt,
            state.FinishedAt,
            state.StartedAt,
            state.StartedAt is { } s ? ((state.FinishedAt ?? s) - s).TotalMilliseconds : null,
            state.Reason,
            state.RetryOf,
            (JsonObject)state.Params.DeepClone(),
            counts,
            tasks,
            state.Trace?.TraceId);
    }

    /// <summary>
    /// A task's attempts in attempt order. An attempt that did not succeed and was followed by another carries <c>retryAt</c> (when
    /// the next attempt started, or is due while the task waits to retry) and <c>retryDelayMs</c> (from its end to then), so
    /// "failed" never reads as final when it was not.
    /// </summary>
    /// <param name="attempts">The task's attempt rows.</param>
    /// <param name="task">The task's state in the run, for a retry that is due but has not started yet.</param>
    /// <param name="events">The run's events, for the start of a retry whose own row is not written yet (it is written with its outcome).</param>
    public static IReadOnlyList<AttemptView> Attempts(IReadOnlyList<AttemptRecord> attempts, TaskState? task, IReadOnlyList<RunEventRecord>? events = null)
    {
        var ordered = attempts.OrderBy(a => a.Attempt).ToList();
        var items = new List<AttemptView>(ordered.Count);
        foreach (var a in ordered)
        {
            var view = Attempt(a);
            if (a.Outcome != "succeeded" && RetryStart(a, ordered, task, events) is { } at)
            {
                view = view with { RetryAt = at, RetryDelayMs = Math.Max(0, (at - (a.StartedAt + a.Duration)).TotalMilliseconds) };
            }
            items.Add(view);
        }
        return items;
    }

    /// <summary>True when <see cref="Attempts"/> needs the run's events: a later attempt has started but has no row yet.</summary>
    public static bool NeedsEvents(IReadOnlyList<AttemptRecord> attempts, TaskState? task) =>
        task is not null && attempts.Count > 0 && task.Attempt > attempts.Max(a => a.Attempt);

    private static DateTimeOffset? RetryStart(AttemptRecord a, List<AttemptRecord> ordered, TaskState? task, IReadOnlyList<RunEventRecord>? events)
    {
        if (ordered.FirstOrDefault(b => b.Attempt == a.Attempt + 1) is { } next) return next.StartedAt;
        if (task is { Status: TaskRunStatus.Retrying, DueAt: { } due } && task.Attempt == a.Attempt) return due;
        if (task is null || task.Attempt <= a.Attempt) return null;
        return events?.FirstOrDefault(e => e.Type == RunLogTypes.TaskStarted && e.TaskId == a.TaskId && EventAttempt(e) == a.Attempt + 1)?.Timestamp;
    }

    // The event log's data is {"Attempt": n, "Message": ...} (RunEventLog).
    private static int? EventAttempt(RunEventRecord e)
    {
        try
        {
            return JsonNode.Parse(e.Data) is JsonObject o && o["Attempt"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>One entry of a run's event log, as listed and as streamed.</summary>
    public static RunEventView Event(RunEventRecord e) => new(e.Sequence, e.Timestamp, e.Type, e.TaskId, ParseOrText(e.Data));

    private static JsonNode? ParseOrText(string data)
    {
        try
        {
            return JsonNode.Parse(data);
        }
        catch (System.Text.Json.JsonException)
        {
            return data;
        }
    }

    /// <summary>One attempt of the history.</summary>
    public static AttemptView Attempt(AttemptRecord a) =>
        new(a.Attempt, a.StartedAt, a.Duration.TotalMilliseconds, a.Outcome, a.StatusCode, a.RequestSummary, a.Error, a.Output, a.OutputTruncated);

    // Runs store their status as its lower-case name (Name below), so it always parses back.
    private static RunStatus ParseStatus(string stored) => Enum.Parse<RunStatus>(stored, ignoreCase: true);
}

/// <summary>The view of a parsed definition (for the dashboard's graph and the CLI).</summary>
public static class DefinitionViews
{
    /// <summary>The definition's tasks, edges and policies.</summary>
    public static DefinitionView For(WorkflowDefinition definition)
    {
        var tasks = definition.Tasks.Select(t => new DefinitionTask(
            t.Id,
            t.Type,
            t.Type == TaskTypes.Wait ? null : t.Method,
            t.Type == TaskTypes.Wait ? null : t.Url,
            t.When,
            t.WaitDuration?.TotalMilliseconds,
            t.WaitUntil,
            [.. t.DependsOn],
            t.Trigger,
            t.Completion,
            t.Timeout.TotalMilliseconds,
            t.Retry.MaxAttempts,
            t.Retry.Backoff,
            t.AllowFailure,
            t.ForEach,
            t.ForEach is null ? null : t.MaxParallel)).ToList();
        var parameters = new JsonObject();
        foreach (var (name, value) in definition.Params) parameters[name] = value?.DeepClone();
        return new DefinitionView(definition.Id, definition.Name ?? definition.Id, definition.FailFast, definition.Timeout?.TotalMilliseconds, parameters, tasks);
    }
}
