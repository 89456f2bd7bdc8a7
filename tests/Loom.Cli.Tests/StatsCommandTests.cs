using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Loom.Core.Definitions;
using Loom.Core.Planning;
using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>loom stats and loom plan --stats against a real server on Azurite calling the sample backend.</summary>
[Collection("cli")]
public sealed class StatsCommandTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;
    private Cli _cli = null!;

    public async Task InitializeAsync()
    {
        _server = await LoomTestServer.StartAsync(azurite);
        _cli = new Cli(_server.BaseUrl, LoomTestServer.OperatorKey);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    // By task count the critical path is a -> b1 -> b2 -> d; by measured time usually a -> slow -> d.
    private string Yaml(string id) => $"""
        id: {id}
        tasks:
          - id: a
            url: {backend.BaseUrl}/api/tasks/a
          - id: b1
            url: {backend.BaseUrl}/api/tasks/b1
            dependsOn: [a]
          - id: b2
            url: {backend.BaseUrl}/api/tasks/b2
            dependsOn: [b1]
          - id: slow
            url: {backend.BaseUrl}/api/tasks/slow?delayMs=1500
            dependsOn: [a]
          - id: d
            url: {backend.BaseUrl}/api/tasks/d
            dependsOn: [b2, slow]
        """;

    [Fact]
    public async Task Stats_AfterTwoRuns_ShowsCountsAndTheSlowestTaskFirst_AndPlanWeighsTheCriticalPath()
    {
        var id = "stats-cli";
        var yaml = Yaml(id);
        await _server.RegisterAsync(yaml);
        for (var i = 0; i < 2; i++) Assert.Equal("succeeded", (await _server.WaitForRunAsync(await _server.TriggerAsync(id), TimeSpan.FromSeconds(120)))["status"]!.GetValue<string>());

        // The count lands before each run's final commit, so both are in once the runs read final.
        var stats = await _cli.RunAsync("stats", id, "--since", "24h");
        Assert.True(stats.Code == 0, stats.ToString());
        Assert.Contains($"{id} since ", stats.Out);
        Assert.Contains("2 run(s)", stats.Out);
        Assert.Contains("succeeded 2, failed 0, cancelled 0; success rate 100 %", stats.Out);
        Assert.Contains("retries 0 (0 per run; 0 run(s) retried)", stats.Out);
        // Which task is slowest is the machine's call under load; that the table follows the answer's p95 order is Loom's.
        var json = await _cli.RunAsync("stats", id, "-o", "json", "--top", "10");
        Assert.Contains("\"runs\": 2", json.Out);
        var tasks = JsonNode.Parse(json.Out)!["slowestTasks"]!.AsArray().Select(t => t!.AsObject()).ToList();
        Assert.Equal(["a", "b1", "b2", "d", "slow"], tasks.Select(t => t["taskId"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.True(tasks.Single(t => t["taskId"]!.GetValue<string>() == "slow")["p95Ms"]!.GetValue<double>() >= 1500 * 0.9);
        var firstTask = Regex.Match(stats.Out, @"Slowest tasks \(by p95\):\s*\n\s*TASK[^\n]*\n\s*(\S+)").Groups[1].Value;
        Assert.Equal(tasks.OrderByDescending(t => t["p95Ms"]!.GetValue<double>()).First()["taskId"]!.GetValue<string>(), firstTask);

        var file = Path.Combine(Path.GetTempPath(), $"loom-stats-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            var plan = await _cli.RunAsync("plan", file, "--stats");
            Assert.True(plan.Code == 0, plan.ToString());
            Assert.Contains("Critical path (4 task(s)): a -> b1 -> b2 -> d", plan.Out);
            var p50 = tasks.ToDictionary(t => t["taskId"]!.GetValue<string>(), t => t["p50Ms"]!.GetValue<double>());
            var expected = WeightedCriticalPath.For(WorkflowParser.Parse(yaml).Definition!, p50).Path;
            var shown = Regex.Match(plan.Out, @"Measured critical path \([^)]*\): ([^\n]*)").Groups[1].Value;
            Assert.Equal(expected, Regex.Matches(shown, @"(\S+) \(").Select(m => m.Groups[1].Value));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Stats_BadSinceOrUnknownWorkflow_SaysWhy()
    {
        var bad = await _cli.RunAsync("stats", "whatever", "--since", "last tuesday");
        Assert.Equal(2, bad.Code);
        Assert.Contains("neither an ISO-8601 instant nor a duration", bad.Err);
        var missing = await _cli.RunAsync("stats", "no-such-workflow");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("no-such-workflow", missing.Err);
    }
}
