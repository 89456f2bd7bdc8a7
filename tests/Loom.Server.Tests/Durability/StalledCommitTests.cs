using System.Text.Json.Nodes;
using Loom.Core.Stores;
using Loom.Storage;
using Loom.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Server.Tests.Durability;

/// <summary>A run whose change storage refuses for a while (neither a conflict nor an outage): the change is kept and retried, and the run shows as stalled meanwhile.</summary>
[Collection("server")]
public sealed class StalledCommitTests(AzuriteFixture azurite, BackendFixture backend)
{
    [Fact]
    public async Task Commit_RefusedTwice_IsRetriedAndTheRunFinishes_ShownAsStalledMeanwhile()
    {
        // Refuses the first two commits that carry an attempt's outcome.
        var refusals = 0;
        var flaky = new FaultyRunStore((run, history) => run.WorkflowId == "stall" && history.Attempts.Count > 0 && refusals++ < 2
            ? new InvalidOperationException("injected: storage refused the write")
            : null);
        await using var server = await LoomTestServer.StartAsync(azurite, services: s =>
            s.AddSingleton<IRunStore>(sp => flaky.Wrap(sp.GetRequiredService<LoomStorageAccount>().Runs)));
        await server.RegisterAsync($"""
            id: stall
            tasks:
              - id: a
                url: {backend.BaseUrl}/api/tasks/a
              - id: b
                url: {backend.BaseUrl}/api/tasks/b
                dependsOn: [a]
            """);
        var runId = await server.TriggerAsync("stall");

        var sawStalled = false;
        JsonObject run;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            var diagnostics = JsonNode.Parse(await server.Client.GetStringAsync("/api/diagnostics"))!;
            sawStalled |= diagnostics["stalledRuns"]!.AsArray().Any(r => r!["runId"]!.GetValue<string>() == runId && r["error"]!.GetValue<string>().Contains("injected", StringComparison.Ordinal));
            run = await server.GetRunAsync(runId);
            await Task.Delay(100);
        }
        while (run["status"]!.GetValue<string>() is not ("succeeded" or "failed" or "cancelled") && DateTime.UtcNow < deadline);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal(2, flaky.Refused);
        Assert.True(sawStalled, "the diagnostics never showed the run as stalled");
        var after = JsonNode.Parse(await server.Client.GetStringAsync("/api/diagnostics"))!;
        Assert.Empty(after["stalledRuns"]!.AsArray());
        // Each task was called once: the refused change was retried, not the call.
        Assert.Equal(["a", "b"], backend.Log.Items.Where(r => r.RunId == runId).Select(r => r.TaskId).Order());
    }
}
