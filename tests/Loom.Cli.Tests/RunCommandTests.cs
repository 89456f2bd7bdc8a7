using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>loom run ... and loom logs against a real server on Azurite calling the sample backend.</summary>
[Collection("cli")]
public sealed partial class RunCommandTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;
    private Cli _cli = null!;

    private string B => backend.BaseUrl;

    public async Task InitializeAsync()
    {
        _server = await LoomTestServer.StartAsync(azurite);
        _cli = new Cli(_server.BaseUrl, LoomTestServer.AdminKey);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task RegisterAsync(string id, string url, int maxAttempts = 1, string extra = "") => _server.RegisterAsync($"""
        id: {id}
        tasks:
          - id: first
            url: {url}
            retry:
              maxAttempts: {maxAttempts}
              backoff: fixed
              delay: 100ms
              jitter: 0
          - id: second
            url: {B}/api/tasks/second
            dependsOn: [first]
        {extra}
        """);

    [Fact]
    public async Task Watch_SucceedingRun_Exit0AndOneLinePerChange()
    {
        await RegisterAsync("watch-ok", $"{B}/api/tasks/first?delayMs=1000");
        var runId = await _server.TriggerAsync("watch-ok");

        var result = await _cli.RunAsync("run", "watch", runId, "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        Assert.StartsWith($"run {runId} (watch-ok v1)", result.Out);
        Assert.Matches(@"first\s+running\s+attempt 1/1", result.Out);
        Assert.Matches(@"first\s+succeeded\s+attempt 1/1", result.Out);
        Assert.Matches(@"second\s+succeeded", result.Out);
        Assert.Contains($"run {runId} succeeded in", result.Out);
        // Only changes are printed: each (task, status) appears once.
        Assert.Single(StatusLine("first", "succeeded").Matches(result.Out));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TriggerWait_RetriedTask_ShowsThe503AndItsRetryAtTheirEventTimes(bool streams)
    {
        // MaxPerKey 0: every stream is refused (429), so the CLI polls the event log, as against the Function App.
        await using var server = streams ? null : await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Loom:Streams:MaxPerKey"] = "0" });
        var target = server ?? _server;
        var cli = new Cli(target.BaseUrl, LoomTestServer.AdminKey);
        await target.RegisterAsync($"""
            id: wait-retry
            tasks:
              - id: first
                url: {B}/api/tasks/first?failTimes=1&delayMs=100
                retry: {"{"} maxAttempts: 3, backoff: fixed, delay: 300ms, jitter: 0 {"}"}
              - id: second
                url: {B}/api/tasks/second
                dependsOn: [first]
            """);

        var result = await cli.RunAsync("workflow", "trigger", "wait-retry", "--wait", "--interval", "2s");

        Assert.True(result.Code == 0, result.ToString());
        var lines = result.Out.Split('\n');
        var retrying = Array.FindIndex(lines, l => Regex.IsMatch(l, @"first\s+retrying\s+attempt 1/3\s+HTTP 503.*attempt 2 in 300ms"));
        var second = Array.FindIndex(lines, l => Regex.IsMatch(l, @"first\s+running\s+attempt 2/3"));
        Assert.True(retrying > 0 && second > retrying, result.ToString());
        // The retry's offset is the event's: about the 100 ms call plus the 300 ms delay after the run started (timers may fire a little early).
        Assert.True(Offset(lines[second]) >= TimeSpan.FromMilliseconds(350), lines[second]);
        Assert.Matches(@"run\s+succeeded", result.Out);
    }

    [Fact]
    public async Task Watch_FinishedRun_ShowsItsHistoryWithTheRealOffsets()
    {
        await RegisterAsync("watch-done", $"{B}/api/tasks/first?delayMs=300");
        var runId = await _server.TriggerAsync("watch-done");
        await _server.WaitForRunAsync(runId);

        var result = await _cli.RunAsync("run", "watch", runId);

        Assert.True(result.Code == 0, result.ToString());
        var lines = result.Out.Split('\n');
        var started = Offset(lines.First(l => Regex.IsMatch(l, @"first\s+running")));
        var done = Offset(lines.First(l => Regex.IsMatch(l, @"first\s+succeeded")));
        // Offsets from the run's events: the task's 300 ms show between its lines (stamped when watched, both would be equal),
        // and its start is near the run's (a watch long after the run would stamp it late). The bound allows a loaded machine.
        Assert.True(done - started >= TimeSpan.FromMilliseconds(280), result.ToString());
        Assert.True(started < TimeSpan.FromSeconds(5), result.ToString());
    }

    private static TimeSpan Offset(string line)
    {
        var m = Regex.Match(line, @"^\s*\+(\d+(?:\.\d+)?)(ms|s)\b");
        Assert.True(m.Success, $"no offset in '{line}'");
        var value = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups[2].Value == "ms" ? TimeSpan.FromMilliseconds(value) : TimeSpan.FromSeconds(value);
    }

    [Fact]
    public async Task Watch_FailingRun_Exit1WithTheFailureAndSkippedDownstream()
    {
        await RegisterAsync("watch-fail", $"{B}/api/tasks/first?failTimes=2", maxAttempts: 2);
        var runId = await _server.TriggerAsync("watch-fail");

        var result = await _cli.RunAsync("run", "watch", runId, "--interval", "100ms");

        Assert.True(result.Code == 1, result.ToString());
        Assert.Matches(@"first\s+failed\s+attempt 2/2\s+HTTP 503", result.Out);
        Assert.Matches(@"second\s+skipped", result.Out);
        Assert.Contains($"run {runId} failed after", result.Out);
    }

    [Fact]
    public async Task Watch_OnATerminal_RedrawsTheTreeInPlace()
    {
        await RegisterAsync("watch-tty", $"{B}/api/tasks/first?delayMs=1000");
        var runId = await _server.TriggerAsync("watch-tty");

        var result = await new Cli(_server.BaseUrl, LoomTestServer.AdminKey) { Interactive = true }.RunAsync("run", "watch", runId, "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        // Each redraw moves up over the previous drawing (run line + header + 2 tasks) and clears it.
        Assert.Contains("\u001b[4F\u001b[J", result.Out);
        var lastDrawing = result.Out[(result.Out.LastIndexOf("\u001b[J", StringComparison.Ordinal) + 3)..];
        Assert.Matches(@"second.*succeeded", lastDrawing);
        Assert.Contains("\u001b[32m", lastDrawing);
        Assert.Contains($"run {runId} succeeded in", lastDrawing);
    }

    [Fact]
    public async Task RunList_FilteredByWorkflowAndStatus_ShowsOnlyMatchingRuns()
    {
        await RegisterAsync("list-ok", $"{B}/api/tasks/first");
        await RegisterAsync("list-bad", $"{B}/api/tasks/first?status=400");
        var ok = await _server.TriggerAsync("list-ok");
        var bad = await _server.TriggerAsync("list-bad");
        await _server.WaitForRunAsync(ok);
        await _server.WaitForRunAsync(bad);

        var byWorkflow = await _cli.RunAsync("run", "list", "--workflow", "list-ok", "-o", "json");
        var failed = await _cli.RunAsync("run", "list", "--status", "failed");
        var badStatus = await _cli.RunAsync("run", "list", "--status", "exploded");

        Assert.True(byWorkflow.Code == 0, byWorkflow.ToString());
        var items = JsonNode.Parse(byWorkflow.Out)!["items"]!.AsArray();
        Assert.Equal([ok], items.Select(i => i!["runId"]!.GetValue<string>()));
        Assert.Contains(bad, failed.Out);
        Assert.DoesNotContain(ok, failed.Out);
        Assert.Matches(@"RUN\s+WORKFLOW\s+STATUS", failed.Out);
        Assert.Equal(ExitCodes.Usage, badStatus.Code);
    }

    [Fact]
    public async Task Show_FinishedRun_TableAndJsonCarryEveryTask()
    {
        await RegisterAsync("shown", $"{B}/api/tasks/first");
        var runId = await _server.TriggerAsync("shown");
        await _server.WaitForRunAsync(runId);

        var table = await _cli.RunAsync("run", "show", runId);
        var json = await _cli.RunAsync("run", "show", runId, "-o", "json");

        Assert.True(table.Code == 0, table.ToString());
        Assert.Contains($"Run:       {runId}", table.Out);
        Assert.Contains("Status:    succeeded", table.Out);
        Assert.Matches(@"first\s+succeeded\s+1/1\s+200", table.Out);
        Assert.Matches(@"└ second\s+succeeded", table.Out);
        var run = JsonNode.Parse(json.Out)!;
        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal(["first", "second"], run["tasks"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Cancel_SlowRun_EndsCancelled()
    {
        await RegisterAsync("slow", $"{B}/api/tasks/first?delayMs=20000", extra: "");
        var runId = await _server.TriggerAsync("slow");
        await _server.WaitForRunAsync(runId, until: r => LoomTestServer.Task(r, "first")["status"]!.GetValue<string>() == "running");

        var result = await _cli.RunAsync("run", "cancel", runId, "--wait", "--interval", "100ms");
        var again = await _cli.RunAsync("run", "cancel", runId);

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains($"cancelling run {runId}", result.Out);
        Assert.Contains($"run {runId} cancelled", result.Out);
        Assert.Equal("cancelled", (await _server.GetRunAsync(runId))["status"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Rejected, again.Code);
        Assert.Contains($"Run '{runId}' already cancelled; there is nothing to cancel.", again.Err);
    }

    [Fact]
    public async Task Retry_FailedRun_NewRunRerunsTheFailedTaskAndSucceeds()
    {
        var key = "retry-" + Guid.NewGuid().ToString("N");
        await RegisterAsync("retried", $"{B}/api/tasks/first?failCalls=1&key={key}");
        var runId = await _server.TriggerAsync("retried");
        Assert.Equal("failed", (await _server.WaitForRunAsync(runId))["status"]!.GetValue<string>());

        var result = await _cli.RunAsync("run", "retry", runId, "--wait", "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        var newRun = Regex.Match(result.Out, $@"retrying run {Regex.Escape(runId)} as (\S+)").Groups[1].Value;
        Assert.NotEmpty(newRun);
        Assert.Contains($"run {newRun} succeeded", result.Out);
        Assert.Equal(runId, (await _server.GetRunAsync(newRun))["retryOf"]!.GetValue<string>());
    }

    [Fact]
    public async Task Logs_FlakyTask_ShowsThe503ThenThe200()
    {
        await RegisterAsync("flaky", $"{B}/api/tasks/first?failTimes=1", maxAttempts: 3);
        var runId = await _server.TriggerAsync("flaky");
        await _server.WaitForRunAsync(runId);

        var table = await _cli.RunAsync("logs", runId);
        var json = await _cli.RunAsync("logs", runId, "--task", "first", "-o", "json");

        Assert.True(table.Code == 0, table.ToString());
        var lines = table.Out.Split('\n');
        var first503 = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^first\s+1\s+503\s+\w+"));
        var then200 = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^first\s+2\s+200\s+succeeded"));
        Assert.True(first503 >= 0 && then200 > first503, table.ToString());
        // The delay is the gap the history shows between the attempts (timers fire within a few ms of the configured 100 ms).
        Assert.Matches(@"failed, retried in \d+ms", lines[first503]);
        Assert.True(JsonNode.Parse(json.Out)![0]!["items"]![0]!["retryDelayMs"]!.GetValue<double>() >= 50, json.Out);
        Assert.Matches(@"second\s+1\s+200\s+succeeded", table.Out);
        var answers = JsonNode.Parse(json.Out)!.AsArray();
        Assert.Equal([503, 200], answers.Single()!["items"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()));
    }

    [Fact]
    public async Task LogsFollow_RunningRun_PrintsAttemptsUntilTheRunEnds()
    {
        await RegisterAsync("followed", $"{B}/api/tasks/first?failTimes=1&delayMs=200", maxAttempts: 2);
        var runId = await _server.TriggerAsync("followed");

        var result = await _cli.RunAsync("logs", runId, "--follow", "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Matches(@"first\s+1\s+503", result.Out);
        Assert.Matches(@"first\s+2\s+200\s+succeeded", result.Out);
        Assert.Matches(@"second\s+1\s+200\s+succeeded", result.Out);
        Assert.EndsWith($"run {runId} succeeded", result.Out.TrimEnd());
        Assert.Single(Regex.Matches(result.Out, @"first\s+2\s+200"));
    }

    [Fact]
    public async Task LogsFollow_FollowsTheEventStream_NotThePollInterval()
    {
        await RegisterAsync("followed-stream", $"{B}/api/tasks/first?failTimes=1&delayMs=200", maxAttempts: 2);
        var runId = await _server.TriggerAsync("followed-stream");

        // A poll every minute would outlast the harness's 30 s limit: only the stream can bring the attempts in time.
        var result = await _cli.RunAsync("logs", runId, "--follow", "--interval", "1m");

        Assert.True(result.Code == 0, result.ToString());
        var lines = result.Out.Split('\n');
        var first503 = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^first\s+1\s+503\s+failed, retried in"));
        var then200 = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^first\s+2\s+200\s+succeeded"));
        Assert.True(first503 > 0 && then200 > first503, result.ToString());
        Assert.Matches(@"second\s+1\s+200\s+succeeded", result.Out);
        Assert.EndsWith($"run {runId} succeeded", result.Out.TrimEnd());
        Assert.Single(Regex.Matches(result.Out, @"first\s+2\s+200"));
    }

    [Fact]
    public async Task LogsFollow_HostAnswers501_PollsTheEventLog()
    {
        await using var proxy = await NoStreamProxy.StartAsync(_server.BaseUrl);
        await RegisterAsync("followed-501", $"{B}/api/tasks/first?failTimes=1&delayMs=200", maxAttempts: 2);
        var runId = await _server.TriggerAsync("followed-501");

        var result = await new Cli(proxy.BaseUrl, LoomTestServer.AdminKey).RunAsync("logs", runId, "--follow", "--interval", "100ms", "-o", "json");

        Assert.True(result.Code == 0, result.ToString());
        var attempts = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["first 1 503", "first 2 200", "second 1 200"], attempts
            .Select(a => $"{a["taskId"]} {a["attempt"]} {a["statusCode"]}").Order(StringComparer.Ordinal));
        Assert.Equal(1, proxy.Streams);
        Assert.True(proxy.EventReads >= 2, $"the event log was read {proxy.EventReads} time(s)");
        // Each poll asked only for the events after the last one read: together the polls brought each event once.
        var logged = JsonNode.Parse(await _server.Client.GetStringAsync($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray().Count;
        Assert.Equal(logged, proxy.EventsServed);
    }

    private static Regex StatusLine(string task, string status) => new($@"\s{task}\s+{status}\s");
}
