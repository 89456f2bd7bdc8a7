using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.Execution;

/// <summary>Builds the input of one task attempt from a run's state; both drivers (Durable and self-hosted) send exactly this.</summary>
public static class InvokeTaskInputs
{
    /// <summary>The input for an attempt, built from the run's current state.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="state">The run's state when the attempt is sent.</param>
    /// <param name="command">The machine's command.</param>
    public static InvokeTaskInput Build(WorkflowDefinition workflow, RunState state, InvokeTask command)
    {
        // A forEach instance (T[i]) is sent as its own task: its id names the attempt rows and the Idempotency-Key.
        var item = ForEachRuns.ItemOf(workflow, state, command.TaskId);
        var taskId = ForEachInstances.TryParse(command.TaskId, out var parent, out _) ? parent : command.TaskId;
        var task = workflow.Tasks.First(t => t.Id == taskId);
        var inputs = RunStateMachine.TaskInputs(workflow, state, task.Id);
        var outputs = UpstreamOutputs(workflow, state, task.Id);
        if (item is not null && ListSource(task) is { } source)
        {
            // Each instance gets its item, not the whole list again: 10,000 instances of a large list would otherwise copy it
            // into every request and every activity input. A template that names the source task still sees its output.
            inputs = inputs.Where(i => i.Key != source).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
            if (!NamesTask(task, source))
            {
                outputs.Remove(source);
            }
        }

        return new InvokeTaskInput(
            state.RunId,
            state.WorkflowId,
            state.WorkflowVersion,
            command.TaskId,
            command.Attempt,
            state.ScheduledAt,
            state.Params,
            inputs,
            outputs,
            task,
            workflow.SigningSecret,
            state.Trace)
        {
            AttemptBase = state.Tasks.TryGetValue(task.Id, out var current) ? current.AttemptBase : 0,
            Item = item?.Item,
            Index = item?.Index,
        };
    }

    /// <summary>The task a forEach list comes from; null for a list from a param.</summary>
    private static string? ListSource(TaskDefinition task) =>
        Templating.TemplateEngine.FindReferences(task.ForEach ?? string.Empty) is [{ IsValid: true, Root: "tasks", Name: { } name }] ? name : null;

    /// <summary>Whether the task's url, headers or body name <c>tasks.<paramref name="source"/></c>.</summary>
    private static bool NamesTask(TaskDefinition task, string source)
    {
        var texts = new List<string> { task.Url };
        texts.AddRange(task.Headers.Values);
        if (task.Body is not null) texts.Add(task.Body.ToJsonString());
        return texts.Any(text => Templating.TemplateEngine.FindReferences(text).Any(r => r is { IsValid: true, Root: "tasks" } && r.Name == source));
    }

    /// <summary>Outputs of every succeeded task upstream of <paramref name="taskId"/> (transitively): all a template of that task may name.</summary>
    private static Dictionary<string, System.Text.Json.Nodes.JsonNode?> UpstreamOutputs(WorkflowDefinition workflow, RunState state, string taskId)
    {
        var byId = workflow.Tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(byId[taskId].DependsOn);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (!seen.Add(id) || !byId.TryGetValue(id, out var upstream)) continue;
            foreach (var next in upstream.DependsOn) stack.Push(next);
        }

        // Declaration order, so the activity input serializes the same way on every replay.
        var outputs = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            if (seen.Contains(task.Id) && state.Tasks.TryGetValue(task.Id, out var s) && s.Status == TaskRunStatus.Succeeded)
            {
                outputs[task.Id] = s.Output?.DeepClone();
            }
        }

        return outputs;
    }
}
