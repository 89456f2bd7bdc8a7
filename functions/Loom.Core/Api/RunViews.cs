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
            });
        }
        body["tasks"] = tasks;
        return body;
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
                ["method"] = t.Method,
                ["url"] = t.Url,
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
