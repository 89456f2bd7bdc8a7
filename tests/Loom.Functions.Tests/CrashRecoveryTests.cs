using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Functions.Tests.Hosting;
using Loom.Testing;
using Xunit.Abstractions;

namespace Loom.Functions.Tests;

/// <summary>A Function App worker dies mid fan-out on DurableTask.AzureStorage; another takes over the same task hub.</summary>
[Trait("Host", "durable-azure-storage")]
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private AzuriteFixture _azurite = null!;
    private BackendFixture _backend = null!;

    public async Task InitializeAsync() => (_azurite, _backend) = await Shared.AcquireAsync();

    public Task DisposeAsync() => Shared.ReleaseAsync();

    /// <summary>
    /// host.json sets both queue visibility timeouts to 1 minute (production); the test shortens them to keep the suite
    /// quick: recovery waits for exactly this, so the mechanism is the same, only the wait is shorter.
    /// </summary>
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task WorkerKilledDuringAWaitStep_AnotherWorkerEndsTheWaitNotEarlyAndFinishesTheRun()
    {
        var hub = "wkill" + Guid.NewGuid().ToString("N")[..10];
        var prefix = "fwk" + Guid.NewGuid().ToString("N")[..8];
        var service = DurableBackends.AzureStorage(_azurite, hub, s =>
        {
            s.WorkItemQueueVisibilityTimeout = Visibility;
            s.ControlQueueVisibilityTimeout = Visibility;
        });

        var first = await FunctionAppHost.StartAsync(_azurite, service, prefix);
        await first.RegisterAsync($"id: wait-kill\ntasks:\n  - id: hold\n    type: wait\n    duration: 3s\n" +
            $"  - id: after\n    url: {_backend.BaseUrl}/api/tasks/after\n    dependsOn: [hold]\n");
        var runId = await first.TriggerAsync("wait-kill");
        await first.WaitForRunAsync(runId, TimeSpan.FromSeconds(20), r => LoomHostClient.Task(r, "hold")["status"]!.GetValue<string>() == "waiting");

        // The durable timer is a message in the task hub: a new worker on the same hub fires it.
        await first.KillAsync();
        await using var second = await FunctionAppHost.StartAsync(_azurite, service, prefix);
        var run = await second.WaitForRunAsync(runId, TimeSpan.FromSeconds(60));

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var hold = LoomHostClient.Task(run, "hold");
        var waited = DateTimeOffset.Parse(hold["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(hold["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(waited >= TimeSpan.FromSeconds(3), $"the wait ended after {waited}, before its 3 s");
        Assert.Single(_backend.Log.Items, r => r.RunId == runId && r.TaskId == "after");
    }

    [Fact]
    public async Task WorkerKilledMidFanOut_AnotherWorkerFinishesEveryRun_NoCommittedTaskRunsTwice()
    {
        var (azurite, backend) = (_azurite, _backend);
        var hub = "crash" + Guid.NewGuid().ToString("N")[..10];
        var prefix = "fcr" + Guid.NewGuid().ToString("N")[..8];
        var service = DurableBackends.AzureStorage(azurite, hub, s =>
        {
            s.WorkItemQueueVisibilityTimeout = Visibility;
            s.ControlQueueVisibilityTimeout = Visibility;
        });

        var first = await FunctionAppHost.StartAsync(azurite, service, prefix);
        var branches = string.Concat(Enumerable.Range(1, 6).Select(i =>
            $"  - id: b{i}\n    url: {backend.BaseUrl}/api/tasks/b{i}?delayMs=1500\n    dependsOn: [a]\n"));
        await first.RegisterAsync($"id: crash\ntasks:\n  - id: a\n    url: {backend.BaseUrl}/api/tasks/a\n{branches}" +
            $"  - id: c\n    url: {backend.BaseUrl}/api/tasks/c\n    dependsOn: [{string.Join(", ", Enumerable.Range(1, 6).Select(i => $"b{i}"))}]\n");
        var runIds = new List<string>();
        for (var i = 0; i < 3; i++) runIds.Add(await first.TriggerAsync("crash"));

        var committed = new Dictionary<string, List<string>>();
        foreach (var runId in runIds)
        {
            var during = await first.WaitForRunAsync(runId, TimeSpan.FromSeconds(20), r => LoomHostClient.Task(r, "b1")["status"]!.GetValue<string>() == "running");
            committed[runId] = [.. during["tasks"]!.AsArray().Where(t => t!["status"]!.GetValue<string>() == "succeeded").Select(t => t!["id"]!.GetValue<string>())];
        }

        var killedAt = DateTimeOffset.UtcNow;
        await first.KillAsync();
        await using var second = await FunctionAppHost.StartAsync(azurite, service, prefix);
        foreach (var runId in runIds)
        {
            var run = await second.WaitForRunAsync(runId, TimeSpan.FromSeconds(60));
            Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        }

        var recovered = DateTimeOffset.UtcNow - killedAt;
        output.WriteLine($"all {runIds.Count} runs finished {recovered.TotalSeconds:F1} s after the kill (queue visibility {Visibility.TotalSeconds} s)");
        foreach (var runId in runIds)
        {
            var calls = backend.Log.Items.Where(r => r.RunId == runId).ToList();
            Assert.Contains("a", committed[runId]);
            foreach (var task in committed[runId]) Assert.Single(calls, c => c.TaskId == task);
            Assert.Single(calls, c => c.TaskId == "c");
            // Branches in flight at the kill may be sent again: with the same Idempotency-Key.
            Assert.All(calls, c => Assert.Equal($"{runId}:{c.TaskId}", c.IdempotencyKey));

            // Attempt rows are stored with the orchestration's saves, not by the calls: every task's successful attempt is
            // there, the ones that finished before the kill included (the replay of the history hands them to the next save).
            foreach (var task in new[] { "a", "b1", "b2", "b3", "b4", "b5", "b6", "c" })
            {
                var attempts = await second.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/{task}/attempts");
                Assert.Contains(attempts!["items"]!.AsArray(), a => a!["outcome"]!.GetValue<string>() == "succeeded");
            }
        }
    }
}
