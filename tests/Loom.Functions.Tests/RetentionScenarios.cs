using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Core.Stores;
using Loom.Functions.Tests.Hosting;
using Loom.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Functions.Tests;

/// <summary>The Function App on the in-memory Durable backend, on a fake clock (a host of its own: no other test may see its days pass).</summary>
public sealed class InMemoryDurableRetentionHost() : HostFixture(LoomHostKind.DurableInMemory, "rim", HostFeatures.FakeClock);

/// <summary>The Function App on DurableTask.AzureStorage against Azurite, on a fake clock.</summary>
public sealed class AzureStorageDurableRetentionHost() : HostFixture(LoomHostKind.DurableAzureStorage, "raz", HostFeatures.FakeClock);

/// <summary>The self-hosted server with its scheduler loop on (every second), on a fake clock.</summary>
public sealed class ServerRetentionHost() : HostFixture(LoomHostKind.Server, "rsv", HostFeatures.FakeClock);

[Trait("Host", "durable-in-memory")]
public sealed class InMemoryDurableRetentionScenarios(InMemoryDurableRetentionHost fixture) : RetentionScenarios(fixture), IClassFixture<InMemoryDurableRetentionHost>;

[Trait("Host", "durable-azure-storage")]
public sealed class AzureStorageDurableRetentionScenarios(AzureStorageDurableRetentionHost fixture) : RetentionScenarios(fixture), IClassFixture<AzureStorageDurableRetentionHost>;

[Trait("Host", "server")]
public sealed class ServerRetentionScenarios(ServerRetentionHost fixture) : RetentionScenarios(fixture), IClassFixture<ServerRetentionHost>;

/// <summary>
/// Retention through each host's scheduler tick, written once for the Function App on both Durable backends and the server:
/// with the host's clock moved days ahead, the tick deletes exactly the expired runs (with their attempts, events, dead
/// letters, listing rows and, on the Function App, every generation of their Durable instance), and keeps live and recent ones.
/// </summary>
public abstract class RetentionScenarios(HostFixture fixture) : HostSuite(fixture)
{
    [Fact]
    public async Task Tick_ClockPastRetention_DeletesExactlyTheExpiredRunsAndKeepsLiveAndRecentOnes()
    {
        var key = Guid.NewGuid().ToString("N");
        await H.RegisterAsync($"""
            id: {W("keep1")}
            retentionDays: 1
            tasks:
              - id: ok
                url: {B}/api/tasks/ok
              - id: next
                url: {B}/api/tasks/next
                dependsOn: [ok]
            """);
        await H.RegisterAsync($"""
            id: {W("keep1-failing")}
            retentionDays: 1
            tasks:
              - id: fails
                url: {B}/api/tasks/fails?failCalls=1&failStatus=400&key={key}
            """);
        await H.RegisterAsync($"""
            id: {W("keep1-broken")}
            retentionDays: 1
            tasks:
              - id: fails
                url: {B}/api/tasks/fails?failCalls=1000&failStatus=400&key={key}-broken
            """);
        await H.RegisterAsync($"""
            id: {W("keep1-waiting")}
            retentionDays: 1
            tasks:
              - id: wait
                url: {B}/api/tasks/wait?mode=callback&callbackDelayMs=-1
                completion: callback
                callbackTimeout: 1h
            """);
        await H.RegisterAsync($"""
            id: {W("host-default")}
            tasks:
              - id: ok
                url: {B}/api/tasks/ok
            """);

        var done = new List<string>();
        for (var i = 0; i < 2; i++) done.Add(await FinishAsync(W("keep1"), "succeeded"));
        // A failed run with a dead letter, redriven in place (on Durable, a new generation of the same instance) and failed-then-fixed.
        var redriven = await FinishAsync(W("keep1-failing"), "failed");
        var redrivenLetter = (await DeadLettersAsync(redriven)).Single();
        using (var operatorClient = H.NewClient(LoomTestServer.OperatorKey))
        {
            var response = await operatorClient.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(redriven)}/redrive", new { });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.Equal("succeeded", (await H.WaitForRunAsync(redriven, Patience, r => r["status"]!.GetValue<string>() == "succeeded"))["status"]!.GetValue<string>());
        done.Add(redriven);
        var failed = await FinishAsync(W("keep1-broken"), "failed");
        done.Add(failed);
        var failedLetter = (await DeadLettersAsync(failed)).Single();
        var live = await H.TriggerAsync(W("keep1-waiting"));
        await H.WaitForRunAsync(live, Patience, r => LoomHostClient.Task(r, "wait")["status"]!.GetValue<string>() == "waiting");
        var recent = await FinishAsync(W("host-default"), "succeeded");
        foreach (var runId in done) await WaitForInstanceEndAsync(runId);

        // Two days on: past "keep1*"'s one day, within the host's default 30.
        Fixture.Clock.Advance(TimeSpan.FromDays(2));
        await TickUntilGoneAsync(done);

        foreach (var runId in done) await AssertGoneAsync(runId);
        foreach (var letter in new[] { failedLetter, redrivenLetter })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await H.Client.GetAsync($"/api/deadletters/{Uri.EscapeDataString(letter)}")).StatusCode);
        }

        Assert.Empty(await ListAsync(W("keep1")));
        Assert.Empty(await ListAsync(W("keep1-failing")));
        Assert.Empty(await ListAsync(W("keep1-broken")));
        await AssertKeptAsync(live);
        await AssertKeptAsync(recent);

        // Past the host's 30 days too: the recent run goes; the live one (created 32 days ago) still stays.
        Fixture.Clock.Advance(TimeSpan.FromDays(30));
        await TickUntilGoneAsync([recent]);

        await AssertGoneAsync(recent);
        await AssertKeptAsync(live);
        Assert.Equal([live], await ListAsync(W("keep1-waiting")));

        // The server may have timed the callback out once its clock jumped (the run then finished "now", so it is kept): 409.
        using var cancel = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(live)}/cancel", new { reason = "test over" });
        Assert.True(cancel.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, cancel.StatusCode.ToString());
        await H.WaitForRunAsync(live, Patience);
    }

    private async Task<string> FinishAsync(string workflowId, string status)
    {
        var runId = await H.TriggerAsync(workflowId);
        Assert.Equal(status, (await H.WaitForRunAsync(runId, Patience))["status"]!.GetValue<string>());
        return runId;
    }

    private async Task<List<string>> DeadLettersAsync(string runId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var page = await H.Client.GetFromJsonAsync<JsonObject>($"/api/deadletters?runId={Uri.EscapeDataString(runId)}");
            var ids = page!["items"]!.AsArray().Select(d => d!["id"]!.GetValue<string>()).ToList();
            if (ids.Count > 0 || DateTime.UtcNow > deadline) return ids;
            await Task.Delay(100);
        }
    }

    private async Task<List<string>> ListAsync(string workflowId)
    {
        var page = await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflowId}&limit=100");
        return [.. page!["items"]!.AsArray().Select(r => r!["runId"]!.GetValue<string>())];
    }

    /// <summary>On the Function App, waits until the run's orchestration has completed (its final save comes just before).</summary>
    private async Task WaitForInstanceEndAsync(string runId)
    {
        if (H is not FunctionAppHost app) return;
        using var cts = new CancellationTokenSource(Patience);
        await app.DurableClient.WaitForInstanceCompletionAsync(runId, cts.Token);
    }

    private async Task TickUntilGoneAsync(IReadOnlyList<string> runIds)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await Fixture.TickAsync();
            var left = new List<string>();
            foreach (var runId in runIds)
            {
                using var response = await H.Client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}");
                if (response.StatusCode != HttpStatusCode.NotFound) left.Add(runId);
            }

            if (left.Count == 0) return;
            Assert.True(DateTime.UtcNow < deadline, $"not deleted in time: {string.Join(", ", left)}");
            await Task.Delay(250);
        }
    }

    private async Task AssertGoneAsync(string runId)
    {
        var escaped = Uri.EscapeDataString(runId);
        Assert.Equal(HttpStatusCode.NotFound, (await H.Client.GetAsync($"/api/runs/{escaped}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await H.Client.GetAsync($"/api/runs/{escaped}/events")).StatusCode);
        // The rows themselves, not only the run row: events, attempts, dead letters, listings.
        Assert.Empty(await Fixture.Services.GetRequiredService<IEventStore>().ListAsync(runId));
        Assert.Empty(await Fixture.Services.GetRequiredService<IAttemptStore>().ListAsync(runId, null));
        Assert.Empty((await Fixture.Services.GetRequiredService<IDeadLetterStore>().ListAsync(new DeadLetterQuery(RunId: runId))).Items);
        Assert.Empty(await Fixture.Services.GetRequiredService<IRunRetentionStore>().ListPurgesAsync(1000));
        if (H is FunctionAppHost app) Assert.Null(await app.DurableClient.GetInstanceAsync(runId));
    }

    private async Task AssertKeptAsync(string runId)
    {
        var escaped = Uri.EscapeDataString(runId);
        Assert.Equal(HttpStatusCode.OK, (await H.Client.GetAsync($"/api/runs/{escaped}")).StatusCode);
        Assert.NotEmpty(await Fixture.Services.GetRequiredService<IEventStore>().ListAsync(runId));
        if (H is FunctionAppHost app) Assert.NotNull(await app.DurableClient.GetInstanceAsync(runId));
    }
}
