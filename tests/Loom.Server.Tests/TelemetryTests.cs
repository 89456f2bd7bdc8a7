using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Loom.Testing;

namespace Loom.Server.Tests;

/// <summary>The server's <c>GET /metrics</c>: its numbers after a known run, and who may read it.</summary>
[Collection("server")]
public sealed partial class TelemetryTests(AzuriteFixture azurite, BackendFixture backend)
{
    private string B => backend.BaseUrl;

    [Fact]
    public async Task Metrics_AfterARunWithARetried503_CountTheRunItsAttemptsAndTheirDurations()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        // Every Loom meter in this process records into the same instruments: this test's series carry a workflow id of its own.
        var workflow = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await server.RegisterAsync($"""
            id: {workflow}
            tasks:
              - id: flaky
                url: {B}/api/tasks/flaky?failTimes=1
                retry:
                  maxAttempts: 3
                  backoff: fixed
                  delay: 100ms
                  jitter: 0
              - id: after
                url: {B}/api/tasks/after
                dependsOn: [flaky]
            """);
        var runId = await server.TriggerAsync(workflow);
        Assert.Equal("succeeded", (await server.WaitForRunAsync(runId))["status"]!.GetValue<string>());

        using var reader = server.NewClient(LoomTestServer.ReaderKey);
        // The final commit is recorded right after its write, so a reader of the run can see the end a moment before the metrics do.
        string text;
        List<(string Name, Dictionary<string, string> Labels, double Value)> samples;
        for (var scrapes = 1; ; scrapes++)
        {
            var scrape = await reader.GetAsync("/metrics");
            text = await scrape.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            samples = Parse(text);
            if (Sum(samples, "loom_runs_finished_total", [("workflow", workflow)]) > 0 || scrapes == 50) break;
            await Task.Delay(100);
        }
        double Value(string name, params (string Label, string Value)[] labels) => Sum(samples, name, [("workflow", workflow), .. labels]);

        Assert.Equal(1, Value("loom_runs_started_total", ("trigger", "manual")));
        Assert.Equal(1, Value("loom_runs_finished_total", ("status", "succeeded")));
        Assert.Equal(0, Value("loom_runs_finished_total", ("status", "failed")));
        Assert.Equal(1, Value("loom_attempts_total", ("outcome", "failed"), ("status_class", "5xx")));
        Assert.Equal(2, Value("loom_attempts_total", ("outcome", "succeeded"), ("status_class", "2xx")));
        Assert.Equal(1, Value("loom_task_retries_total"));
        Assert.Equal(1, Value("loom_run_duration_seconds_count", ("status", "succeeded")));
        Assert.True(Value("loom_run_duration_seconds_sum", ("status", "succeeded")) > 0.1, "the run lasted at least its 100 ms backoff");
        Assert.Equal(3, Value("loom_attempt_duration_seconds_count"));
        Assert.Equal(0, Value("loom_runs_active"));
        Assert.Equal(0, Value("loom_tasks_outstanding"));
        Assert.True(Sum(samples, "loom_storage_requests_total", []) > 0, "no storage request was counted");
        Assert.True(Sum(samples, "loom_storage_request_duration_seconds_count", []) > 0, "no storage latency was recorded");
        // No series is labelled by run: workflow id yes, run id never.
        Assert.DoesNotContain(runId, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ByDefault_NeedAnApiKey()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        using var anonymous = server.NewClient(null);
        using var reader = server.NewClient(LoomTestServer.ReaderKey);

        var refused = await anonymous.GetAsync("/metrics");
        var served = await reader.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("# TYPE ", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_Off_AnswerNotFoundNotTheDashboard()
    {
        var dashboard = Directory.CreateTempSubdirectory("loom-dashboard-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dashboard.FullName, "index.html"), "<!doctype html><title>dashboard</title>");
            await using var server = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?>
            {
                ["Loom:Metrics:Access"] = "Off",
                ["Loom:DashboardPath"] = dashboard.FullName,
            });

            var metrics = await server.Client.GetAsync("/metrics");
            var other = await server.Client.GetStringAsync("/some/page");

            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
            Assert.DoesNotContain("<title>dashboard", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Contains("<title>dashboard", other, StringComparison.Ordinal);
        }
        finally
        {
            dashboard.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Metrics_Anonymous_ServedWithoutAKeyOnTheirOwnPortOnly()
    {
        var port = LoomTestServer.FreePort();
        await using var server = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Loom:Metrics:Access"] = "Anonymous",
            ["Loom:Metrics:Url"] = $"http://127.0.0.1:{port}",
        });
        using var metricsPort = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var scraped = await metricsPort.GetAsync("/metrics");
        var api = await metricsPort.GetAsync("/api/health");
        var mainPort = await server.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, mainPort.StatusCode);
    }

    /// <summary>The samples of a Prometheus text exposition: name, labels, value.</summary>
    private static List<(string Name, Dictionary<string, string> Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            if (!match.Success) continue;
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["k"].Value, m => m.Groups["v"].Value);
            samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    private static double Sum(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string name, (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
