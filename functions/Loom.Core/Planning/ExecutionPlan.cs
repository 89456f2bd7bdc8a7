using Loom.Core.Definitions;

namespace Loom.Core.Planning;

/// <summary>
/// The shape of a workflow's DAG: parallel stages, the critical path and each task's ancestors and
/// descendants; every list is in declaration order, so the plan is deterministic.
/// </summary>
public sealed class ExecutionPlan
{
    private readonly Dictionary<string, int> indexById;
    private readonly int[][] parents;
    private readonly int[][] children;
    private readonly int[] depth;

    private ExecutionPlan(IReadOnlyList<string> taskIds, Dictionary<string, int> indexById, int[][] parents, int[][] children, int[] depth)
    {
        TaskIds = taskIds;
        this.indexById = indexById;
        this.parents = parents;
        this.children = children;
        this.depth = depth;

        var stageCount = depth.Length == 0 ? 0 : depth.Max() + 1;
        var stages = new List<string>[stageCount];
        for (var k = 0; k < stageCount; k++)
        {
            stages[k] = [];
        }

        for (var i = 0; i < depth.Length; i++)
        {
            stages[depth[i]].Add(taskIds[i]);
        }

        Stages = stages;
        CriticalPath = BuildCriticalPath();
    }

    /// <summary>Task ids in declaration order.</summary>
    public IReadOnlyList<string> TaskIds { get; }

    /// <summary>Groups of tasks that can run in parallel: stage k holds the tasks whose longest chain of dependencies has k tasks (stage 0: no dependencies).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Stages { get; }

    /// <summary>The longest dependency chain by number of tasks, from a root to a leaf.</summary>
    /// <remarks>Ties go by declaration order: the chain ends at the first-declared task of the last stage and, walking back, passes through the first-declared dependency that lies on a longest chain.</remarks>
    public IReadOnlyList<string> CriticalPath { get; }

    /// <summary>Builds the plan of a workflow whose dependencies name existing tasks and form no cycle.</summary>
    /// <exception cref="ArgumentException">A dependency names an unknown task, an id is duplicated, or the dependencies form a cycle (the validator should have refused the workflow).</exception>
    public static ExecutionPlan For(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var tasks = workflow.Tasks;
        var ids = tasks.Select(t => t.Id).ToList();
        var indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!indexById.TryAdd(ids[i], i))
            {
                throw new ArgumentException($"Task id '{ids[i]}' is declared twice.", nameof(workflow));
            }
        }

        var parents = new int[ids.Count][];
        var childLists = ids.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < ids.Count; i++)
        {
            var own = new SortedSet<int>();
            foreach (var dependency in tasks[i].DependsOn)
            {
                if (!indexById.TryGetValue(dependency, out var parent))
                {
                    throw new ArgumentException($"Task '{ids[i]}' depends on unknown task '{dependency}'.", nameof(workflow));
                }

                own.Add(parent);
            }

            parents[i] = [.. own];
            foreach (var parent in own)
            {
                childLists[parent].Add(i);
            }
        }

        var children = childLists.Select(list => list.ToArray()).ToArray();
        var depth = Depths(ids, parents, children);
        return new ExecutionPlan(ids, indexById, parents, children, depth);
    }

    /// <summary>Every task the given one waits for, directly or transitively, in declaration order.</summary>
    /// <exception cref="ArgumentException">No task has that id.</exception>
    public IReadOnlyList<string> Upstream(string taskId) => Reach(IndexOf(taskId), parents);

    /// <summary>Every task that waits for the given one, directly or transitively, in declaration order.</summary>
    /// <exception cref="ArgumentException">No task has that id.</exception>
    public IReadOnlyList<string> Downstream(string taskId) => Reach(IndexOf(taskId), children);

    /// <summary>The stage of a task: the number of tasks in its longest chain of dependencies.</summary>
    /// <exception cref="ArgumentException">No task has that id.</exception>
    public int StageOf(string taskId) => depth[IndexOf(taskId)];

    // Kahn's algorithm, iterative so a deep chain cannot overflow the stack.
    private static int[] Depths(List<string> ids, int[][] parents, int[][] children)
    {
        var depth = new int[ids.Count];
        var waiting = parents.Select(p => p.Length).ToArray();
        var ready = new Queue<int>(Enumerable.Range(0, ids.Count).Where(i => waiting[i] == 0));
        var done = 0;
        while (ready.TryDequeue(out var task))
        {
            done++;
            foreach (var child in children[task])
            {
                depth[child] = Math.Max(depth[child], depth[task] + 1);
                if (--waiting[child] == 0)
                {
                    ready.Enqueue(child);
                }
            }
        }

        if (done != ids.Count)
        {
            var stuck = Enumerable.Range(0, ids.Count).Where(i => waiting[i] > 0).Select(i => ids[i]);
            throw new ArgumentException($"The dependencies form a cycle among: {string.Join(", ", stuck)}.");
        }

        return depth;
    }

    private List<string> BuildCriticalPath()
    {
        if (depth.Length == 0)
        {
            return [];
        }

        // The deepest task ends a longest chain; walking back through a parent one stage lower keeps it longest.
        var current = 0;
        for (var i = 1; i < depth.Length; i++)
        {
            if (depth[i] > depth[current])
            {
                current = i;
            }
        }

        var path = new List<string> { TaskIds[current] };
        while (depth[current] > 0)
        {
            current = parents[current].First(p => depth[p] == depth[current] - 1);
            path.Add(TaskIds[current]);
        }

        path.Reverse();
        return path;
    }

    private int IndexOf(string taskId) =>
        indexById.TryGetValue(taskId, out var index) ? index : throw new ArgumentException($"No task '{taskId}' in this workflow.", nameof(taskId));

    private List<string> Reach(int start, int[][] edges)
    {
        var seen = new bool[TaskIds.Count];
        var stack = new Stack<int>(edges[start]);
        while (stack.TryPop(out var next))
        {
            if (!seen[next])
            {
                seen[next] = true;
                foreach (var further in edges[next])
                {
                    stack.Push(further);
                }
            }
        }

        return Enumerable.Range(0, seen.Length).Where(i => seen[i]).Select(i => TaskIds[i]).ToList();
    }
}
