using System.Collections;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>The tasks' dependsOn graph: cycles and "is upstream of" answered in near-linear time, so a large workflow validates quickly.</summary>
internal sealed class DependencyGraph
{
    private readonly List<string> ids = [];
    private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
    private readonly List<List<(int Target, YamlNode Node)>> dependencies = [];
    private readonly List<List<int>> dependents = [];
    private readonly BitArray?[] upstream;
    private readonly bool[] acyclic;

    /// <summary>Builds the graph from each id's known, distinct, non-self dependencies, in declaration order.</summary>
    public DependencyGraph(IEnumerable<(string Id, IReadOnlyList<(string Id, YamlNode Node)> DependsOn)> tasks)
    {
        var list = tasks.ToList();
        foreach (var (id, _) in list)
        {
            index[id] = ids.Count;
            ids.Add(id);
            dependencies.Add([]);
            dependents.Add([]);
        }

        foreach (var (id, dependsOn) in list)
        {
            var from = index[id];
            foreach (var (target, node) in dependsOn)
            {
                var to = index[target];
                dependencies[from].Add((to, node));
                dependents[to].Add(from);
            }
        }

        upstream = new BitArray?[ids.Count];
        acyclic = new bool[ids.Count];

        // Kahn's order: a task is settled once all it waits for is settled; what stays unsettled is on or after a cycle.
        var waiting = dependencies.Select(d => d.Count).ToArray();
        var ready = new Queue<int>(Enumerable.Range(0, ids.Count).Where(i => waiting[i] == 0));
        while (ready.Count > 0)
        {
            var task = ready.Dequeue();
            acyclic[task] = true;
            var set = new BitArray(ids.Count);
            foreach (var (dependency, _) in dependencies[task])
            {
                set.Or(upstream[dependency]!);
                set[dependency] = true;
            }

            upstream[task] = set;
            foreach (var dependent in dependents[task])
            {
                if (--waiting[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }
    }

    /// <summary>True when <paramref name="candidate"/> is reached from <paramref name="task"/> by following dependsOn (never the task itself).</summary>
    public bool IsUpstream(string task, string candidate)
    {
        if (!index.TryGetValue(task, out var t) || !index.TryGetValue(candidate, out var c) || t == c)
        {
            return false;
        }

        if (acyclic[t])
        {
            return upstream[t]![c];
        }

        // Only a workflow that already has a cycle error gets here.
        upstream[t] = Reach(t, i => dependencies[i].Select(d => d.Target));
        acyclic[t] = true;
        return upstream[t]![c];
    }

    /// <summary>One shortest cycle through each group of tasks that wait on each other, found from the first-declared task of the group.</summary>
    /// <returns>The tasks in the order work would flow (first and last are the same) and the dependsOn entry that closes the cycle.</returns>
    public IEnumerable<(IReadOnlyList<string> Flow, YamlNode ClosingEntry)> Cycles()
    {
        var reported = new bool[ids.Count];
        for (var start = 0; start < ids.Count; start++)
        {
            if (acyclic[start] || reported[start])
            {
                continue;
            }

            if (ShortestCycle(start) is not { } cycle)
            {
                continue;
            }

            // Mark the whole strongly connected group so each knot of tasks is reported once.
            var forward = Reach(start, i => dependencies[i].Select(d => d.Target));
            var backward = Reach(start, i => dependents[i]);
            forward.And(backward);
            for (var i = 0; i < ids.Count; i++)
            {
                reported[i] |= forward[i];
            }

            yield return cycle;
        }
    }

    private (IReadOnlyList<string> Flow, YamlNode ClosingEntry)? ShortestCycle(int start)
    {
        // Breadth-first along dependsOn from start back to itself.
        var parent = new int[ids.Count];
        Array.Fill(parent, -1);
        var queue = new Queue<int>();
        queue.Enqueue(start);
        var closedFrom = -1;
        while (queue.Count > 0 && closedFrom < 0)
        {
            var current = queue.Dequeue();
            foreach (var (next, _) in dependencies[current])
            {
                if (next == start)
                {
                    closedFrom = current;
                    break;
                }

                if (parent[next] < 0 && next != start)
                {
                    parent[next] = current;
                    queue.Enqueue(next);
                }
            }
        }

        if (closedFrom < 0)
        {
            return null;
        }

        // start waits for x1, x1 for x2, ..., xk for start; work flows start -> xk -> ... -> x1 -> start.
        var flow = new List<string> { ids[start] };
        for (var at = closedFrom; at != start; at = parent[at])
        {
            flow.Add(ids[at]);
        }

        flow.Add(ids[start]);
        var firstWaitedFor = index[flow[^2]];
        var closing = dependencies[start].First(d => d.Target == firstWaitedFor).Node;
        return (flow, closing);
    }

    private BitArray Reach(int start, Func<int, IEnumerable<int>> next)
    {
        var seen = new BitArray(ids.Count);
        var stack = new Stack<int>();
        stack.Push(start);
        while (stack.Count > 0)
        {
            foreach (var n in next(stack.Pop()))
            {
                if (!seen[n])
                {
                    seen[n] = true;
                    stack.Push(n);
                }
            }
        }

        return seen;
    }
}
