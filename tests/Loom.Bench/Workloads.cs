using System.Globalization;
using System.Text;

namespace Loom.Bench;

/// <summary>How a workload's runs are started.</summary>
internal enum StartMode
{
    /// <summary>Every run triggered at once.</summary>
    AllAtOnce,

    /// <summary>Each run triggered when the previous one finished.</summary>
    Sequential,

    /// <summary>Runs triggered at an even pace over a window.</summary>
    Paced,
}

/// <summary>One workload: a workflow shape, how many runs, and how they are started.</summary>
/// <param name="Name">W1..W4.</param>
/// <param name="Description">One line for humans.</param>
/// <param name="Runs">Runs at scale 1.</param>
/// <param name="Mode">How runs start.</param>
/// <param name="StartWindow">For <see cref="StartMode.Paced"/>: the window at scale 1.</param>
/// <param name="Shape">Task ids with their dependencies, in order; the last task is the one that ends a run.</param>
/// <param name="Query">Query string added to every task URL (stub switches).</param>
/// <param name="Retry">YAML of the retry policy (indented under a task), or null.</param>
internal sealed record Workload(
    string Name,
    string Description,
    int Runs,
    StartMode Mode,
    TimeSpan StartWindow,
    IReadOnlyList<(string Id, string[] DependsOn)> Shape,
    string Query,
    string? Retry)
{
    public static IReadOnlyList<Workload> All { get; } =
    [
        new("W1", "fan-out diamond A -> B1..B8 -> C, runs started at once", 200, StartMode.AllAtOnce, TimeSpan.Zero, Diamond(8), "", null),
        new("W2", "retry storm: chain of 5, every task 503 twice then 200, retry fixed 100ms x5, jitter 0", 100, StartMode.AllAtOnce, TimeSpan.Zero, Chain(5), "?failTimes=2&failStatus=503",
            "maxAttempts: 5\n      backoff: fixed\n      delay: 100ms\n      jitter: 0\n      retryOn: [5xx]"),
        new("W3", "sequential chain of 20, each run started when the previous finished", 50, StartMode.Sequential, TimeSpan.Zero, Chain(20), "", null),
        new("W4", "scale: runs of 10 tasks (diamond A -> B1..B8 -> C) started within one minute", 5000, StartMode.Paced, TimeSpan.FromMinutes(1), Diamond(8), "", null),
    ];

    public int TasksPerRun => Shape.Count;

    public bool IsChain => Shape.Skip(1).All(s => s.DependsOn.Length == 1);

    /// <summary>The workflow's YAML for <paramref name="workflowId"/> against the stub at <paramref name="backendUrl"/>.</summary>
    public string Yaml(string workflowId, string backendUrl)
    {
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"id: {workflowId}\nname: Benchmark {Name}\ntasks:\n");
        foreach (var (id, deps) in Shape)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - id: {id}\n    method: POST\n    url: {backendUrl}/api/tasks/{id}{Query}\n");
            if (deps.Length > 0) yaml.Append(CultureInfo.InvariantCulture, $"    dependsOn: [{string.Join(", ", deps)}]\n");
            if (Retry is not null) yaml.Append(CultureInfo.InvariantCulture, $"    retry:\n      {Retry}\n");
        }
        return yaml.ToString();
    }

    private static (string, string[])[] Diamond(int width)
    {
        var bs = Enumerable.Range(1, width).Select(i => $"b{i}").ToArray();
        return [("a", []), .. bs.Select(b => (b, new[] { "a" })), ("c", bs)];
    }

    private static (string, string[])[] Chain(int length) =>
        [.. Enumerable.Range(1, length).Select(i => ($"t{i:D2}", i == 1 ? Array.Empty<string>() : [$"t{i - 1:D2}"]))];
}
