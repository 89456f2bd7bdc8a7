using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Storage;

namespace Loom.Bench;

/// <summary>
/// K1: fan-out diamonds triggered in waves while the server is killed with SIGKILL at seeded random instants and started
/// again under the same instance name. At each kill, what storage holds as succeeded is exactly what the dead server
/// committed; afterwards every run must have succeeded, none may be missing or stuck, and no task committed before a kill may
/// have been called successfully after it (calls in flight at a kill may be repeated, with the same Idempotency-Key).
/// </summary>
internal sealed class KillChaos(BenchEnvironment env, BenchApiClient client)
{
    private const int RunsPerWave = 8;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(180);
    private static readonly string[] Tasks = ["a", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "c"];

    public async Task<(JsonObject Line, bool Passed)> RunAsync(int kills, int seed, int round, CancellationToken cancellationToken)
    {
        var workflowId = $"bench-k1-r{round}";
        await client.RegisterAsync(Yaml(workflowId, env.BackendUrl), cancellationToken);
        var storage = LoomStorageAccount.Create(env.ConnectionString, "loom");
        var random = new Random(seed);
        var runIds = new List<string>();
        var committedAt = new Dictionary<(string Run, string Task), DateTimeOffset>();
        var restarts = new List<double>();
        var watch = Stopwatch.StartNew();

        for (var kill = 1; kill <= kills; kill++)
        {
            for (var i = 0; i < RunsPerWave; i++) runIds.Add(await client.TriggerAsync(workflowId, cancellationToken));
            var wait = random.Next(150, 1200);
            await Task.Delay(wait, cancellationToken);
            env.KillServer();
            var killTime = DateTimeOffset.UtcNow;
            var committed = await CommittedSucceededAsync(storage, runIds, cancellationToken);
            foreach (var task in committed) committedAt.TryAdd(task, killTime);
            var restart = Stopwatch.StartNew();
            await env.StartServerAsync(cancellationToken);
            restarts.Add(restart.Elapsed.TotalSeconds);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: K1 {watch.Elapsed.TotalSeconds,6:F1} s  kill {kill}/{kills} after {wait} ms: {committed.Count} tasks committed so far; restarted in {restart.Elapsed.TotalSeconds:F1} s"));
        }

        // After the last restart: wait for every run to be final (the API reads storage, whichever process finished it).
        var settle = Stopwatch.StartNew();
        var final = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        while (settle.Elapsed < SettleLimit)
        {
            foreach (var runId in runIds.Where(r => !final.ContainsKey(r)))
            {
                var run = await client.TryGetRunAsync(runId, cancellationToken);
                if (run is null)
                {
                    missing.Add(runId);
                    continue;
                }
                missing.Remove(runId);
                var status = run["status"]!.GetValue<string>();
                if (status is "succeeded" or "failed" or "cancelled") final[runId] = status;
            }
            if (final.Count == runIds.Count) break;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: K1 {watch.Elapsed.TotalSeconds,6:F1} s  settling: {final.Count}/{runIds.Count} runs final"));
            await Task.Delay(1000, cancellationToken);
        }
        var settled = settle.Elapsed.TotalSeconds;

        var set = runIds.ToHashSet(StringComparer.Ordinal);
        var calls = env.Requests.Items.Where(r => r.RunId is not null && set.Contains(r.RunId)).ToList();
        var successes = calls.Where(c => c.Status is >= 200 and < 300).ToList();
        var secondSuccesses = committedAt.Sum(k => successes.Count(c => c.RunId == k.Key.Run && c.TaskId == k.Key.Task && c.ArrivedAt > k.Value));
        var successCounts = successes.GroupBy(c => (c.RunId!, c.TaskId!)).ToDictionary(g => g.Key, g => g.Count());
        var neverSucceeded = runIds.Sum(r => Tasks.Count(t => successCounts.GetValueOrDefault((r, t)) == 0));
        var wrongKeys = calls.Count(c => c.IdempotencyKey != $"{c.RunId}:{c.TaskId}");
        var lost = missing.Count;
        var stuck = runIds.Count(r => !final.ContainsKey(r)) - lost;
        var failed = final.Values.Count(s => s != "succeeded");

        var line = new JsonObject
        {
            ["workload"] = "K1",
            ["description"] = "fan-out diamonds in waves; the server killed with SIGKILL at seeded random instants and restarted",
            ["seed"] = seed,
            ["kills"] = kills,
            ["runs"] = runIds.Count,
            ["tasks"] = runIds.Count * Tasks.Length,
            ["lostRuns"] = lost,
            ["stuckRuns"] = stuck,
            ["failedRuns"] = failed,
            ["tasksCommittedBeforeAKill"] = committedAt.Count,
            ["secondSuccessesAfterCommit"] = secondSuccesses,
            ["repeatedCallsOfInFlightTasks"] = successCounts.Values.Sum(n => n - 1) - secondSuccesses,
            ["tasksNeverAnsweredSuccessfully"] = neverSucceeded,
            ["callsWithWrongIdempotencyKey"] = wrongKeys,
            ["restartSecondsP50"] = Math.Round(Percentile(restarts, 50), 2),
            ["restartSecondsMax"] = Math.Round(restarts.Count == 0 ? 0 : restarts.Max(), 2),
            ["lastRestartToAllFinalSeconds"] = Math.Round(settled, 2),
            ["wallSeconds"] = Math.Round(watch.Elapsed.TotalSeconds, 1),
        };
        var passed = lost == 0 && stuck == 0 && failed == 0 && secondSuccesses == 0 && neverSucceeded == 0 && wrongKeys == 0;
        return (line, passed);
    }

    /// <summary>What storage holds as succeeded right after a kill: exactly what the dead server had committed.</summary>
    private static async Task<HashSet<(string, string)>> CommittedSucceededAsync(LoomStorageAccount storage, IEnumerable<string> runIds, CancellationToken cancellationToken)
    {
        var committed = new HashSet<(string, string)>();
        foreach (var runId in runIds)
        {
            var record = await storage.Runs.GetAsync(runId, cancellationToken);
            if (record is null) continue;
            foreach (var (taskId, task) in RunStateJson.Deserialize(record.State).Tasks)
            {
                if (task.Status == TaskRunStatus.Succeeded) committed.Add((runId, taskId));
            }
        }
        return committed;
    }

    private static string Yaml(string workflowId, string backendUrl)
    {
        // B tasks of different lengths, so a kill finds some answered and committed, others in flight.
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"id: {workflowId}\nname: Benchmark K1\ntasks:\n  - id: a\n    url: {backendUrl}/api/tasks/a\n");
        for (var i = 1; i <= 8; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - id: b{i}\n    url: {backendUrl}/api/tasks/b{i}?delayMs={100 + (60 * i)}\n    dependsOn: [a]\n");
        }
        yaml.Append(CultureInfo.InvariantCulture, $"  - id: c\n    url: {backendUrl}/api/tasks/c\n    dependsOn: [b1, b2, b3, b4, b5, b6, b7, b8]\n");
        return yaml.ToString();
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        var rank = (p / 100) * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
