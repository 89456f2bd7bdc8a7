using System.Text.RegularExpressions;
using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>loom deadletters ... and loom run redrive against a real server on Azurite calling the sample backend.</summary>
[Collection("cli")]
public sealed class DeadLetterCommandTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;
    private Cli _cli = null!;

    public async Task InitializeAsync()
    {
        _server = await LoomTestServer.StartAsync(azurite);
        _cli = new Cli(_server.BaseUrl, LoomTestServer.OperatorKey);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> FailedRunAsync(string workflowId, string key)
    {
        await _server.RegisterAsync($"""
            id: {workflowId}
            tasks:
              - id: first
                url: {backend.BaseUrl}/api/tasks/first
              - id: flaky
                url: {backend.BaseUrl}/api/tasks/flaky?failCalls=1&failStatus=400&key={key}
                dependsOn: [first]
            """);
        var runId = await _server.TriggerAsync(workflowId);
        Assert.Equal("failed", (await _server.WaitForRunAsync(runId))["status"]!.GetValue<string>());
        return runId;
    }

    private async Task<string> DeadLetterIdAsync(string workflowId)
    {
        for (var i = 0; i < 100; i++)
        {
            var list = await _cli.RunAsync("deadletters", "list", "--workflow", workflowId, "-o", "json");
            var id = Regex.Match(list.Out, "\"id\":\\s*\"([^\"]+)\"").Groups[1].Value;
            if (id.Length > 0) return id;
            await Task.Delay(50);
        }
        Assert.Fail($"no dead letter for {workflowId}");
        return "";
    }

    [Fact]
    public async Task DeadLetters_ListShowAck_TheFailedTaskUntilAcknowledged()
    {
        var runId = await FailedRunAsync("dl-ack", "dl-ack-" + Guid.NewGuid().ToString("N"));
        var id = await DeadLetterIdAsync("dl-ack");

        var list = await _cli.RunAsync("deadletters", "list", "--workflow", "dl-ack");
        Assert.True(list.Code == 0, list.ToString());
        Assert.Matches($@"{Regex.Escape(runId)}\s+flaky\s+1\s+.*HTTP 400", list.Out);
        var show = await _cli.RunAsync("deadletters", "show", id);
        Assert.Contains("Task:         flaky (attempt 1)", show.Out);
        Assert.Contains("Acknowledged: no", show.Out);

        var ack = await _cli.RunAsync("deadletters", "ack", id);

        Assert.True(ack.Code == 0, ack.ToString());
        Assert.Contains($"acknowledged {id} (run {runId})", ack.Out);
        Assert.Contains("no dead letters", (await _cli.RunAsync("deadletters", "list", "--workflow", "dl-ack")).Out);
        Assert.Contains($"by {LoomTestServer.OperatorKeyName}", (await _cli.RunAsync("deadletters", "show", id)).Out);
        var missing = await _cli.RunAsync("deadletters", "ack", "nope");
        Assert.NotEqual(0, missing.Code);
    }

    [Fact]
    public async Task DeadLettersRedrive_ResumesTheRunInPlaceFromItsTask()
    {
        var runId = await FailedRunAsync("dl-redrive", "dl-redrive-" + Guid.NewGuid().ToString("N"));
        var id = await DeadLetterIdAsync("dl-redrive");

        var result = await _cli.RunAsync("deadletters", "redrive", id, "--wait", "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains($"redriving run {runId} in place: flaky run again", result.Out);
        Assert.Contains($"run {runId} succeeded", result.Out);
        Assert.Contains("no dead letters", (await _cli.RunAsync("deadletters", "list", "--workflow", "dl-redrive")).Out);
    }

    [Fact]
    public async Task RunRedrive_NamedTask_RunsItAgain_AndAnUnknownTaskIsRefused()
    {
        var runId = await FailedRunAsync("run-redrive", "run-redrive-" + Guid.NewGuid().ToString("N"));

        var unknown = await _cli.RunAsync("run", "redrive", runId, "--task", "nope");
        Assert.NotEqual(0, unknown.Code);
        Assert.Contains("nope", unknown.Err);

        var result = await _cli.RunAsync("run", "redrive", runId, "--task", "first", "--wait", "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains($"redriving run {runId} in place: first, flaky run again", result.Out);
        var run = await _server.GetRunAsync(runId);
        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        Assert.Equal(2, LoomHostClient.Task(run, "first")["attempt"]!.GetValue<int>());
        var again = await _cli.RunAsync("run", "redrive", runId);
        Assert.NotEqual(0, again.Code);
        Assert.Contains("succeeded", again.Err);
    }
}
