using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Core.Scheduling;
using Loom.Functions.Tests.Hosting;
using Loom.Storage;
using Loom.SampleBackend;
using Loom.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Functions.Tests;

[Trait("Host", "durable-in-memory")]
public sealed class InMemoryFunctionAppTests(InMemoryDurableHost fixture) : FunctionAppTests(fixture), IClassFixture<InMemoryDurableHost>;

[Trait("Host", "durable-azure-storage")]
public sealed class AzureStorageFunctionAppTests(AzureStorageDurableHost fixture) : FunctionAppTests(fixture), IClassFixture<AzureStorageDurableHost>;

/// <summary>What only the Function App has: the Timer function, function keys, the Durable instance behind each run.</summary>
public abstract class FunctionAppTests(HostFixture fixture)
{
    private FunctionAppHost App => (FunctionAppHost)fixture.Host;

    private string B => fixture.Backend.BaseUrl;

    private RequestLog Log => fixture.Backend.Log;

    private string W(string name) => $"{name}-{fixture.Tag}f";

    [Fact]
    public async Task TimerFunction_TicksTwiceAtOnce_StartsEachDueOccurrenceExactlyOnce()
    {
        var id = W("every2s");
        await App.RegisterAsync($"""
            id: {id}
            schedule:
              cron: "*/2 * * * * *"
              catchup: all
            tasks:
              - id: only
                url: {B}/api/tasks/only
            """);
        var registered = DateTimeOffset.UtcNow;
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(1100);
            await Task.WhenAll(App.TickAsync(), App.TickAsync());
        }

        await App.PostAsync($"/api/workflows/{id}/pause");
        var page = JsonNode.Parse(await App.Client.GetStringAsync($"/api/runs?workflowId={id}&limit=100"))!;
        var runIds = page["items"]!.AsArray().Select(r => r!["runId"]!.GetValue<string>()).ToList();
        var occurrences = runIds.Select(r => RunIds.TryParseOccurrence(r, out _, out var at) ? at : throw new InvalidOperationException(r)).Order().ToList();

        Assert.True(occurrences.Count >= 1, "no occurrence was started");
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        Assert.All(occurrences, o => Assert.Equal(0, o.Second % 2));
        Assert.All(occurrences, o => Assert.True(o > registered.AddSeconds(-1) && o <= DateTimeOffset.UtcNow));
        foreach (var runId in runIds)
        {
            Assert.Equal("succeeded", (await App.WaitForRunAsync(runId))["status"]!.GetValue<string>());
            Assert.Single(Log.Items, r => r.RunId == runId);
        }
    }

    [Fact]
    public async Task Backfill_MaxConcurrentTwo_TheTimerFunctionStartsTheRestNeverMoreThanTwoAtOnce()
    {
        var id = W("bounded");
        await App.RegisterAsync($"""
            id: {id}
            schedule: "0 * * * *"
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=700
            """);
        using var response = await App.Client.PostAsJsonAsync($"/api/workflows/{id}/backfill",
            new { from = "2026-01-01T00:00:00Z", to = "2026-01-01T04:00:00Z", maxConcurrent = 2 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<JsonObject>())!["queued"]!.AsArray().Count);

        // The Timer function (every minute in Azure) is what starts a bounded backfill's next occurrences.
        using var ticking = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            while (!ticking.IsCancellationRequested)
            {
                await App.TickAsync();
                await Task.Delay(300, CancellationToken.None);
            }
        });
        var runs = new List<JsonObject>();
        try
        {
            foreach (var runId in Enumerable.Range(0, 5).Select(h => $"{id}@20260101T{h:D2}0000Z"))
            {
                runs.Add(await WaitForExistingRunAsync(runId, TimeSpan.FromSeconds(40)));
            }
        }
        finally
        {
            await ticking.CancelAsync();
            await ticker;
        }

        Assert.All(runs, r => Assert.Equal("succeeded", r["status"]!.GetValue<string>()));
        var intervals = runs.Select(r => (Start: Time(r["startedAt"]), End: Time(r["finishedAt"]))).ToList();
        Assert.InRange(intervals.Max(i => intervals.Count(o => o.Start <= i.Start && i.Start < o.End)), 1, 2);
        Assert.Equal(5, Log.Items.Count(r => r.RunId is not null && r.RunId.StartsWith(id + "@", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DurablePayloads_CamelCaseWithStringEnums()
    {
        await App.RegisterAsync($"""
            id: {W("payloads")}
            tasks:
              - id: one
                url: {B}/api/tasks/one
            """);
        var runId = await App.TriggerAsync(W("payloads"));
        await App.WaitForRunAsync(runId);
        var instance = await WaitForInstanceAsync(runId, i => i.IsCompleted);

        var status = JsonNode.Parse(instance.SerializedCustomStatus!)!;
        Assert.Equal(runId, status["runId"]!.GetValue<string>());
        Assert.Equal("succeeded", status["status"]!.GetValue<string>());
        Assert.Equal("succeeded:1", status["tasks"]!["one"]!.GetValue<string>());
        var input = JsonNode.Parse(instance.SerializedInput!)!;
        // The driver creates the run started (one write with its start's events) and hands the orchestration the first attempt.
        Assert.Equal("running", input["state"]!["status"]!.GetValue<string>());
        Assert.Equal("one", input["carried"]!["invokes"]![0]!["taskId"]!.GetValue<string>());
        Assert.Equal("post", input["workflow"]!["tasks"]![0]!["method"]!.GetValue<string>().ToLowerInvariant());
        Assert.Equal("allSuccess", input["workflow"]!["tasks"]![0]!["trigger"]!.GetValue<string>());
        var output = JsonNode.Parse(instance.SerializedOutput!)!;
        Assert.Equal("succeeded", output["status"]!.GetValue<string>());
        Assert.DoesNotContain("\"RunId\"", instance.SerializedInput + instance.SerializedOutput + instance.SerializedCustomStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_WithALongCallInFlight_TheDurableInstanceCompletesWithoutWaitingForTheCall()
    {
        await App.RegisterAsync($"""
            id: {W("cancel-instance")}
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=8000
                timeout: 30s
            """);
        var runId = await App.TriggerAsync(W("cancel-instance"));
        // The run is stored running from its create on: cancel once the orchestration's first episode is committed (its live
        // status published), i.e. once the call has been sent.
        await WaitForInstanceAsync(runId, i => i.RuntimeStatus == OrchestrationRuntimeStatus.Running && i.SerializedCustomStatus is not null, TimeSpan.FromSeconds(60));
        var cancel = await App.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "test" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var run = await App.WaitForRunAsync(runId, TimeSpan.FromSeconds(3));
        Assert.Equal("cancelled", run["status"]!.GetValue<string>());

        // Durable completes an orchestration only once the calls it sent return; the activity stops waiting for a call
        // whose run has ended, so the instance does not stay Running for the rest of the 8 s call.
        var instance = await WaitForInstanceAsync(runId, i => i.IsCompleted, TimeSpan.FromSeconds(4));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        using var again = await App.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task LastAttempt_StoresTheRunsEnd_NoSaveRunAndEveryRowIsStored()
    {
        var id = W("ended-by-attempt");
        await App.RegisterAsync($"""
            id: {id}
            tasks:
              - id: first
                url: {B}/api/tasks/first
              - id: second
                url: {B}/api/tasks/second
                dependsOn: [first]
              - id: third
                url: {B}/api/tasks/third
                dependsOn: [second]
            """);
        var runId = await App.TriggerAsync(id);

        var run = await WaitForExistingRunAsync(runId, TimeSpan.FromSeconds(60));
        var instance = await WaitForInstanceAsync(runId, i => i.IsCompleted, TimeSpan.FromSeconds(30));

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        // The driver created the run started; the third attempt's activity stored its end: no SaveRun in between or after.
        Assert.Equal(["InvokeTask", "InvokeTask", "InvokeTask"], App.ActivitiesRun.Where(a => a.InstanceId == runId).Select(a => a.Name));
        foreach (var task in new[] { "first", "second", "third" })
        {
            var attempts = (await App.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/{task}/attempts"))!["items"]!.AsArray();
            Assert.Equal("succeeded", Assert.Single(attempts)!["outcome"]!.GetValue<string>());
        }

        var events = (await App.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray();
        Assert.Equal("RunSucceeded", events[^1]!["type"]!.GetValue<string>());
        Assert.Equal(3, events.Count(e => e!["type"]!.GetValue<string>() == "TaskSucceeded"));
    }

    [Fact]
    public async Task CancelWhileTheLastAttemptIsInFlight_StaysCancelledAfterTheCallReturns()
    {
        var id = W("cancel-last");
        await App.RegisterAsync($"""
            id: {id}
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=6000
                timeout: 30s
            """);
        var runId = await App.TriggerAsync(id);
        await App.WaitForRunAsync(runId, TimeSpan.FromSeconds(30), r => r["tasks"]!.AsArray().Any(t => t!["status"]!.GetValue<string>() == "running"));

        using var cancel = await App.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "test" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var run = await WaitForExistingRunAsync(runId, TimeSpan.FromSeconds(30));
        await WaitForInstanceAsync(runId, i => i.IsCompleted, TimeSpan.FromSeconds(30));

        // Past the call's end: whatever its activity did then, the row stays cancelled.
        await Task.Delay(6500);

        Assert.Equal("cancelled", run["status"]!.GetValue<string>());
        using var later = await App.Client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}");
        Assert.Equal("cancelled", (await later.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());
        var events = (await App.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray();
        Assert.DoesNotContain(events, e => e!["type"]!.GetValue<string>() is "RunSucceeded" or "TaskSucceeded");
    }

    [Fact]
    public async Task FunctionKeys_NoneRejectedByTheHost_ReaderCannotTrigger_CallbacksAndHealthNeedNone()
    {
        await App.RegisterAsync($"""
            id: {W("keys")}
            tasks:
              - id: one
                url: {B}/api/tasks/one
            """);
        using var anonymous = App.NewClient(null);
        using var reader = App.NewClient(LoomTestServer.ReaderKey);
        using var byQuery = App.NewClient(null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await byQuery.GetAsync($"/api/workflows?code={FunctionAppHost.FunctionKey}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync($"/api/workflows/{W("keys")}/runs", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsJsonAsync("/api/callbacks/forged-token", new { status = "SUCCESS" })).StatusCode);
    }

    [Fact]
    public async Task OpenRunIndex_NoneWrittenForAFunctionAppRun_WhileItRunsOrAfter()
    {
        var id = W("no-open-index");
        await App.RegisterAsync($"""
            id: {id}
            tasks:
              - id: wait
                url: {B}/api/tasks/wait?mode=callback&callbackDelayMs=-1
                completion: callback
                callbackTimeout: 300s
            """);
        var runId = await App.TriggerAsync(id);
        var storage = App.Services.GetRequiredService<LoomStorageAccount>();
        var runs = storage.Tables.GetTableClient(storage.Options.RunsTable);

        // The run cannot end before it is cancelled (its callback never comes): the server's recovery index would hold it now.
        Assert.Equal("running", (await App.WaitForRunAsync(runId, TimeSpan.FromSeconds(60), r => r["status"]!.GetValue<string>() == "running"))["status"]!.GetValue<string>());
        Assert.Empty(await OpenIndexRowsAsync(runs));
        Assert.Contains(runId, (await App.Client.GetStringAsync($"/api/runs?workflowId={id}")), StringComparison.Ordinal);

        using var cancel = await App.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "test" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", (await WaitForExistingRunAsync(runId, TimeSpan.FromSeconds(60)))["status"]!.GetValue<string>());
        Assert.Empty(await OpenIndexRowsAsync(runs));
        Assert.Throws<InvalidOperationException>(() => storage.Runs.ListWithOutboxAsync(10).GetAwaiter().GetResult());
    }

    private static async Task<List<string>> OpenIndexRowsAsync(Azure.Data.Tables.TableClient runs)
    {
        var keys = new List<string>();
        await foreach (var row in runs.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == "$ix", select: ["RowKey"]))
        {
            if (row.RowKey.StartsWith("o|", StringComparison.Ordinal)) keys.Add(row.RowKey);
        }

        return keys;
    }

    private async Task<OrchestrationMetadata> WaitForInstanceAsync(string runId, Func<OrchestrationMetadata, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        OrchestrationMetadata? instance;
        do
        {
            instance = await App.DurableClient.GetInstanceAsync(runId, getInputsAndOutputs: true);
            if (instance is not null && until(instance)) return instance;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"instance {runId} is {instance?.RuntimeStatus}");
        return instance!;
    }

    private async Task<JsonObject> WaitForExistingRunAsync(string runId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await App.Client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var run = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                if (run["status"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled") return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} did not finish in time");
            await Task.Delay(100);
        }
    }

    private static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse(node!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}
