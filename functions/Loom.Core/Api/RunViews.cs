using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Planning;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>JSON views of runs, tasks and attempts, the same for every host.</summary>
public static class RunViews
{
    /// <summary>A run as listed.</summary>
    public static JsonObject Summary(RunRecord run) => new()
    {
        ["runId"] = run.RunId,
        ["workflowId"] = run.WorkflowId,
        ["version"] = run.WorkflowVersion,
        ["status"] = run.Status,
        ["trigger"] = run.Trigger,
        ["createdAt"] = run.CreatedAt,
        ["scheduledAt"] = run.ScheduledAt,
        ["finishedAt"] = run.FinishedAt,
    };

    /// <summary>A run with every task's state, in the workflow's task order.</summary>
    public static JsonObject Detail(RunRecord run, RunState state, WorkflowDefinition? definition)
    {
        var body = Summary(run);
        body["status"] = Name(state.Status);
        body["startedAt"] = state.StartedAt;
        body["finishedAt"] = state.FinishedAt;
        body["durationMs"] = state.StartedAt is { } s ? ((state.FinishedAt ?? s) - s).TotalMilliseconds : null;
        body["reason"] = state.Reason;
        body["retryOf"] = state.RetryOf;
        body["params"] = state.Params.DeepClone();
        var counts = new JsonObject();
        foreach (var group in state.Tasks.Values.GroupBy(t => t.Status).OrderBy(g => g.Key))
        {
            counts[Name(group.Key)] = group.Count();
        }
        body["taskCounts"] = counts;
        var order = definition?.Tasks.Select(t => t.Id).Where(state.Tasks.ContainsKey).ToList() ?? state.Tasks.Keys.Order(StringComparer.Ordinal).ToList();
        var stages = definition is null ? null : ExecutionPlan.For(definition).Stages;
        var tasks = new JsonArray();
        foreach (var id in order)
        {
            var task = state.Tasks[id];
            var def = definition?.Tasks.FirstOrDefault(t => t.Id == id);
            tasks.Add(new JsonObject
            {
                ["id"] = id,
                ["status"] = Name(task.Status),
                ["attempt"] = task.Attempt,
                ["maxAttempts"] = def?.Retry.MaxAttempts,
                ["dependsOn"] = def is null ? null : new JsonArray(def.DependsOn.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["stage"] = stages is null ? null : stages.Select((ids, i) => (ids, i)).FirstOrDefault(s => s.ids.Contains(id)).i,
                ["startedAt"] = task.StartedAt,
                ["finishedAt"] = task.FinishedAt,
                ["dueAt"] = task.DueAt,
                ["reason"] = task.Reason,
                ["statusCode"] = task.LastStatusCode,
                ["output"] = task.Output?.DeepClone(),
                ["outputTruncated"] = task.OutputTruncated,
                ["type"] = def?.Type,
                ["when"] = def?.When,
            });
        }
        body["tasks"] = tasks;
        return body;
    }

    /// <summary>
    /// A task's attempts in attempt order. An attempt that did not succeed and was followed by another carries <c>retryAt</c> (when
    /// the next attempt started, or is due while the task waits to retry) and <c>retryDelayMs</c> (from its end to then), so
    /// "failed" never reads as final when it was not.
    /// </summary>
    /// <param name="attempts">The task's attempt rows.</param>
    /// <param name="task">The task's state in the run, for a retry that is due but has not started yet.</param>
    /// <param name="events">The run's events, for the start of a retry whose own row is not written yet (it is written with its outcome).</param>
    public static JsonArray Attempts(IReadOnlyList<AttemptRecord> attempts, TaskState? task, IReadOnlyList<RunEventRecord>? events = null)
    {
        var ordered = attempts.OrderBy(a => a.Attempt).ToList();
        var items = new JsonArray();
        foreach (var a in ordered)
        {
            var view = Attempt(a);
            if (a.Outcome != "succeeded" && RetryStart(a, ordered, task, events) is { } at)
            {
                view["retryAt"] = at;
                view["retryDelayMs"] = Math.Max(0, (at - (a.StartedAt + a.Duration)).TotalMilliseconds);
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
    public static JsonObject Event(RunEventRecord e) => new()
    {
        ["sequence"] = e.Sequence,
        ["timestamp"] = e.Timestamp,
        ["type"] = e.Type,
        ["taskId"] = e.TaskId,
        ["data"] = ParseOrText(e.Data),
    };

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
    public static JsonObject Attempt(AttemptRecord a) => new()
    {
        ["attempt"] = a.Attempt,
        ["startedAt"] = a.StartedAt,
        ["durationMs"] = a.Duration.TotalMilliseconds,
        ["outcome"] = a.Outcome,
        ["statusCode"] = a.StatusCode,
        ["request"] = a.RequestSummary,
        ["error"] = a.Error,
        ["output"] = a.Output,
        ["outputTruncated"] = a.OutputTruncated,
    };

    /// <summary>The lower-case name of a run status, as stored and shown.</summary>
    public static string Name(RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The lower-case name of a task status.</summary>
    public static string Name(TaskRunStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary>A JSON view of a parsed definition (for the dashboard's graph and the CLI).</summary>
public static class DefinitionViews
{
    /// <summary>The definition's tasks, edges and policies as JSON.</summary>
    public static JsonObject ToJson(WorkflowDefinition definition)
    {
        var tasks = new JsonArray();
        foreach (var t in definition.Tasks)
        {
            tasks.Add(new JsonObject
            {
                ["id"] = t.Id,
                ["type"] = t.Type,
                ["method"] = t.Type == TaskTypes.Wait ? null : t.Method,
                ["url"] = t.Type == TaskTypes.Wait ? null : t.Url,
                ["when"] = t.When,
                ["durationMs"] = t.WaitDuration?.TotalMilliseconds,
                ["until"] = t.WaitUntil,
                ["dependsOn"] = new JsonArray(t.DependsOn.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["trigger"] = TriggerRules.Name(t.Trigger),
                ["completion"] = t.Completion.ToString().ToLowerInvariant(),
                ["timeoutMs"] = t.Timeout.TotalMilliseconds,
                ["maxAttempts"] = t.Retry.MaxAttempts,
                ["backoff"] = t.Retry.Backoff.ToString().ToLowerInvariant(),
                ["allowFailure"] = t.AllowFailure,
            });
        }
        var parameters = new JsonObject();
        foreach (var (name, value) in definition.Params) parameters[name] = value?.DeepClone();
        return new JsonObject
        {
            ["id"] = definition.Id,
            ["name"] = definition.Name ?? definition.Id,
            ["failFast"] = definition.FailFast,
            ["timeoutMs"] = definition.Timeout?.TotalMilliseconds,
            ["params"] = parameters,
            ["tasks"] = tasks,
        };
    }
}
