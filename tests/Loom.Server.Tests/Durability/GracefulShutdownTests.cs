using System.Diagnostics;
using Loom.Core.Engine;
using Loom.Storage;
using Loom.Testing;

namespace Loom.Server.Tests.Durability;

/// <summary>A graceful stop (a deploy) in the middle of a run: calls in flight finish and commit, nothing new starts, the next process does the rest.</summary>
[Collection("server")]
public sealed class GracefulShutdownTests(AzuriteFixture azurite, BackendFixture backend)
{
    [Fact]
    public async Task Stop_DuringASlowCall_LetsItFinishAndCommit_StartsNothingNew_NextProcessDoesTheRest()
    {
        var prefix = "drain" + Guid.NewGuid().ToString("N")[..8];
        var first = await LoomTestServer.StartAsync(azurite, prefix: prefix);
        await first.RegisterAsync($"""
            id: drain
            tasks:
              - id: slow
                url: {backend.BaseUrl}/api/tasks/slow?delayMs=1500
              - id: next
                url: {backend.BaseUrl}/api/tasks/next
                dependsOn: [slow]
            """);
        var runId = await first.TriggerAsync("drain");
        await Task.Delay(400);

        var stop = Stopwatch.StartNew();
        await first.DisposeAsync();
        stop.Stop();

        // The call in flight was not cut off: it answered, and its outcome is committed.
        Assert.Single(backend.Log.Items, r => r.RunId == runId && r.TaskId == "slow" && r.Status == 200);
        var stored = await LoomStorageAccount.Create(azurite.ConnectionString, prefix).Runs.GetAsync(runId);
        var state = RunStateJson.Deserialize(stored!.State);
        Assert.Equal(TaskRunStatus.Succeeded, state.Tasks["slow"].Status);
        // Nothing new started during the stop: the next task is owed in the outbox, not called.
        Assert.DoesNotContain(backend.Log.Items, r => r.RunId == runId && r.TaskId == "next");
        Assert.NotEqual("", stored.Outbox);
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), $"stopping took {stop.Elapsed}: it waited for the run, not for the call");

        // The next process (same instance name: a restart) adopts the owed work at once.
        await using var second = await LoomTestServer.StartAsync(azurite, prefix: prefix);
        var run = await second.WaitForRunAsync(runId);
        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal(["next", "slow"], backend.Log.Items.Where(r => r.RunId == runId).Select(r => r.TaskId).Order());
    }
}
