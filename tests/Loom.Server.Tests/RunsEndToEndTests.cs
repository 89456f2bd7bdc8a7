using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Testing;

namespace Loom.Server.Tests;

/// <summary>Runs end to end: a real server on Azurite calling the real sample backend over loopback.</summary>
[Collection("server")]
public sealed class RunsEndToEndTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;

    private string B => backend.BaseUrl;

    public async Task InitializeAsync() => _server = await LoomTestServer.StartAsync(azurite);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SeedDailyReport_Runs_BothTasksSucceedInOrder()
    {
        await _server.RegisterAsync($"""
            id: daily-report
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
            """);
        var runId = await _server.TriggerAsync("daily-report");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var calls = backend.Log.Items.Where(r => r.RunId == runId).ToList();
        Assert.Equal(["fetch-data", "process"], calls.Select(c => c.Task));
        Assert.All(calls, c => Assert.Equal($"{runId}:{c.TaskId}", c.IdempotencyKey));
        // The envelope carries the upstream output into the downstream call.
        var processBody = JsonNode.Parse(calls[1].Body)!;
        Assert.Equal(42, processBody["inputs"]!["fetch_data"]!["rows"]!.GetValue<int>());
    }

    [Fact]
    public async Task Diamond_FanOutFanIn_JoinRunsAfterAllBranches()
    {
        await _server.RegisterAsync($"""
            id: diamond
            tasks:
              - id: a
                url: {B}/api/tasks/a
              - id: b1
                url: {B}/api/tasks/b1?delayMs=100
                dependsOn: [a]
              - id: b2
                url: {B}/api/tasks/b2
                dependsOn: [a]
              - id: b3
                url: {B}/api/tasks/b3?delayMs=50
                dependsOn: [a]
              - id: c
                url: {B}/api/tasks/c
                dependsOn: [b1, b2, b3]
            """);
        var runId = await _server.TriggerAsync("diamond");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var calls = backend.Log.Items.Where(r => r.RunId == runId).ToList();
        Assert.Equal(5, calls.Count);
        Assert.Equal("a", calls[0].TaskId);
        Assert.Equal("c", calls[^1].TaskId);
        var c = JsonNode.Parse(calls[^1].Body)!["inputs"]!.AsObject();
        Assert.Equal(["b1", "b2", "b3"], c.Select(p => p.Key).Order());
    }

    [Fact]
    public async Task ServiceUnavailableTwice_Retries_SucceedsOnThirdAttempt()
    {
        await _server.RegisterAsync($"""
            id: flaky
            tasks:
              - id: flaky
                url: {B}/api/tasks/flaky?failTimes=2
                retry:
                  maxAttempts: 5
                  backoff: fixed
                  delay: 100ms
                  jitter: 0
            """);
        var runId = await _server.TriggerAsync("flaky");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal(3, LoomTestServer.Task(run, "flaky")["attempt"]!.GetValue<int>());
        var attempts = await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/flaky/attempts");
        Assert.Equal([503, 503, 200], attempts!["items"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()));
        var calls = backend.Log.Items.Where(r => r.RunId == runId).OrderBy(r => r.Sequence).ToList();
        Assert.True(calls[1].ArrivedAt - calls[0].ArrivedAt >= TimeSpan.FromMilliseconds(90), "backoff delay not honoured");
    }

    [Fact]
    public async Task Retry_SlowNextAttempt_IsOnRecordAsRunningWhileItRuns_AndSentOnce()
    {
        // A retry's attempt is sent before its start is committed, and that commit rides along with the next one; a flush
        // must still put the running attempt on record well before a slow call answers.
        await _server.RegisterAsync($"""
            id: slow-retry
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?failTimes=1&delayMs=2000
                retry:
                  maxAttempts: 3
                  backoff: fixed
                  delay: 100ms
                  jitter: 0
            """);
        var runId = await _server.TriggerAsync("slow-retry");

        var during = await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(20), r =>
            LoomTestServer.Task(r, "slow") is var t && t["attempt"]!.GetValue<int>() == 2 && t["status"]!.GetValue<string>() == "running");
        Assert.Equal("running", during["status"]!.GetValue<string>());
        Assert.DoesNotContain(backend.Log.Items, r => r.RunId == runId && r.Attempt == 2);

        var run = await _server.WaitForRunAsync(runId);
        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal([1, 2], backend.Log.Items.Where(r => r.RunId == runId).Select(r => r.Attempt).Order());
        var attempts = await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/slow/attempts");
        Assert.Equal([503, 200], attempts!["items"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()));
    }

    [Fact]
    public async Task BigOutputs_MoreThanARunRowHolds_RunFailsWithAClearReasonInsteadOfStalling()
    {
        var yaml = new System.Text.StringBuilder("id: big-outputs\ntasks:\n");
        for (var i = 1; i <= 24; i++)
        {
            yaml.Append($"  - id: t{i}\n    url: {B}/api/tasks/t{i}?bytes=60000\n");
            if (i > 1) yaml.Append($"    dependsOn: [t{i - 1}]\n");
        }
        await _server.RegisterAsync(yaml.ToString());
        var runId = await _server.TriggerAsync("big-outputs");
        var run = await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(30));

        // The run does not stall on a state too large to store: the task whose output does not fit fails, saying why.
        Assert.Equal("failed", run["status"]!.GetValue<string>());
        var failed = run["tasks"]!.AsArray().Select(t => t!.AsObject()).Single(t => t["status"]!.GetValue<string>() == "failed");
        Assert.Contains("return a reference", failed["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, failed["attempt"]!.GetValue<int>());
        Assert.True(run["tasks"]!.AsArray().Count(t => t!["status"]!.GetValue<string>() == "succeeded") >= 2);
    }

    [Fact]
    public async Task Retry_LongBackoff_TheFailureIsOnRecordWhileItWaits()
    {
        // A failure that leads to a retry is acted on before it is committed; a flush must still put it on record well
        // before the backoff ends.
        await _server.RegisterAsync($"""
            id: long-backoff
            tasks:
              - id: t
                url: {B}/api/tasks/t?failTimes=1
                retry:
                  maxAttempts: 2
                  backoff: fixed
                  delay: 4s
                  jitter: 0
            """);
        var runId = await _server.TriggerAsync("long-backoff");

        var waiting = await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(3), r =>
            LoomTestServer.Task(r, "t") is var t && t["status"]!.GetValue<string>() == "retrying");
        Assert.Equal(1, LoomTestServer.Task(waiting, "t")["attempt"]!.GetValue<int>());
        var attempts = await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/t/attempts");
        Assert.Equal([503], attempts!["items"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()));

        var run = await _server.WaitForRunAsync(runId);
        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal([1, 2], backend.Log.Items.Where(r => r.RunId == runId).Select(r => r.Attempt).Order());
    }

    [Fact]
    public async Task BadRequest_FailsWithoutRetry_RunFailsAndDownstreamSkipped()
    {
        await _server.RegisterAsync($"""
            id: bad-request
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
        var runId = await _server.TriggerAsync("bad-request");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Equal(1, LoomTestServer.Task(run, "first")["attempt"]!.GetValue<int>());
        Assert.Equal("failed", LoomTestServer.Task(run, "first")["status"]!.GetValue<string>());
        Assert.Equal("skipped", LoomTestServer.Task(run, "second")["status"]!.GetValue<string>());
        Assert.DoesNotContain(backend.Log.Items, r => r.RunId == runId && r.TaskId == "second");
    }

    [Fact]
    public async Task SlowBackend_AttemptTimeout_RetriedThenFailed()
    {
        await _server.RegisterAsync($"""
            id: slow
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=3000
                timeout: 200ms
                retry:
                  maxAttempts: 2
                  backoff: fixed
                  delay: 100ms
            """);
        var runId = await _server.TriggerAsync("slow");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        var task = LoomTestServer.Task(run, "slow");
        Assert.Equal(2, task["attempt"]!.GetValue<int>());
        var attempts = await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/slow/attempts");
        Assert.All(attempts!["items"]!.AsArray(), a => Assert.Equal("timeout", a!["outcome"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RetryAfter_Honoured_NextAttemptWaitsForIt()
    {
        await _server.RegisterAsync($"""
            id: retry-after
            tasks:
              - id: limited
                url: {B}/api/tasks/limited?failTimes=1&failStatus=429&retryAfter=1
                retry:
                  maxAttempts: 3
                  backoff: fixed
                  delay: 10ms
                  maxDelay: 5s
                  jitter: 0
            """);
        var runId = await _server.TriggerAsync("retry-after");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var calls = backend.Log.Items.Where(r => r.RunId == runId).OrderBy(r => r.Sequence).ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].ArrivedAt - calls[0].ArrivedAt >= TimeSpan.FromMilliseconds(950), $"Retry-After ignored: {calls[1].ArrivedAt - calls[0].ArrivedAt}");
    }

    [Fact]
    public async Task CallbackTask_BackendPostsResult_TaskSucceedsWithCallbackOutput()
    {
        await _server.RegisterAsync($"""
            id: callback
            tasks:
              - id: long
                url: {B}/api/tasks/long?mode=callback&callbackDelayMs=300
                completion: callback
                callbackTimeout: 30s
              - id: after
                url: {B}/api/tasks/after
                dependsOn: [long]
            """);
        var runId = await _server.TriggerAsync("callback");
        var waiting = await _server.WaitForRunAsync(runId, until: r => LoomTestServer.Task(r, "long")["status"]!.GetValue<string>() != "running");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal("callback", LoomTestServer.Task(run, "long")["output"]!["via"]!.GetValue<string>());
        Assert.Contains(LoomTestServer.Task(waiting, "long")["status"]!.GetValue<string>(), new[] { "waiting", "succeeded" });
    }

    [Fact]
    public async Task CallbackTask_CallbackArrivesBeforeThe202_StillCompletes()
    {
        await _server.RegisterAsync($"""
            id: callback-early
            tasks:
              - id: fast
                url: {B}/api/tasks/fast?mode=callback&callbackDelayMs=0&acceptDelayMs=500
                completion: callback
                callbackTimeout: 30s
            """);
        var runId = await _server.TriggerAsync("callback-early");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal("callback", LoomTestServer.Task(run, "fast")["output"]!["via"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallbackTask_NoCallback_TimesOutAndFails()
    {
        await _server.RegisterAsync($"""
            id: callback-timeout
            tasks:
              - id: never
                url: {B}/api/tasks/never?mode=callback&callbackDelayMs=-1
                completion: callback
                callbackTimeout: 1s
                retry:
                  maxAttempts: 1
            """);
        var runId = await _server.TriggerAsync("callback-timeout");
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal("failed", run["status"]!.GetValue<string>());
        Assert.Equal("failed", LoomTestServer.Task(run, "never")["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallbackUrl_UsedTwice_SecondIsRejected()
    {
        await _server.RegisterAsync($"""
            id: callback-once
            tasks:
              - id: wait
                url: {B}/api/tasks/wait?mode=callback&callbackDelayMs=-1
                completion: callback
                callbackTimeout: 30s
            """);
        var runId = await _server.TriggerAsync("callback-once");
        await _server.WaitForRunAsync(runId, until: r => LoomTestServer.Task(r, "wait")["status"]!.GetValue<string>() == "waiting");
        var body = JsonNode.Parse(backend.Log.Items.Single(r => r.RunId == runId).Body)!;
        var callbackUrl = body["callbackUrl"]!.GetValue<string>();
        using var anonymous = new HttpClient();

        var first = await anonymous.PostAsJsonAsync(callbackUrl, new { status = "SUCCESS", output = new { n = 1 } });
        var second = await anonymous.PostAsJsonAsync(callbackUrl, new { status = "SUCCESS", output = new { n = 2 } });
        var forged = await anonymous.PostAsJsonAsync(callbackUrl[..^4] + "AAAA", new { status = "SUCCESS" });
        var run = await _server.WaitForRunAsync(runId);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Equal(1, LoomTestServer.Task(run, "wait")["output"]!["n"]!.GetValue<int>());
    }

    [Fact]
    public async Task Cancel_MidRun_NothingLeftRunningAndDownstreamNeverCalled()
    {
        await _server.RegisterAsync($"""
            id: cancel-me
            tasks:
              - id: slow
                url: {B}/api/tasks/slow?delayMs=10000
                timeout: 30s
              - id: later
                url: {B}/api/tasks/later
                dependsOn: [slow]
            """);
        var runId = await _server.TriggerAsync("cancel-me");
        await _server.WaitForRunAsync(runId, until: r => LoomTestServer.Task(r, "slow")["status"]!.GetValue<string>() == "running");

        var cancel = await _server.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { reason = "test" });
        var run = await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal("cancelled", run["status"]!.GetValue<string>());
        Assert.All(run["tasks"]!.AsArray(), t => Assert.DoesNotContain(t!["status"]!.GetValue<string>(), new[] { "running", "waiting", "retrying", "pending" }));
        await Task.Delay(200);
        Assert.DoesNotContain(backend.Log.Items, r => r.RunId == runId && r.TaskId == "later");
        var again = await _server.Client.PostAsJsonAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task RetryFromFailed_ReRunsOnlyWhatFailed()
    {
        var key = Guid.NewGuid().ToString("N");
        await _server.RegisterAsync($$$"""
            id: partial
            params:
              failCalls: 1
            tasks:
              - id: ok
                url: {{{B}}}/api/tasks/ok
              - id: fails
                url: {{{B}}}/api/tasks/fails?failCalls=${{ params.failCalls }}&failStatus=400&key={{{key}}}
                dependsOn: [ok]
              - id: after
                url: {{{B}}}/api/tasks/after
                dependsOn: [fails]
            """);
        var runId = await _server.TriggerAsync("partial");
        var failed = await _server.WaitForRunAsync(runId);
        Assert.Equal("failed", failed["status"]!.GetValue<string>());

        var response = await _server.Client.PostAsync($"/api/runs/{Uri.EscapeDataString(runId)}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var retryId = (await response.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
        var retried = await _server.WaitForRunAsync(retryId);

        var calls = backend.Log.Items.Where(r => r.RunId == retryId).Select(r => r.TaskId).ToList();
        Assert.DoesNotContain("ok", calls);
        Assert.Contains("fails", calls);
        Assert.Contains("after", calls);
        Assert.Equal("succeeded", retried["status"]!.GetValue<string>());
        Assert.Equal("succeeded", LoomTestServer.Task(retried, "ok")["status"]!.GetValue<string>());
        Assert.Equal(runId, retried["retryOf"]!.GetValue<string>());
    }
}
