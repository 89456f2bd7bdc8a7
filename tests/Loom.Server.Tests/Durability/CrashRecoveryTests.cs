using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Storage;
using Loom.Testing;
using Xunit.Abstractions;

namespace Loom.Server.Tests.Durability;

/// <summary>
/// The server as a child process killed with SIGKILL while fan-out runs are in flight, then started again under the same
/// InstanceName: every run completes, and no task that Loom had committed as succeeded before a kill is called successfully again.
/// </summary>
[Collection("server")]
public sealed class CrashRecoveryTests(AzuriteFixture azurite, BackendFixture backend, ITestOutputHelper output)
{
    [Fact]
    public async Task Sigkill_DuringFanOut_RestartCompletesEveryRunWithoutRepeatingFinishedTasks()
    {
        var prefix = "crash" + Guid.NewGuid().ToString("N")[..8];
        await using var server = new ChildLoomServer(azurite, prefix);
        await server.StartAsync();
        await server.RegisterAsync(FanOutYaml("fanout", backend.BaseUrl, i => 200 + (100 * i)));
        var runIds = new List<string>();
        for (var i = 0; i < 6; i++) runIds.Add(await server.TriggerAsync("fanout"));

        // Kill once a good part of the B tasks answered (some committed, others still running).
        var killDeadline = DateTime.UtcNow.AddSeconds(20);
        while (SuccessfulCalls(runIds).Count(c => c.TaskId!.StartsWith('b')) < 16 && DateTime.UtcNow < killDeadline) await Task.Delay(10);
        var killedAt = Stopwatch.StartNew();
        server.Kill();
        var killTime = DateTimeOffset.UtcNow;
        var committed = (await CommittedSucceededAsync(prefix, runIds)).ToDictionary(k => k, _ => killTime);
        var callsAtKill = SuccessfulCalls(runIds).Count;
        Assert.True(committed.Count > 0, "nothing had been committed before the kill; the test would prove nothing");
        Assert.True(committed.Count < runIds.Count * 10, "every task had finished before the kill; the test would prove nothing");

        await server.StartAsync();
        var started = killedAt.Elapsed;
        var runs = await server.WaitForRunsAsync(runIds, TimeSpan.FromSeconds(60));
        var recovery = killedAt.Elapsed;
        output.WriteLine($"crash recovery: kill -> all {runIds.Count} runs finished in {ChildLoomServer.Format(recovery)} (server restart took {ChildLoomServer.Format(started)}); " +
            $"{committed.Count} tasks committed before the kill, {callsAtKill} successful calls had arrived");

        AssertAllSucceeded(runs, server);
        AssertNoSecondSuccess(runIds, committed);
    }

    [Fact]
    public async Task Sigkill_DuringAWaitStep_RestartRearmsTheTimerFromTheStateAndTheRunFinishes()
    {
        var prefix = "waitkill" + Guid.NewGuid().ToString("N")[..8];
        await using var server = new ChildLoomServer(azurite, prefix);
        await server.StartAsync();
        await server.RegisterAsync($"""
            id: wait-kill
            tasks:
              - id: hold
                type: wait
                duration: 3s
              - id: after
                url: {backend.BaseUrl}/api/tasks/after
                dependsOn: [hold]
            """);
        var runId = await server.TriggerAsync("wait-kill");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await server.GetRunAsync(runId))["tasks"]!.AsArray().First(t => t!["id"]!.GetValue<string>() == "hold")!["status"]!.GetValue<string>() != "waiting")
        {
            Assert.True(DateTime.UtcNow < deadline, "the wait step never started");
            await Task.Delay(20);
        }

        // The timer lived only in the killed process: the restarted one must re-arm it from the stored state.
        server.Kill();
        await server.StartAsync();
        var run = (await server.WaitForRunsAsync([runId], TimeSpan.FromSeconds(60)))[runId]!;

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var hold = run["tasks"]!.AsArray().First(t => t!["id"]!.GetValue<string>() == "hold")!;
        var waited = DateTimeOffset.Parse(hold["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(hold["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(waited >= TimeSpan.FromSeconds(3), $"the wait ended after {waited}, before its 3 s");
        Assert.Single(backend.Log.Items, r => r.RunId == runId && r.TaskId == "after");
        Assert.DoesNotContain(backend.Log.Items, r => r.RunId == runId && r.TaskId == "hold");
    }

    [Fact]
    public async Task Sigkill_FiveTimesAtRandomInstants_NoRunLostOrStuckAndNoFinishedTaskRepeated()
    {
        const int seed = 20261122;
        var random = new Random(seed);
        var prefix = "chaos" + Guid.NewGuid().ToString("N")[..8];
        await using var server = new ChildLoomServer(azurite, prefix);
        var runIds = new List<string>();
        var committed = new Dictionary<(string Run, string Task), DateTimeOffset>();
        var kills = new List<string>();
        for (var kill = 0; kill < 5; kill++)
        {
            await server.StartAsync();
            if (kill == 0) await server.RegisterAsync(FanOutYaml("chaos-fanout", backend.BaseUrl, i => 150 + (80 * i)));
            for (var i = 0; i < 4; i++) runIds.Add(await server.TriggerAsync("chaos-fanout"));
            var wait = random.Next(100, 900);
            await Task.Delay(wait);
            server.Kill();
            var killTime = DateTimeOffset.UtcNow;
            var snapshot = await CommittedSucceededAsync(prefix, runIds);
            foreach (var task in snapshot) committed.TryAdd(task, killTime);
            kills.Add($"kill {kill + 1} after {wait} ms: {snapshot.Count} tasks committed");
        }

        var clock = Stopwatch.StartNew();
        await server.StartAsync();
        var runs = await server.WaitForRunsAsync(runIds, TimeSpan.FromSeconds(60));
        output.WriteLine($"seed {seed}; {string.Join("; ", kills)}; after the last kill all {runIds.Count} runs finished in {ChildLoomServer.Format(clock.Elapsed)}");

        var listed = JsonNode.Parse(await server.Client.GetStringAsync("/api/runs?workflowId=chaos-fanout&limit=100"))!["items"]!.AsArray()
            .Select(r => r!["runId"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(runIds.Order(StringComparer.Ordinal), listed);
        AssertAllSucceeded(runs, server);
        AssertNoSecondSuccess(runIds, committed);
    }

    internal static string FanOutYaml(string id, string backendUrl, Func<int, int> delayOf)
    {
        var yaml = new StringBuilder($"""
            id: {id}
            tasks:
              - id: a
                url: {backendUrl}/api/tasks/a?delayMs=50

            """);
        for (var i = 1; i <= 8; i++)
        {
            yaml.Append($"""
                  - id: b{i}
                    url: {backendUrl}/api/tasks/b{i}?delayMs={delayOf(i)}
                    dependsOn: [a]

                """);
        }
        yaml.Append($"""
              - id: c
                url: {backendUrl}/api/tasks/c
                dependsOn: [b1, b2, b3, b4, b5, b6, b7, b8]

            """);
        return yaml.ToString();
    }

    [Fact]
    public async Task Sigkill_OneOfTwoServers_TheSurvivorAdoptsItsRunsOnceItsHeartbeatGoesStale()
    {
        // Two processes share one storage; the one running the work is killed and never comes back. The survivor scans for
        // orphans when the registry shows the death, well before its periodic safety-net scan (30 intervals = 15 s here).
        var prefix = "pair" + Guid.NewGuid().ToString("N")[..8];
        var timing = new Dictionary<string, string> { ["Loom__ProcessTimeout"] = "00:00:02" };
        await using var doomed = new ChildLoomServer(azurite, prefix, timing);
        await doomed.StartAsync();
        await using var survivor = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Loom:ProcessTimeout"] = "00:00:02",
            ["Loom:RecoveryInterval"] = "00:00:00.500",
        }, prefix);
        await doomed.RegisterAsync(FanOutYaml("pair", backend.BaseUrl, i => 300 + (100 * i)));
        var runIds = new List<string>();
        for (var i = 0; i < 4; i++) runIds.Add(await doomed.TriggerAsync("pair"));

        var killDeadline = DateTime.UtcNow.AddSeconds(20);
        while (SuccessfulCalls(runIds).Count(c => c.TaskId!.StartsWith('b')) < 8 && DateTime.UtcNow < killDeadline) await Task.Delay(10);
        doomed.Kill();
        var killTime = DateTimeOffset.UtcNow;
        var killedAt = Stopwatch.StartNew();
        var committed = (await CommittedSucceededAsync(prefix, runIds)).ToDictionary(k => k, _ => killTime);
        Assert.True(committed.Count < runIds.Count * 10, "every task had finished before the kill; the test would prove nothing");

        foreach (var runId in runIds)
        {
            var run = await survivor.WaitForRunAsync(runId, TimeSpan.FromSeconds(30));
            Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        }
        var recovery = killedAt.Elapsed;
        output.WriteLine($"takeover: kill -> all {runIds.Count} runs finished on the survivor in {ChildLoomServer.Format(recovery)}");
        Assert.True(recovery < TimeSpan.FromSeconds(12), $"the survivor took {ChildLoomServer.Format(recovery)}: it found the orphans by its safety-net scan, not by the death");
        AssertNoSecondSuccess(runIds, committed);
    }

    private List<Loom.SampleBackend.ReceivedRequest> SuccessfulCalls(IReadOnlyCollection<string> runIds)
    {
        var set = runIds.ToHashSet(StringComparer.Ordinal);
        return [.. backend.Log.Items.Where(r => r.RunId is not null && set.Contains(r.RunId) && r.Status is >= 200 and < 300)];
    }

    /// <summary>What storage says had succeeded when the process died: the server is dead, so this is exactly what it committed.</summary>
    private async Task<HashSet<(string Run, string Task)>> CommittedSucceededAsync(string prefix, IEnumerable<string> runIds)
    {
        var storage = LoomStorageAccount.Create(azurite.ConnectionString, prefix);
        var committed = new HashSet<(string, string)>();
        foreach (var runId in runIds)
        {
            var record = await storage.Runs.GetAsync(runId);
            Assert.NotNull(record);
            foreach (var (taskId, task) in RunStateJson.Deserialize(record.State).Tasks)
            {
                if (task.Status == TaskRunStatus.Succeeded) committed.Add((runId, taskId));
            }
        }
        return committed;
    }

    private static void AssertAllSucceeded(Dictionary<string, JsonObject?> runs, ChildLoomServer server)
    {
        var stuck = runs.Where(r => r.Value is null).Select(r => r.Key).ToList();
        Assert.True(stuck.Count == 0, $"stuck runs: {string.Join(", ", stuck)}\n{server.Output}");
        var failed = runs.Where(r => r.Value!["status"]!.GetValue<string>() != "succeeded").Select(r => r.Value!.ToJsonString()).ToList();
        Assert.True(failed.Count == 0, $"runs that did not succeed: {string.Join("\n", failed)}");
    }

    /// <summary>
    /// For each task Loom had committed as succeeded at a kill, no successful call arrived after that kill (calls in flight
    /// at a kill may be repeated by the next process, with the same key); every task of every run answered successfully.
    /// </summary>
    private void AssertNoSecondSuccess(IReadOnlyCollection<string> runIds, Dictionary<(string Run, string Task), DateTimeOffset> committed)
    {
        var calls = backend.Log.Items.Where(r => r.RunId is not null && runIds.Contains(r.RunId)).ToList();
        // Every call of a task carries the task's key, whichever process made it and however often it was repeated.
        Assert.All(calls, c => Assert.Equal($"{c.RunId}:{c.TaskId}", c.IdempotencyKey));
        var successful = calls.Where(c => c.Status is >= 200 and < 300).ToList();
        var successes = successful.GroupBy(c => (c.RunId!, c.TaskId!)).ToDictionary(g => g.Key, g => g.Count());
        var repeated = committed
            .Select(k => (k.Key, After: successful.Count(c => c.RunId == k.Key.Run && c.TaskId == k.Key.Task && c.ArrivedAt > k.Value)))
            .Where(k => k.After > 0)
            .Select(k => $"{k.Key.Run}/{k.Key.Task}: {k.After} successful call(s) after the kill")
            .ToList();
        Assert.True(repeated.Count == 0, $"tasks committed before a kill were called successfully again: {string.Join(", ", repeated)}");
        var repeats = successes.Values.Sum(n => n - 1);
        output.WriteLine($"{committed.Count} tasks committed before a kill, none called again; {repeats} repeated successful call(s) of tasks in flight at a kill (same Idempotency-Key)");
        // Every task of every run got at least one successful call (the run succeeded through the backend, not around it).
        foreach (var runId in runIds)
        {
            foreach (var task in new[] { "a", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "c" })
            {
                Assert.True(successes.GetValueOrDefault((runId, task)) >= 1, $"{runId}/{task} never answered successfully");
            }
        }
    }
}
