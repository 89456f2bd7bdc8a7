using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Testing;
using Xunit.Abstractions;

namespace Loom.Server.Tests.Durability;

/// <summary>Storage goes away for a few seconds in the middle of runs (Azurite on disk, restarted): the server rides it out and every run finishes.</summary>
[Collection("server")]
public sealed class StorageRestartTests(BackendFixture backend, ITestOutputHelper output)
{
    [Fact]
    public async Task AzuriteRestart_MidRuns_EveryRunFinishes()
    {
        var azurite = AzuriteFixture.CreatePersistent();
        await azurite.InitializeAsync();
        try
        {
            await using var server = await LoomTestServer.StartAsync(azurite);
            await server.RegisterAsync(CrashRecoveryTests.FanOutYaml("storage-restart", backend.BaseUrl, i => 100 + (120 * i)));
            var runIds = new List<string>();
            for (var i = 0; i < 8; i++) runIds.Add(await server.TriggerAsync("storage-restart"));
            await Task.Delay(600);

            var clock = Stopwatch.StartNew();
            await azurite.RestartAsync(TimeSpan.FromSeconds(8));
            var down = clock.Elapsed;
            var runs = new List<JsonObject>();
            foreach (var runId in runIds) runs.Add(await server.WaitForRunAsync(runId, TimeSpan.FromSeconds(60)));
            output.WriteLine($"storage was down {ChildLoomServer.Format(down)}; all {runIds.Count} runs finished {ChildLoomServer.Format(clock.Elapsed)} after it went down");

            Assert.All(runs, r => Assert.Equal("succeeded", r["status"]!.GetValue<string>()));
            foreach (var runId in runIds)
            {
                foreach (var task in new[] { "a", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "c" })
                {
                    Assert.Contains(backend.Log.Items, c => c.RunId == runId && c.TaskId == task && c.Status is >= 200 and < 300);
                }
            }
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }
}
