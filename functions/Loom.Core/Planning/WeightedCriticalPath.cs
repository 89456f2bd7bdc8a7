using Loom.Core.Definitions;

namespace Loom.Core.Planning;

/// <summary>
/// The critical path of a workflow weighted by measured task durations (from its run statistics): the dependency chain whose
/// durations add up to the longest time, which bounds how fast a run can finish however many tasks run in parallel.
/// </summary>
/// <param name="Path">The chain, from a root to a leaf.</param>
/// <param name="TotalMs">Its durations added up, in milliseconds.</param>
/// <param name="Unmeasured">Tasks of the workflow without a measured duration (counted as 0 ms).</param>
public sealed record WeightedCriticalPath(IReadOnlyList<string> Path, double TotalMs, IReadOnlyList<string> Unmeasured)
{
    /// <summary>
    /// The longest chain by duration of a workflow whose dependencies name existing tasks and form no cycle. Equal times go to
    /// the chain with more tasks, then by declaration order, as in <see cref="ExecutionPlan.CriticalPath"/>.
    /// </summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="durationsMs">Measured duration per task id (e.g. its p50); tasks not in it weigh 0.</param>
    public static WeightedCriticalPath For(WorkflowDefinition workflow, IReadOnlyDictionary<string, double> durationsMs)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(durationsMs);
        var plan = ExecutionPlan.For(workflow);
        var byId = workflow.Tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var order = workflow.Tasks.Select((t, i) => (t.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        var finish = new Dictionary<string, double>(StringComparer.Ordinal);
        // Equal times go to the chain with more tasks (as unweighted), then to the first declared.
        bool Longer(string x, string y) => finish[x] > finish[y] || (finish[x] == finish[y] && plan.StageOf(x) > plan.StageOf(y));
        var via = new Dictionary<string, string?>(StringComparer.Ordinal);
        // Stages list every task after all of its dependencies.
        foreach (var id in plan.Stages.SelectMany(s => s))
        {
            string? best = null;
            foreach (var parent in byId[id].DependsOn.Distinct(StringComparer.Ordinal).OrderBy(p => order[p]))
            {
                if (best is null || Longer(parent, best)) best = parent;
            }
            via[id] = best;
            finish[id] = Weight(durationsMs, id) + (best is null ? 0 : finish[best]);
        }
        if (finish.Count == 0) return new WeightedCriticalPath([], 0, []);

        var end = workflow.Tasks.Select(t => t.Id).Aggregate((a, b) => Longer(b, a) ? b : a);
        var path = new List<string>();
        for (string? at = end; at is not null; at = via[at]) path.Add(at);
        path.Reverse();
        var unmeasured = workflow.Tasks.Select(t => t.Id).Where(id => !durationsMs.ContainsKey(id)).ToList();
        return new WeightedCriticalPath(path, finish[end], unmeasured);
    }

    private static double Weight(IReadOnlyDictionary<string, double> durations, string id) =>
        durations.TryGetValue(id, out var ms) && ms > 0 && double.IsFinite(ms) ? ms : 0;
}
