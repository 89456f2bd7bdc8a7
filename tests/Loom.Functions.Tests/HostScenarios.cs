using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Functions.Tests.Hosting;
using Loom.SampleBackend;
using Loom.Testing;

namespace Loom.Functions.Tests;

/// <summary>The Function App on the in-memory Durable backend of the test host.</summary>
public sealed class InMemoryDurableHost() : HostFixture(LoomHostKind.DurableInMemory, "im");

/// <summary>The Function App on DurableTask.AzureStorage against Azurite, with host.json's settings.</summary>
public sealed class AzureStorageDurableHost() : HostFixture(LoomHostKind.DurableAzureStorage, "az");

/// <summary>The self-hosted server on Azurite.</summary>
public sealed class ServerHost() : HostFixture(LoomHostKind.Server, "sv");

[Trait("Host", "durable-in-memory")]
public sealed class InMemoryDurableScenarios(InMemoryDurableHost fixture) : HostScenarios(fixture), IClassFixture<InMemoryDurableHost>;

[Trait("Host", "durable-azure-storage")]
public sealed class AzureStorageDurableScenarios(AzureStorageDurableHost fixture) : HostScenarios(fixture), IClassFixture<AzureStorageDurableHost>;

[Trait("Host", "server")]
public sealed class ServerScenarios(ServerHost fixture) : HostScenarios(fixture), IClassFixture<ServerHost>;

/// <summary>
/// The behaviour clients rely on, written once and run against every host: the Function App on both Durable backends and
/// the self-hosted server. Only HTTP: register, trigger, poll, callbacks, cancel, retry.
/// </summary>
public abstract class HostScenarios(HostFixture fixture) : HostSuite(fixture)
{
    private List<ReceivedRequest> Calls(string runId) => [.. Log.Items.Where(r => r.RunId == runId).OrderBy(r => r.Sequence)];

    private async Task<JsonArray> AttemptsAsync(string runId, string taskId) =>
        (await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/{taskId}/attempts"))!["items"]!.AsArray();

    private static string Status(JsonObject node) => node["status"]!.GetValue<string>();

    private static string TaskStatus(JsonObject run, string taskId) => Status(LoomHostClient.Task(run, taskId));

    /// <summary>Registers a workflow, triggers one run of it and waits until the run is final.</summary>
    private async Task<(string RunId, JsonObject Run)> RegisterAndRunAsync(string yaml, JsonObject? parameters = null, TimeSpan? timeout = null)
    {
        var runId = await H.TriggerAsync(await H.RegisterAsync(yaml), parameters);
        return (runId, await H.WaitForRunAsync(runId, timeout));
    }

    /// <summary>A workflow of samples/workflows with its task URLs on the test backend and its id made this host's.</summary>
    private string SampleYaml(string id) =>
        File.ReadAllText(Path.Combine(AzuriteFixture.FindRepositoryRoot(), "samples", "workflows", id + ".yaml"))
            .Replace("http://localhost:5080", B, StringComparison.Ordinal).Replace($"id: {id}", $"id: {W(id)}", StringComparison.Ordinal);

    [Fact]
    public async Task SeedChain_ThreeTasks_RunInOrderWithOutputsPassedDown()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("daily-report")}
            name: Daily Report
            schedule: "0 3 * * *"
            tasks:
              - id: fetch_data
                type: http
                method: POST
                url: {B}/api/tasks/fetch-data
              - id: process
                type: http
                method: POST
                url: {B}/api/tasks/process
                dependsOn: [fetch_data]
              - id: notify
                url: {B}/api/tasks/notify
                dependsOn: [process]
            """);

        Assert.Equal("succeeded", Status(run));
        var calls = Calls(runId);
        Assert.Equal(["fetch-data", "process", "notify"], calls.Select(c => c.Task));
        Assert.All(calls, c => Assert.Equal($"{runId}:{c.TaskId}", c.IdempotencyKey));
        Assert.Equal(42, JsonNode.Parse(calls[1].Body)!["inputs"]!["fetch_data"]!["rows"]!.GetValue<int>());
    }

    [Fact]
    public async Task Diamond_BranchesStartTogether_JoinWaitsForAll()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("diamond")}
            tasks:
              - id: a
                url: {B}/api/tasks/a
              - id: b1
                url: {B}/api/tasks/b1?delayMs=2000
                dependsOn: [a]
              - id: b2
                url: {B}/api/tasks/b2?delayMs=2000
                dependsOn: [a]
              - id: b3
                url: {B}/api/tasks/b3?delayMs=2000
                dependsOn: [a]
              - id: c
                url: {B}/api/tasks/c
                dependsOn: [b1, b2, b3]
            """);

        Assert.Equal("succeeded", Status(run));
        var calls = Calls(runId);
        Assert.Equal(5, calls.Count);
        Assert.Equal("a", calls[0].TaskId);
        Assert.Equal("c", calls[^1].TaskId);
        var branches = calls.Where(c => c.TaskId!.StartsWith('b')).Select(c => c.ArrivedAt).ToList();
        // Each branch takes 2 s: every branch arrived while the first was still being answered, so they ran at once (one after
        // another, the last would arrive 4 s after the first). The margin is wide because a loaded machine delays dispatch.
        Assert.True(branches.Max() - branches.Min() < TimeSpan.FromMilliseconds(1900), $"branches started {(branches.Max() - branches.Min()).TotalMilliseconds} ms apart");
        Assert.True(calls[^1].ArrivedAt - branches.Max() >= TimeSpan.FromMilliseconds(1990));
        Assert.Equal(["b1", "b2", "b3"], JsonNode.Parse(calls[^1].Body)!["inputs"]!.AsObject().Select(p => p.Key).Order());
    }

    [Fact]
    public async Task ServiceUnavailableTwice_RetriedAfterTheFullBackoffEachTime_Succeeds()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("flaky")}
            tasks:
              - id: flaky
                url: {B}/api/tasks/flaky?failTimes=2
                retry:
                  maxAttempts: 5
                  backoff: fixed
                  delay: 1s
                  jitter: 0
            """);

        Assert.Equal("succeeded", Status(run));
        Assert.Equal([503, 503, 200], (await AttemptsAsync(runId, "flaky")).Select(a => a!["statusCode"]!.GetValue<int>()));
        var calls = Calls(runId);
        Assert.Equal(3, calls.Count);
        for (var i = 1; i < calls.Count; i++)
        {
            var gap = calls[i].ArrivedAt - calls[i - 1].ArrivedAt;
            Assert.True(gap >= TimeSpan.FromSeconds(1), $"gap {i} was {gap.TotalMilliseconds} ms for a 1 s backoff");
        }
    }

    [Fact]
    public async Task BadRequest_NotRetried_DownstreamSkipped()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("bad-request")}
            tasks:
              - id: first
                url: {B}/api/tasks/first?status=400
                retry:
                  maxAttempts: 5
                  delay: 100ms
              - id: second
                url: {B}/api/tasks/second
                dependsOn: [first]
            """);

        Assert.Equal("failed", Status(run));
        Assert.Equal(1, LoomHostClient.Task(run, "first")["attempt"]!.GetValue<int>());
        Assert.Equal("failed", TaskStatus(run, "first"));
        Assert.Equal("skipped", TaskStatus(run, "second"));
        Assert.Equal(["first"], Calls(runId).Select(c => c.TaskId));
    }

    [Fact]
    public async Task SlowBackend_PerAttemptTimeout_RetriedThenFailed()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("slow")}
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=3000
                timeout: 300ms
                retry:
                  maxAttempts: 2
                  backoff: fixed
                  delay: 100ms
            """);

        Assert.Equal("failed", Status(run));
        Assert.Equal(2, LoomHostClient.Task(run, "slow")["attempt"]!.GetValue<int>());
        Assert.All(await AttemptsAsync(runId, "slow"), a => Assert.Equal("timeout", a!["outcome"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Callback_BackendPostsToTheCallbackUrl_TaskSucceedsWithItsOutput()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("callback")}
            tasks:
              - id: long
                url: {B}/api/tasks/long?mode=callback&callbackDelayMs=500
                completion: callback
                callbackTimeout: 30s
              - id: after
                url: {B}/api/tasks/after
                dependsOn: [long]
            """);

        Assert.Equal("succeeded", Status(run));
        Assert.Equal(202, Calls(runId).Single(c => c.TaskId == "long").Status);
        Assert.Equal("callback", LoomHostClient.Task(run, "long")["output"]!["via"]!.GetValue<string>());
        Assert.Equal("callback", JsonNode.Parse(Calls(runId).Single(c => c.TaskId == "after").Body)!["inputs"]!["long"]!["via"]!.GetValue<string>());
    }

    [Fact]
    public async Task Callback_NeverComes_TimesOutNotBeforeItsDeadline()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("callback-timeout")}
            tasks:
              - id: never
                url: {B}/api/tasks/never?mode=callback&callbackDelayMs=-1
                completion: callback
                callbackTimeout: 1s
                retry:
                  maxAttempts: 1
            """);

        Assert.Equal("failed", Status(run));
        Assert.Equal("failed", TaskStatus(run, "never"));
        // The deadline counts from the attempt (the server from its start, the Function App from the 202): never sooner.
        var attempt = (await AttemptsAsync(runId, "never")).Single()!;
        var started = DateTimeOffset.Parse(attempt["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var finished = DateTimeOffset.Parse(run["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(finished - started >= TimeSpan.FromSeconds(1), $"the 1 s callback deadline acted {(finished - started).TotalMilliseconds} ms after the attempt started");
    }

    [Fact]
    public async Task Cancel_MidRun_RunCancelledAndDownstreamNeverCalled()
    {
        await H.RegisterAsync($"""
            id: {W("cancel-me")}
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=4000
                timeout: 30s
              - id: later
                url: {B}/api/tasks/later
                dependsOn: [slow]
            """);
        var runId = await H.TriggerAsync(W("cancel-me"));
        await H.WaitForRunAsync(runId, until: r => TaskStatus(r, "slow") == "running");
        var cancel = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "test" });
        var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(3));

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", Status(run));
        Assert.All(run["tasks"]!.AsArray(), t => Assert.DoesNotContain(Status(t!.AsObject()), new[] { "running", "waiting", "retrying", "pending" }));
        var again = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await Task.Delay(4500);
        Assert.DoesNotContain(Log.Items, r => r.RunId == runId && r.TaskId == "later");
    }

    [Fact]
    public async Task RunTimeout_EndsTheRunNotBeforeItsTime()
    {
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("run-timeout")}
            timeout: 1s
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=12000
                timeout: 30s
              - id: later
                url: {B}/api/tasks/later
                dependsOn: [slow]
            """, timeout: TimeSpan.FromSeconds(60));

        Assert.Contains(Status(run), new[] { "failed", "cancelled" });
        var started = DateTimeOffset.Parse(run["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var finished = DateTimeOffset.Parse(run["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        // The server stamps startedAt a moment after the instant its timeout counts from (measured 0.7 ms); early timers
        // on Durable's AzureStorage backend were up to 1 s early, which this still catches. The call answers only after 12 s:
        // ending well before that shows the timeout ended the run, with room for a loaded machine's late timers (one CI
        // run under parallel suites saw 4.8 s against a 2.9 s bound when the call took 3 s).
        Assert.InRange(finished - started, TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(8));
        Assert.DoesNotContain(Calls(runId), c => c.TaskId == "later");
    }

    [Fact]
    public async Task RetryFromFailed_ReRunsOnlyWhatFailed()
    {
        var key = Guid.NewGuid().ToString("N");
        await H.RegisterAsync($$$"""
            id: {{{W("partial")}}}
            tasks:
              - id: ok
                url: {{{B}}}/api/tasks/ok
              - id: fails
                url: {{{B}}}/api/tasks/fails?failCalls=1&failStatus=400&key={{{key}}}
                dependsOn: [ok]
              - id: after
                url: {{{B}}}/api/tasks/after
                body:
                  upstream: ${{ tasks.ok.output.task }}
                dependsOn: [fails]
            """);
        var runId = await H.TriggerAsync(W("partial"));
        Assert.Equal("failed", Status(await H.WaitForRunAsync(runId)));

        var response = await H.Client.PostAsync($"/api/runs/{Uri.EscapeDataString(runId)}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var retryId = (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
        var retried = await H.WaitForRunAsync(retryId);

        Assert.Equal("succeeded", Status(retried));
        Assert.Equal(["fails", "after"], Calls(retryId).Select(c => c.TaskId));
        Assert.Equal("succeeded", TaskStatus(retried, "ok"));
        Assert.Equal(runId, retried["retryOf"]!.GetValue<string>());
        // The output of the task carried over from the failed run reaches the downstream body.
        Assert.Equal("ok", JsonNode.Parse(Calls(retryId).Single(c => c.TaskId == "after").Body)!["upstream"]!.GetValue<string>());
    }

    [Fact]
    public async Task Outputs_FlowIntoDownstreamBodies()
    {
        var (runId, run) = await RegisterAndRunAsync($$$"""
            id: {{{W("outputs")}}}
            params:
              region: eu
            tasks:
              - id: extract
                url: {{{B}}}/api/tasks/extract
              - id: load
                url: {{{B}}}/api/tasks/load
                dependsOn: [extract]
                body:
                  records: ${{ tasks.extract.output.records }}
                  region: ${{ params.region }}
                  run: ${{ run.id }}
            """, new JsonObject { ["region"] = "us" });
        Assert.Equal("succeeded", Status(run));

        var body = JsonNode.Parse(Calls(runId).Single(c => c.TaskId == "load").Body)!;
        Assert.Equal([1, 2, 3], body["records"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal("us", body["region"]!.GetValue<string>());
        Assert.Equal(runId, body["run"]!.GetValue<string>());
    }

    [Fact]
    public async Task LongChain_WithACallbackWaitAndACancel_AcrossContinueAsNewGenerations()
    {
        // Function App hosts run with ContinueAsNewAfter = 4: the callback wait and the cancel each fall in a later generation.
        var yaml = new System.Text.StringBuilder($"id: {W("long-chain")}\ntasks:\n");
        for (var i = 1; i <= 5; i++) yaml.Append($"  - id: t{i}\n    url: {B}/api/tasks/t{i}\n" + (i > 1 ? $"    dependsOn: [t{i - 1}]\n" : ""));
        yaml.Append($"  - id: cb\n    url: {B}/api/tasks/cb?mode=callback&callbackDelayMs=700\n    completion: callback\n    callbackTimeout: 30s\n    dependsOn: [t5]\n");
        for (var i = 6; i <= 8; i++) yaml.Append($"  - id: t{i}\n    url: {B}/api/tasks/t{i}\n    dependsOn: [{(i == 6 ? "cb" : $"t{i - 1}")}]\n");
        yaml.Append($"  - id: hang\n    url: {B}/api/tasks/hang?delayMs=1500\n    dependsOn: [t8]\n  - id: never\n    url: {B}/api/tasks/never\n    dependsOn: [hang]\n");
        await H.RegisterAsync(yaml.ToString());

        var runId = await H.TriggerAsync(W("long-chain"));
        var hanging = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(30), r => TaskStatus(r, "hang") == "running");
        Assert.Equal("succeeded", TaskStatus(hanging, "cb"));
        var cancel = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "enough" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(2.5));

        Assert.Equal("cancelled", Status(run));
        // The callback's output reached the run (on the Function App, the stored row has it from the final save on).
        Assert.Equal("callback", LoomHostClient.Task(run, "cb")["output"]!["via"]!.GetValue<string>());
        await Task.Delay(1700); // the backend logs a request when it answers (the server aborts the call in flight: no entry)
        Assert.Equal(["t1", "t2", "t3", "t4", "t5", "cb", "t6", "t7", "t8"], Calls(runId).Select(c => c.TaskId).Where(t => t != "hang"));
        Assert.DoesNotContain(Calls(runId), c => c.TaskId == "never");
        if (H is FunctionAppHost app)
        {
            var instance = await app.DurableClient.GetInstanceAsync(runId, getInputsAndOutputs: true);
            var progress = JsonNode.Parse(instance!.SerializedCustomStatus!)!;
            Assert.True(progress["generation"]!.GetValue<int>() >= 2, $"only {progress["generation"]} generations: the test proves nothing about ContinueAsNew");
        }
    }

    [Fact]
    public async Task CallbackDemoSample_MakesARealCallback()
    {
        var (runId, run) = await RegisterAndRunAsync(SampleYaml("callback-demo"));

        Assert.Equal("succeeded", Status(run));
        var job = Calls(runId).Single(c => c.TaskId == "long_job");
        Assert.Equal(202, job.Status);
        Assert.Equal("callback", LoomHostClient.Task(run, "long_job")["output"]!["via"]!.GetValue<string>());
        Assert.Equal("callback", JsonNode.Parse(Calls(runId).Single(c => c.TaskId == "report").Body)!["result"]!["via"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConditionalWaitSample_ProdWaitsThenDeploys_DevSkipsDeployWithTheCondition()
    {
        await H.RegisterAsync(SampleYaml("conditional-wait"));

        var prodId = await H.TriggerAsync(W("conditional-wait"));
        var devId = await H.TriggerAsync(W("conditional-wait"), new JsonObject { ["env"] = "dev" });
        var prod = await H.WaitForRunAsync(prodId);
        var dev = await H.WaitForRunAsync(devId);

        Assert.Equal("succeeded", Status(prod));
        Assert.Equal(["fetch_data", "deploy", "report"], Calls(prodId).Select(c => c.TaskId));
        var coolDown = LoomHostClient.Task(prod, "cool_down");
        Assert.Equal(("succeeded", "wait"), (Status(coolDown), coolDown["type"]!.GetValue<string>()));
        var waited = DateTimeOffset.Parse(coolDown["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(coolDown["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        // Never early (Durable's AzureStorage backend may deliver a timer up to 1 s early; the loop waits again for the rest).
        Assert.InRange(waited, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.Equal("skipped", TaskStatus(prod, "notify_dev"));
        Assert.Equal("condition false: params.env != 'prod'", LoomHostClient.Task(prod, "notify_dev")["reason"]!.GetValue<string>());

        Assert.Equal("succeeded", Status(dev));
        Assert.Equal("skipped", TaskStatus(dev, "deploy"));
        Assert.StartsWith("condition false: params.env == 'prod'", LoomHostClient.Task(dev, "deploy")["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["fetch_data", "notify_dev", "report"], Calls(devId).Select(c => c.TaskId));
    }

    [Fact]
    public async Task Wait_UntilAnInstantFromParams_EndsNotBeforeIt()
    {
        await H.RegisterAsync($$$"""
            id: {{{W("wait-until")}}}
            params: { at: "2000-01-01T00:00:00Z" }
            tasks:
              - id: hold
                type: wait
                until: "${{ params.at }}"
              - id: after
                url: {{{B}}}/api/tasks/after
                dependsOn: [hold]
            """);
        var at = DateTimeOffset.UtcNow.AddSeconds(2);
        var runId = await H.TriggerAsync(W("wait-until"), new JsonObject { ["at"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });
        var run = await H.WaitForRunAsync(runId);

        Assert.Equal("succeeded", Status(run));
        var after = Assert.Single(Calls(runId));
        Assert.Equal("after", after.TaskId);
        var finished = DateTimeOffset.Parse(LoomHostClient.Task(run, "hold")["finishedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(finished >= at, $"the wait ended at {finished:O}, before {at:O}");
    }

    [Fact]
    public async Task Wait_CancelledDuringALongWait_EndsAtOnce()
    {
        await H.RegisterAsync($"""
            id: {W("wait-cancel")}
            tasks:
              - id: hold
                type: wait
                duration: 1h
              - id: after
                url: {B}/api/tasks/after
                dependsOn: [hold]
            """);
        var runId = await H.TriggerAsync(W("wait-cancel"));
        // On the Function App the live status shows the task waiting before the save that stores its reason lands.
        var waiting = await H.WaitForRunAsync(runId, until: r => TaskStatus(r, "hold") == "waiting" && LoomHostClient.Task(r, "hold")["reason"] is not null);
        Assert.StartsWith("waiting until ", LoomHostClient.Task(waiting, "hold")["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        var cancel = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "test" });
        var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(("cancelled", "cancelled"), (Status(run), TaskStatus(run, "hold")));
        Assert.Empty(Calls(runId));
    }

    [Fact]
    public async Task Redrive_FailedRun_ResumesInPlaceKeepsSucceededTasksAndAcknowledgesItsDeadLetter()
    {
        var key = Guid.NewGuid().ToString("N");
        var workflowId = W("redrive");
        await H.RegisterAsync($$$"""
            id: {{{workflowId}}}
            tasks:
              - id: ok
                url: {{{B}}}/api/tasks/ok
              - id: fails
                url: {{{B}}}/api/tasks/fails?failCalls=1&failStatus=400&key={{{key}}}
                dependsOn: [ok]
              - id: after
                url: {{{B}}}/api/tasks/after
                body:
                  upstream: ${{ tasks.ok.output.task }}
                dependsOn: [fails]
            """);
        var runId = await H.TriggerAsync(workflowId);
        Assert.Equal("failed", Status(await H.WaitForRunAsync(runId)));
        var run = Uri.EscapeDataString(runId);
        var letter = (await WaitForDeadLettersAsync(workflowId, 1))[0]!.AsObject();
        Assert.Equal(("task", "fails", 1, runId), (letter["kind"]!.GetValue<string>(), letter["taskId"]!.GetValue<string>(), letter["attempt"]!.GetValue<int>(), letter["runId"]!.GetValue<string>()));
        var shown = await H.Client.GetFromJsonAsync<JsonObject>($"/api/deadletters/{Uri.EscapeDataString(letter["id"]!.GetValue<string>())}");
        Assert.Equal(letter["id"]!.GetValue<string>(), shown!["id"]!.GetValue<string>());

        using var operatorClient = H.NewClient(LoomTestServer.OperatorKey);
        var unknown = await operatorClient.PostAsJsonAsync($"/api/runs/{run}/redrive", new { tasks = new[] { "nope" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("'nope'", (await unknown.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.PostAsJsonAsync("/api/runs/no-such-run/redrive", new { })).StatusCode);

        var response = await operatorClient.PostAsJsonAsync($"/api/runs/{run}/redrive", new { });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        var accepted = JsonNode.Parse(body)!;
        Assert.Equal(["fails", "after"], accepted["tasks"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(LoomTestServer.OperatorKeyName, accepted["requestedBy"]!.GetValue<string>());
        Assert.Equal(1, accepted["acknowledgedDeadLetters"]!.GetValue<int>());

        var redriven = await H.WaitForRunAsync(runId, until: r => Status(r) == "succeeded");
        Assert.Equal(["ok", "fails", "fails", "after"], Calls(runId).Select(c => c.TaskId));
        Assert.Equal([1, 2], (await AttemptsAsync(runId, "fails")).Select(a => a!["attempt"]!.GetValue<int>()));
        Assert.Equal(1, LoomHostClient.Task(redriven, "ok")["attempt"]!.GetValue<int>());
        Assert.Equal("ok", JsonNode.Parse(Calls(runId).Single(c => c.TaskId == "after").Body)!["upstream"]!.GetValue<string>());
        var events = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{run}/events"))!["items"]!.AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "RunRedriven"
            && e.ToJsonString().Contains($"redriven by {LoomTestServer.OperatorKeyName}", StringComparison.Ordinal));
        Assert.Empty(await WaitForDeadLettersAsync(workflowId, 0));
        var acknowledged = await H.Client.GetFromJsonAsync<JsonObject>($"/api/deadletters/{Uri.EscapeDataString(letter["id"]!.GetValue<string>())}");
        Assert.Equal($"{LoomTestServer.OperatorKeyName} (redrive)", acknowledged!["acknowledgedBy"]!.GetValue<string>());

        var again = await operatorClient.PostAsJsonAsync($"/api/runs/{run}/redrive", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("succeeded", (await again.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var audit = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}/audit"))!["items"]!.AsArray();
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "redrive" && e["by"]!.GetValue<string>() == LoomTestServer.OperatorKeyName && e["runId"]!.GetValue<string>() == runId);
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "trigger" && e["runId"]!.GetValue<string>() == runId);
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "register");
    }

    [Fact]
    public async Task DeadLetter_TaskFailedForGood_ListedOnceThenAcknowledgedByName()
    {
        var workflowId = W("dead-letter");
        await H.RegisterAsync($"""
            id: {workflowId}
            tasks:
              - id: first
                url: {B}/api/tasks/first?status=400
            """);
        var runId = await H.TriggerAsync(workflowId);
        Assert.Equal("failed", Status(await H.WaitForRunAsync(runId)));
        var letters = await WaitForDeadLettersAsync(workflowId, 1);
        var id = letters[0]!["id"]!.GetValue<string>();
        Assert.Contains("400", letters[0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        using var reader = H.NewClient(LoomTestServer.ReaderKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"/api/deadletters/{Uri.EscapeDataString(id)}")).StatusCode);
        Assert.Contains(
            (await reader.GetFromJsonAsync<JsonObject>("/api/deadletters?limit=1000"))!["items"]!.AsArray(), d => d!["id"]!.GetValue<string>() == id);

        using var operatorClient = H.NewClient(LoomTestServer.OperatorKey);
        var ack = await operatorClient.DeleteAsync($"/api/deadletters/{Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal(LoomTestServer.OperatorKeyName, (await ack.Content.ReadFromJsonAsync<JsonObject>())!["acknowledgedBy"]!.GetValue<string>());
        Assert.Empty(await WaitForDeadLettersAsync(workflowId, 0));
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.DeleteAsync("/api/deadletters/nope")).StatusCode);
        var audit = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}/audit"))!["items"]!.AsArray();
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "ack" && e["by"]!.GetValue<string>() == LoomTestServer.OperatorKeyName);
    }

    /// <summary>The open dead letters of a workflow once there are <paramref name="count"/> (they are written right after the run's state).</summary>
    private async Task<JsonArray> WaitForDeadLettersAsync(string workflowId, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonArray items;
        do
        {
            items = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/deadletters?workflowId={workflowId}"))!["items"]!.AsArray();
            if (items.Count == count) return items;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{workflowId} has {items.Count} dead letter(s), not {count}: {items.ToJsonString()}");
        return items;
    }

    [Fact]
    public async Task OpenApi_EveryDocumentedRouteAnswers()
    {
        var document = JsonNode.Parse(await H.Client.GetStringAsync("/api/openapi.json"))!;
        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, _) in operations!.AsObject())
            {
                var url = path.Replace("{workflowId}", "none", StringComparison.Ordinal).Replace("{runId}", "none", StringComparison.Ordinal)
                    .Replace("{taskId}", "none", StringComparison.Ordinal).Replace("{version}", "1", StringComparison.Ordinal)
                    .Replace("{token}", "none", StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
                if (method is "post" or "put") request.Content = JsonContent.Create(new { });
                using var response = await H.Client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                // A route that exists answers with Loom's own problem details (or success); an unrouted one gets the host's bare 404/405.
                Assert.True(response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed) || body.Contains("\"title\"", StringComparison.Ordinal),
                    $"{method.ToUpperInvariant()} {path} is documented but not routed: {(int)response.StatusCode}");
                Assert.True((int)response.StatusCode < 500, $"{method.ToUpperInvariant()} {path}: {(int)response.StatusCode} {body}");
            }
        }
    }

    /// <summary>Name of the host secret the notification scenarios sign with (read from the environment, as a host reads <c>LOOM_SECRET_NAME</c>).</summary>
    private const string NotifySecretName = "NOTIFY_SCENARIO_KEY";

    private const string NotifySecret = "notify-scenario-signing-secret";

    /// <summary>The run's event log, once it holds an entry of <paramref name="type"/> (the Function App records a notification with the save after it).</summary>
    private async Task<JsonArray> WaitForEventAsync(string runId, string type)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        JsonArray items;
        do
        {
            items = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray();
            if (items.Any(e => e!["type"]!.GetValue<string>() == type)) return items;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"run {runId} has no {type} event: {items.ToJsonString()}");
        return items;
    }

    [Fact]
    public async Task Notify_FailingRun_OnFailureSignedAndSentExactlyOnce_AfterA503()
    {
        Environment.SetEnvironmentVariable("LOOM_SECRET_" + NotifySecretName, NotifySecret);
        await using var receiver = await NotificationReceiver.StartAsync();
        var failHook = receiver.Url("failure", 503);
        var okHook = receiver.Url("success");
        var workflowId = W("notify-failure");
        await H.RegisterAsync($"""
            id: {workflowId}
            signingSecret: {NotifySecretName}
            notify:
              onFailure: [{failHook}]
              onSuccess: [{okHook}]
            tasks:
              - id: first
                url: {B}/api/tasks/first?status=400
            """);
        var runId = await H.TriggerAsync(workflowId);
        Assert.Equal("failed", Status(await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(90))));

        var events = await WaitForEventAsync(runId, "NotificationSent");
        var received = receiver.For("failure");
        Assert.Equal([503, 200], received.Select(r => r.Status));
        Assert.Empty(receiver.For("success"));
        foreach (var request in received)
        {
            Assert.Equal($"{runId}:failure", request.Headers["X-Loom-Notification-Id"]);
            Assert.Equal($"{runId}:failure", request.Headers["Idempotency-Key"]);
            Assert.Equal("failure", request.Headers["X-Loom-Event"]);
            var expected = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(NotifySecret), request.Body));
            Assert.Equal(expected, request.Headers["X-Loom-Signature"]);
        }

        var body = JsonNode.Parse(received[1].Body)!;
        Assert.Equal((runId, workflowId, "failure", "failed"), (body["runId"]!.GetValue<string>(), body["workflowId"]!.GetValue<string>(), body["outcome"]!.GetValue<string>(), body["status"]!.GetValue<string>()));
        Assert.Equal("first", body["failedTasks"]![0]!["taskId"]!.GetValue<string>());
        Assert.StartsWith($"Loom: run {runId} of workflow {workflowId} failed: task first failed: HTTP 400", body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith($"/#/runs/{Uri.EscapeDataString(runId)}", body["dashboardUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        var sent = Assert.Single(events, e => e!["type"]!.GetValue<string>() == "NotificationSent")!;
        Assert.Contains($"onFailure notification sent to {receiver.BaseUrl}: HTTP 200", sent.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e!["type"]!.GetValue<string>() == "NotificationFailed");
        // Recorded: nothing is owed any more, so nothing is sent again.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(2, receiver.For("failure").Count);
    }

    [Fact]
    public async Task Sla_RunStillGoing_SlaMissedAndNotifiedWhileItRuns()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var hook = receiver.Url("sla");
        var workflowId = W("notify-sla");
        await H.RegisterAsync($"""
            id: {workflowId}
            sla: 1s
            notify:
              onSlaMiss: {hook}
            tasks:
              - id: never
                url: {B}/api/tasks/never?mode=callback&callbackDelayMs=-1
                completion: callback
                callbackTimeout: 1h
            """);
        var runId = await H.TriggerAsync(workflowId);

        var received = await receiver.WaitForDeliveryAsync("sla", TimeSpan.FromSeconds(90));
        // The callback never comes: the run is still going when its sla miss is told.
        Assert.Equal("running", Status(await H.GetRunAsync(runId)));
        var request = Assert.Single(received);
        Assert.Equal($"{runId}:slaMiss", request.Headers["X-Loom-Notification-Id"]);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal(("slaMiss", "running", "1s"), (body["outcome"]!.GetValue<string>(), body["status"]!.GetValue<string>(), body["sla"]!.GetValue<string>()));
        Assert.Null(body["finishedAt"]);
        var started = DateTimeOffset.Parse(body["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(request.At - started >= TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(20), $"told {(request.At - started).TotalMilliseconds} ms after the start, before the 1 s sla");

        var cancel = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "enough" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", Status(await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(90))));
        var events = await WaitForEventAsync(runId, "NotificationSent");
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "SlaMissed" && e.ToJsonString().Contains("still running after its sla of 1s", StringComparison.Ordinal));
        Assert.Single(receiver.For("sla"));
    }

    [Fact]
    public async Task Notify_UrlTheSsrfGuardAlwaysRefuses_RefusedAtRegistrationWithItsPosition()
    {
        using var content = new StringContent($"""
            id: {W("notify-ssrf")}
            tasks:
              - id: a
                url: {B}/api/tasks/a
            notify:
              onFailure: [http://169.254.169.254/latest/meta-data]
            """, System.Text.Encoding.UTF8, "application/yaml");
        var response = await H.Client.PostAsync("/api/workflows", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray())!;
        Assert.Equal((6, 15), (error["line"]!.GetValue<int>(), error["column"]!.GetValue<int>()));
        Assert.Contains("SSRF guard", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await H.Client.GetAsync($"/api/workflows/{W("notify-ssrf")}")).StatusCode);
    }

    [Fact]
    public async Task Trace_EveryCallCarriesItsAttemptSpan_AcrossRetriesCallbacksAndGenerations()
    {
        SpanCollector.Start();
        // Function App hosts run with ContinueAsNewAfter = 4: the retry, the callback and the last task fall in later generations.
        var (runId, run) = await RegisterAndRunAsync($"""
            id: {W("traced")}
            tasks:
              - id: first
                url: {B}/api/tasks/first
              - id: flaky
                url: {B}/api/tasks/flaky?failTimes=1
                dependsOn: [first]
                retry:
                  maxAttempts: 3
                  backoff: fixed
                  delay: 200ms
                  jitter: 0
              - id: cb
                url: {B}/api/tasks/cb?mode=callback&callbackDelayMs=300
                completion: callback
                callbackTimeout: 30s
                dependsOn: [flaky]
              - id: last
                url: {B}/api/tasks/last
                dependsOn: [cb]
            """);
        Assert.Equal("succeeded", Status(run));

        var traceId = run["traceId"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var calls = Calls(runId);
        Assert.Equal(["first", "flaky", "flaky", "cb", "last"], calls.Select(c => c.TaskId));
        var spans = await SpanCollector.WaitForAsync(traceId, s => s.Any(a => a.DisplayName.StartsWith("run ", StringComparison.Ordinal)));
        var runSpan = Assert.Single(spans, a => a.DisplayName == $"run {W("traced")}");
        Assert.Equal(default, runSpan.ParentSpanId);
        foreach (var call in calls)
        {
            // traceparent: 00-<trace id>-<parent span id>-<flags>; the parent is the attempt's span, a child of its task's span.
            var parts = call.TraceParent!.Split('-');
            Assert.Equal(("00", traceId, "01"), (parts[0], parts[1], parts[3]));
            var attempt = Assert.Single(spans, a => a.SpanId.ToHexString() == parts[2]);
            Assert.Equal($"attempt {call.TaskId}", attempt.DisplayName);
            Assert.Equal(call.Attempt, attempt.GetTagItem("loom.attempt"));
            var task = Assert.Single(spans, a => a.DisplayName == $"task {call.TaskId}");
            Assert.Equal(task.SpanId, attempt.ParentSpanId);
            Assert.Equal(runSpan.SpanId, task.ParentSpanId);
            Assert.True(task.StartTimeUtc <= attempt.StartTimeUtc && attempt.StartTimeUtc + attempt.Duration <= task.StartTimeUtc + task.Duration + TimeSpan.FromMilliseconds(5),
                $"attempt {call.TaskId}#{call.Attempt} lies outside its task's span");
        }
        Assert.Equal(4, spans.Count(a => a.DisplayName.StartsWith("task ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CircuitBreaker_BackendDownTenSeconds_OnlyProbesReachItWhileOpenAndEveryRunSucceeds()
    {
        const int Runs = 4;
        const int Failures = 3;
        var openFor = TimeSpan.FromSeconds(3);
        await using var stub = await OutageBackend.StartAsync();
        stub.Down = true;
        var downSince = DateTime.UtcNow;
        await H.RegisterAsync($"""
            id: {W("circuit")}
            defaults:
              circuitBreaker:
                failures: {Failures}
                window: 1m
                openFor: 3s
            tasks:
              - id: call
                url: {stub.BaseUrl}/api/call
                retry:
                  maxAttempts: 20
                  backoff: fixed
                  delay: 200ms
                  jitter: 0
            """);
        var runIds = new List<string>();
        for (var i = 0; i < Runs; i++) runIds.Add(await H.TriggerAsync(W("circuit")));

        // Down for at least 10 s, and long enough to see the circuit open (a slow machine may take longer to get there).
        var origin = $"http://127.0.0.1:{new Uri(stub.BaseUrl).Port}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow - downSince < TimeSpan.FromSeconds(10) || await CircuitAsync(origin) is not { } seen || seen["state"]!.GetValue<string>() == "closed")
        {
            Assert.True(DateTime.UtcNow < deadline, $"the circuit for {origin} did not open: {(await H.Client.GetStringAsync("/api/circuits"))}");
            await Task.Delay(100);
        }
        stub.Down = false;
        var downFor = DateTime.UtcNow - downSince;

        var events = new List<JsonNode>();
        foreach (var runId in runIds)
        {
            var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));
            Assert.Equal("succeeded", Status(run));
            events.AddRange((await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray().Select(e => e!));
        }

        int Count(string type) => events.Count(e => e["type"]!.GetValue<string>() == type);
        var opened = Count("CircuitOpened");
        // While down: the calls that opened the circuit, the calls of other runs already admitted when it opened (one per run
        // at most), and one probe per re-opening. Every failed probe re-opens it, so the re-openings count the probes.
        Assert.True(opened >= 1, "no run logged CircuitOpened");
        Assert.True(stub.CallsWhileDown <= Failures + (Runs - 1) + (opened - 1),
            $"{stub.CallsWhileDown} calls while down for {downFor.TotalSeconds:F1} s, {opened} openings");
        // Probes come no faster than one per openFor, however slow the machine.
        Assert.True(opened - 1 <= (int)(downFor / openFor) + 1, $"{opened} openings in {downFor.TotalSeconds:F1} s with openFor 3s");
        Assert.Equal(1, Count("CircuitClosed"));
        var closed = await CircuitAsync(origin);
        Assert.Equal(("closed", 0), (closed!["state"]!.GetValue<string>(), closed["failuresInWindow"]!.GetValue<int>()));
    }

    [Fact]
    public async Task CircuitBreaker_OpenCircuit_NextAttemptHeldNotSentNotCountedAndInTheHistory()
    {
        await using var stub = await OutageBackend.StartAsync();
        stub.Down = true;
        await H.RegisterAsync($"""
            id: {W("circuit-held")}
            tasks:
              - id: call
                url: {stub.BaseUrl}/api/call
                retry:
                  maxAttempts: 1
                circuitBreaker:
                  failures: 1
                  window: 1h
                  openFor: 1h
            """);
        var opener = await H.TriggerAsync(W("circuit-held"));
        Assert.Equal("failed", Status(await H.WaitForRunAsync(opener, TimeSpan.FromSeconds(120))));

        // The circuit is open for an hour: the next run's attempt is held. With maxAttempts 1 only a hold can make the task
        // retrying (a failure would fail it), and the hold spends no attempt.
        var runId = await H.TriggerAsync(W("circuit-held"));
        var held = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120), r => TaskStatus(r, "call") != "pending" && TaskStatus(r, "call") != "running");
        Assert.Equal(("running", "retrying"), (Status(held), TaskStatus(held, "call")));
        using (var cancel = await H.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new JsonObject()))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }
        Assert.Equal("cancelled", Status(await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120))));

        Assert.Equal(1, stub.CallsWhileDown);
        var openerEvents = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(opener)}/events"))!["items"]!.AsArray();
        Assert.Contains(openerEvents, e => e!["type"]!.GetValue<string>() == "CircuitOpened");
        var events = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray();
        Assert.Contains(events, e => e!["type"]!.GetValue<string>() == "TaskHeld");
        var attempts = await AttemptsAsync(runId, "call");
        Assert.Equal("held", attempts[0]!["outcome"]!.GetValue<string>());
    }

    /// <summary>The circuit of <paramref name="origin"/> as <c>GET /api/circuits</c> lists it; null when it is not listed.</summary>
    private async Task<JsonObject?> CircuitAsync(string origin) =>
        (await H.Client.GetFromJsonAsync<JsonObject>("/api/circuits"))!["items"]!.AsArray()
            .Select(c => (JsonObject)c!).FirstOrDefault(c => c["origin"]!.GetValue<string>() == origin);

    [Fact]
    public async Task Stats_AfterKnownRuns_CountEachRunOnceWithItsStatusRetriesAndDurations()
    {
        await H.RegisterAsync($$$"""
            id: {{{W("stats")}}}
            params:
              failTimes: "0"
              failStatus: "503"
            tasks:
              - id: work
                url: {{{B}}}/api/tasks/work?delayMs=200&failTimes=${{ params.failTimes }}&failStatus=${{ params.failStatus }}
                retry:
                  maxAttempts: 3
                  backoff: fixed
                  delay: 100ms
                  jitter: 0
              - id: after
                url: {{{B}}}/api/tasks/after
                dependsOn: [work]
            """);
        JsonObject Fail(string times, string status) => new() { ["failTimes"] = times, ["failStatus"] = status };
        var plan = new (JsonObject? Params, string Expected)[]
        {
            (null, "succeeded"), (null, "succeeded"), (null, "succeeded"),
            (Fail("1", "503"), "succeeded"), // retried once, then succeeds
            (Fail("1", "400"), "failed"), (Fail("1", "400"), "failed"), // a 400 is not retried
        };
        var runIds = new List<string>();
        foreach (var (parameters, _) in plan) runIds.Add(await H.TriggerAsync(W("stats"), parameters));
        for (var i = 0; i < plan.Length; i++) Assert.Equal(plan[i].Expected, Status(await H.WaitForRunAsync(runIds[i], TimeSpan.FromSeconds(120))));

        // The count lands with each run's final write; poll until every run is in (a run counted twice would overshoot).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        JsonObject stats;
        do
        {
            stats = (await H.Client.GetFromJsonAsync<JsonObject>($"/api/workflows/{W("stats")}/stats?top=10"))!;
            if (stats["runs"]!.GetValue<long>() >= plan.Length) break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(6, stats["runs"]!.GetValue<long>());
        Assert.Equal((4L, 2L, 0L), (stats["succeeded"]!.GetValue<long>(), stats["failed"]!.GetValue<long>(), stats["cancelled"]!.GetValue<long>()));
        Assert.Equal(4.0 / 6, stats["successRate"]!.GetValue<double>(), 6);
        Assert.Equal((1L, 1L), (stats["retries"]!.GetValue<long>(), stats["retriedRuns"]!.GetValue<long>()));
        var p50 = stats["durationP50Ms"]!.GetValue<double>();
        var p95 = stats["durationP95Ms"]!.GetValue<double>();
        Assert.InRange(p50, 180, 120_000); // every run waits at least the 200 ms delay
        Assert.InRange(p95, p50, 120_000);
        // Which of the two is slower is the machine's call under load; the figures of each are not.
        var tasks = stats["slowestTasks"]!.AsArray().ToDictionary(t => t!["taskId"]!.GetValue<string>(), t => t!);
        Assert.Equal(["after", "work"], tasks.Keys.Order(StringComparer.Ordinal));
        var work = tasks["work"];
        Assert.Equal((6L, 2L, 1L), (work["runs"]!.GetValue<long>(), work["failed"]!.GetValue<long>(), work["retries"]!.GetValue<long>()));
        Assert.InRange(work["p95Ms"]!.GetValue<double>(), 180, 120_000);
        Assert.Equal((4L, 0L), (tasks["after"]["runs"]!.GetValue<long>(), tasks["after"]["failed"]!.GetValue<long>()));

        using var bad = await H.Client.GetAsync($"/api/workflows/{W("stats")}/stats?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await H.Client.GetAsync("/api/workflows/no-such-workflow/stats");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ForEach_ListFromUpstream_FansOutWithinMaxParallel_RetriesOneInstance_DownstreamGetsTheArray()
    {
        // Item 1 is the number of 503s its instance gets first: one instance retries, the others succeed at once.
        await H.RegisterAsync($$$"""
            id: {{{W("fan-out")}}}
            tasks:
              - id: list
                url: {{{B}}}/api/tasks/list?list=0,1,0,0,0
              - id: each
                url: "{{{B}}}/api/tasks/each?delayMs=300&failTimes=${{ item }}"
                forEach: ${{ tasks.list.output.items }}
                maxParallel: 2
                timeout: 2m
                retry: { maxAttempts: 3, backoff: fixed, delay: 100ms, jitter: 0 }
                dependsOn: [list]
              - id: after
                url: {{{B}}}/api/tasks/after
                dependsOn: [each]
            """);
        var runId = await H.TriggerAsync(W("fan-out"));
        var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));

        Assert.Equal("succeeded", Status(run));
        var calls = Calls(runId);
        var each = calls.Where(c => c.Task == "each").ToList();
        Assert.Equal(["each[0]", "each[1]", "each[1]", "each[2]", "each[3]", "each[4]"], each.Select(c => c.TaskId).Order(StringComparer.Ordinal));
        Assert.All(each, c => Assert.Equal($"{runId}:{c.TaskId}", c.IdempotencyKey));
        Assert.All(each, c => Assert.InRange(c.InFlight, 1, 2));
        Assert.Equal([503, 200], each.Where(c => c.TaskId == "each[1]").Select(c => c.Status));
        var envelope = JsonNode.Parse(each.First(c => c.TaskId == "each[4]").Body)!;
        Assert.Equal((0, 4), (envelope["item"]!.GetValue<int>(), envelope["index"]!.GetValue<int>()));

        // Downstream sees the instances' outputs as one array in item order.
        var inputs = JsonNode.Parse(calls.Single(c => c.Task == "after").Body)!["inputs"]!["each"]!.AsArray();
        Assert.Equal([1, 2, 1, 1, 1], inputs.Select(o => o!["attempt"]!.GetValue<int>()));
        Assert.Equal([503, 200], (await AttemptsAsync(runId, "each%5B1%5D")).Select(a => a!["statusCode"]!.GetValue<int>()));
    }

    [Fact]
    public async Task ForEach_ListOverTheHostLimit_FailsTheTaskWithTheReason()
    {
        await H.RegisterAsync($$$"""
            id: {{{W("fan-over")}}}
            tasks:
              - id: list
                url: {{{B}}}/api/tasks/list?items=10001
              - id: each
                url: "{{{B}}}/api/tasks/each?i=${{ index }}"
                forEach: ${{ tasks.list.output.items }}
                dependsOn: [list]
            """);
        var runId = await H.TriggerAsync(W("fan-over"));
        var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));

        Assert.Equal("failed", Status(run));
        Assert.Equal("failed", TaskStatus(run, "each"));
        Assert.Contains("10,001 items, over the host limit of 10,000", LoomHostClient.Task(run, "each")["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(Calls(runId), c => c.Task == "each");
    }

    [Fact]
    public async Task ForEach_Instances_CountedUnderTheTask_AndPagedOneByOne()
    {
        // Item 1 is the number of 503s its instance gets first: that instance succeeds on its second attempt.
        await H.RegisterAsync($$$"""
            id: {{{W("fan-view")}}}
            tasks:
              - id: list
                url: {{{B}}}/api/tasks/list?list=0,1,0,0,0
              - id: each
                url: "{{{B}}}/api/tasks/each?delayMs=100&failTimes=${{ item }}"
                forEach: ${{ tasks.list.output.items }}
                maxParallel: 2
                timeout: 2m
                retry: { maxAttempts: 3, backoff: fixed, delay: 100ms, jitter: 0 }
                dependsOn: [list]
            """);
        var runId = await H.TriggerAsync(W("fan-view"));
        var run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120), r => LoomHostClient.Task(r, "each")["instances"] is JsonObject);

        // Whenever the list is resolved, the counts add up to its length (what each status holds depends on timing).
        var instances = LoomHostClient.Task(run, "each")["instances"]!;
        Assert.Equal((5, 2), (instances["total"]!.GetValue<int>(), instances["maxParallel"]!.GetValue<int>()));
        Assert.Equal(5, instances["counts"]!.AsObject().Sum(c => c.Value!.GetValue<int>()));
        Assert.Null(LoomHostClient.Task(run, "list")["instances"]);

        run = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));
        Assert.Equal("succeeded", Status(run));
        Assert.Equal("""{"succeeded":5}""", LoomHostClient.Task(run, "each")["instances"]!["counts"]!.ToJsonString());

        var path = $"/api/runs/{Uri.EscapeDataString(runId)}/tasks/each/instances";
        var all = (await H.Client.GetFromJsonAsync<JsonObject>(path))!;
        Assert.Equal((5, 0), (all["total"]!.GetValue<int>(), all["offset"]!.GetValue<int>()));
        var items = all["items"]!.AsArray();
        Assert.Equal(["each[0]", "each[1]", "each[2]", "each[3]", "each[4]"], items.Select(i => i!["id"]!.GetValue<string>()));
        Assert.All(items, i => Assert.Equal("succeeded", Status(i!.AsObject())));
        Assert.Equal([1, 2, 1, 1, 1], items.Select(i => i!["attempt"]!.GetValue<int>()));
        Assert.All(items, i => Assert.Equal(200, i!["statusCode"]!.GetValue<int>()));
        Assert.All(items, i => Assert.True(i!["finishedAt"]!.GetValue<DateTimeOffset>() >= i["startedAt"]!.GetValue<DateTimeOffset>()));

        var page = (await H.Client.GetFromJsonAsync<JsonObject>($"{path}?offset=1&limit=2"))!;
        Assert.Equal((5, 1), (page["total"]!.GetValue<int>(), page["offset"]!.GetValue<int>()));
        Assert.Equal(["each[1]", "each[2]"], page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Empty((await H.Client.GetFromJsonAsync<JsonObject>($"{path}?offset=5"))!["items"]!.AsArray());

        foreach (var (url, expected) in new[]
        {
            ($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/list/instances", HttpStatusCode.BadRequest),
            ($"{path}?limit=0", HttpStatusCode.BadRequest),
            ($"{path}?limit=1001", HttpStatusCode.BadRequest),
            ($"{path}?offset=-1", HttpStatusCode.BadRequest),
            ($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/nope/instances", HttpStatusCode.NotFound),
            ("/api/runs/no-such-run/tasks/each/instances", HttpStatusCode.NotFound),
        })
        {
            using var response = await H.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{url}: {(int)response.StatusCode} {body}");
            Assert.Contains("\"detail\"", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ForEach_Redrive_RunsOnlyTheFailedInstanceAgain_KeepsTheSucceededOnesOutputs()
    {
        // Item 1 is how many calls its instance fails with a 400 (not retried): the first run fails, the redrive's call succeeds.
        var key = Guid.NewGuid().ToString("N");
        await H.RegisterAsync($$$"""
            id: {{{W("fan-redrive")}}}
            tasks:
              - id: list
                url: {{{B}}}/api/tasks/list?list=0,1,0
              - id: each
                url: "{{{B}}}/api/tasks/each?failCalls=${{ item }}&failStatus=400&key={{{key}}}-${{ index }}"
                forEach: ${{ tasks.list.output.items }}
                maxParallel: 3
                dependsOn: [list]
              - id: after
                url: {{{B}}}/api/tasks/after
                dependsOn: [each]
            """);
        var runId = await H.TriggerAsync(W("fan-redrive"));
        var failed = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120));
        Assert.Equal("failed", Status(failed));
        Assert.Equal("""{"failed":1,"succeeded":2}""", LoomHostClient.Task(failed, "each")["instances"]!["counts"]!.ToJsonString());

        using var operatorClient = H.NewClient(LoomTestServer.OperatorKey);
        using var response = await operatorClient.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/redrive", new { });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var redriven = await H.WaitForRunAsync(runId, TimeSpan.FromSeconds(120), r => Status(r) == "succeeded");

        var each = Calls(runId).Where(c => c.Task == "each").ToList();
        Assert.Equal(["each[0]", "each[1]", "each[1]", "each[2]"], each.Select(c => c.TaskId).Order(StringComparer.Ordinal));
        Assert.Equal([400, 200], each.Where(c => c.TaskId == "each[1]").Select(c => c.Status));
        // The kept instances' outputs (from the first run) and the redriven one's reach downstream in item order.
        var inputs = JsonNode.Parse(Calls(runId).Single(c => c.Task == "after").Body)!["inputs"]!["each"]!.AsArray();
        Assert.Equal([1, 2, 1], inputs.Select(o => o!["attempt"]!.GetValue<int>()));
        Assert.Equal("""{"succeeded":3}""", LoomHostClient.Task(redriven, "each")["instances"]!["counts"]!.ToJsonString());
    }

    [Fact]
    public async Task Events_AfterAndLimit_FollowTheLogPageByPage_BadValuesAre400()
    {
        await H.RegisterAsync($"""
            id: {W("paged-events")}
            tasks:
              - id: one
                url: {B}/api/tasks/one
              - id: two
                url: {B}/api/tasks/two
                dependsOn: [one]
              - id: three
                url: {B}/api/tasks/three
                dependsOn: [two]
            """);
        var runId = await H.TriggerAsync(W("paged-events"));
        Assert.Equal("succeeded", Status(await H.WaitForRunAsync(runId, Patience)));
        var events = $"/api/runs/{Uri.EscapeDataString(runId)}/events";
        // The log is complete once its last event ends the run (a host may answer the run's status before its events are stored).
        var deadline = DateTime.UtcNow + Patience;
        JsonObject all;
        while ((all = (await H.Client.GetFromJsonAsync<JsonObject>(events))!)["items"]!.AsArray().LastOrDefault()?["type"]?.GetValue<string>() != "RunSucceeded")
        {
            Assert.True(DateTime.UtcNow < deadline, "the run's log never ended with RunSucceeded");
            await Task.Delay(100);
        }
        var sequences = all["items"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()).ToList();
        Assert.True(sequences.Count >= 8, $"only {sequences.Count} events");
        Assert.Null(all["next"]);

        // Following the log two events at a time: every event once, in order; next is null on the last page.
        var followed = new List<long>();
        long? after = null;
        for (var pages = 0; pages <= sequences.Count; pages++)
        {
            var page = (await H.Client.GetFromJsonAsync<JsonObject>(after is { } a ? $"{events}?after={a}&limit=2" : $"{events}?limit=2"))!;
            var items = page["items"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()).ToList();
            Assert.InRange(items.Count, 1, 2);
            followed.AddRange(items);
            if (page["next"] is null) break;
            Assert.Equal(items[^1], page["next"]!.GetValue<long>());
            after = items[^1];
        }
        Assert.Equal(sequences, followed);

        // after alone: everything after that sequence; after the last: nothing, and no next.
        var rest = (await H.Client.GetFromJsonAsync<JsonObject>($"{events}?after={sequences[2]}"))!;
        Assert.Equal(sequences.Skip(3), rest["items"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()));
        Assert.Null(rest["next"]);
        var none = (await H.Client.GetFromJsonAsync<JsonObject>($"{events}?after={sequences[^1]}&limit=5"))!;
        Assert.Empty(none["items"]!.AsArray());
        Assert.Null(none["next"]);

        foreach (var (query, name) in new[] { ("after=abc", "after"), ("after=-2", "after"), ("after=1.5", "after"), ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("after=0&limit=-1", "limit") })
        {
            using var response = await H.Client.GetAsync($"{events}?{query}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode} {body}");
            Assert.Contains(name + " must be", JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await H.Client.GetAsync($"/api/runs/{W("no-such-run")}/events?after=3&limit=2")).StatusCode);
    }

    [Fact]
    public async Task ForEach_RetryAsANewRun_CallsOnlyTheFailedInstanceAgain_KeepsTheSucceededOnesOutputs()
    {
        // Item 1 is how many calls its instance fails with a 400 (not retried): the first run fails, the retry's call succeeds.
        var key = Guid.NewGuid().ToString("N");
        await H.RegisterAsync($$$"""
            id: {{{W("fan-retry")}}}
            tasks:
              - id: list
                url: {{{B}}}/api/tasks/list?list=0,1,0,0
              - id: each
                url: "{{{B}}}/api/tasks/each?failCalls=${{ item }}&failStatus=400&key={{{key}}}-${{ index }}"
                forEach: ${{ tasks.list.output.items }}
                maxParallel: 4
                dependsOn: [list]
              - id: after
                url: {{{B}}}/api/tasks/after
                dependsOn: [each]
            """);
        var runId = await H.TriggerAsync(W("fan-retry"));
        var failed = await H.WaitForRunAsync(runId, Patience);
        Assert.Equal("failed", Status(failed));
        Assert.Equal("""{"failed":1,"succeeded":3}""", LoomHostClient.Task(failed, "each")["instances"]!["counts"]!.ToJsonString());

        using var operatorClient = H.NewClient(LoomTestServer.OperatorKey);
        using var response = await operatorClient.PostAsync($"/api/runs/{Uri.EscapeDataString(runId)}/retry", null);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var retryId = (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
        var retried = await H.WaitForRunAsync(retryId, Patience);
        Assert.Equal("succeeded", Status(retried));

        // Calls by item: the first run called every instance once; the retry called only item 1's, and neither the list task again.
        Assert.Equal(["each[0]", "each[1]", "each[2]", "each[3]"], Calls(runId).Where(c => c.Task == "each").Select(c => c.TaskId).Order(StringComparer.Ordinal));
        Assert.Equal(["each[1]", "after"], Calls(retryId).Select(c => c.TaskId));
        Assert.Equal(200, Calls(retryId).Single(c => c.TaskId == "each[1]").Status);
        // Every instance's output is in the task's output, in item order: the kept ones from the first run, item 1's from the retry.
        var each = LoomHostClient.Task(retried, "each");
        Assert.Equal("""{"succeeded":4}""", each["instances"]!["counts"]!.ToJsonString());
        var outputs = each["output"]!.AsArray();
        Assert.Equal(4, outputs.Count);
        Assert.All(outputs, o => Assert.Equal("each", o!["task"]!.GetValue<string>()));
        var inputs = JsonNode.Parse(Calls(retryId).Single(c => c.Task == "after").Body)!["inputs"]!["each"]!.AsArray();
        Assert.Equal(outputs.ToJsonString(), inputs.ToJsonString());
    }
}
