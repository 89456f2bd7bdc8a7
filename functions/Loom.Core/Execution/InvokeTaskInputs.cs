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
        return new InvokeTaskInput(
            state.RunId,
            state.WorkflowId,
            state.WorkflowVersion,
            command.TaskId,
            command.Attempt,
            state.ScheduledAt,
            state.Params,
            RunStateMachine.TaskInputs(workflow, state, task.Id),
            UpstreamOutputs(workflow, state, task.Id),
            task,
            workflow.SigningSecret,
            state.Trace)
        {
            Item = item?.Item,
            Index = item?.Index,
        };
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
