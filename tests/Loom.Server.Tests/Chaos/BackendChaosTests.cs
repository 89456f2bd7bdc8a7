using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.SampleBackend;
using Loom.Testing;
using Xunit.Abstractions;

namespace Loom.Server.Tests.Chaos;

/// <summary>
/// A backend that fails at random (seeded: 30% 503, 10% hangs past the timeout, 5% connection resets): every run ends,
/// succeeded, or failed with the reason of its last attempt once the retry budget is spent, exactly as the seed predicts.
/// </summary>
[Collection("server")]
public sealed class BackendChaosTests(AzuriteFixture azurite, BackendFixture backend, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 4242;
    private const int MaxAttempts = 3;
    private static readonly string[] Chain = ["t1", "t2", "t3"];
    private static readonly ChaosRates Rates = new(30, 10, 5);
    private LoomTestServer _server = null!;

    public async Task InitializeAsync() => _server = await LoomTestServer.StartAsync(azurite);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SeededBackendChaos_EveryRunFinishes_OutcomesMatchTheFaultSchedule()
    {
        await _server.RegisterAsync($"""
            id: chaos-chain
            defaults:
              timeout: 300ms
              retry:
                maxAttempts: {MaxAttempts}
                backoff: fixed
                delay: 50ms
                jitter: 0
                retryOn: [5xx, timeout, network]
            tasks:
              - id: t1
                url: {backend.BaseUrl}/api/tasks/t1?chaos={Seed}&chaosHangMs=3000
              - id: t2
                url: {backend.BaseUrl}/api/tasks/t2?chaos={Seed}&chaosHangMs=3000
                dependsOn: [t1]
              - id: t3
                url: {backend.BaseUrl}/api/tasks/t3?chaos={Seed}&chaosHangMs=3000
                dependsOn: [t2]
            """);
        var runIds = new List<string>();
        for (var i = 0; i < 24; i++) runIds.Add(await _server.TriggerAsync("chaos-chain"));

        var faults = new Dictionary<ChaosFault, int>();
        var (succeeded, failed) = (0, 0);
        foreach (var runId in runIds)
        {
            var run = await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(60));
            var expectedFailure = false;
            foreach (var taskId in Chain)
            {
                var task = LoomTestServer.Task(run, taskId);
                if (expectedFailure)
                {
                    Assert.Equal("skipped", task["status"]!.GetValue<string>());
                    Assert.DoesNotContain(backend.Log.Items, r => r.RunId == runId && r.TaskId == taskId);
                    continue;
                }

                // The schedule: attempts fault until the first clean one, or the budget ends.
                var schedule = new List<ChaosFault>();
                for (var attempt = 1; attempt <= MaxAttempts; attempt++)
                {
                    var fault = SampleBackendApp.ChaosFor(Seed, runId, taskId, attempt, Rates);
                    schedule.Add(fault);
                    faults[fault] = faults.GetValueOrDefault(fault) + 1;
                    if (fault == ChaosFault.None) break;
                }
                var attempts = (await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/{taskId}/attempts"))!["items"]!.AsArray();
                var context = $"{runId}/{taskId}: schedule {string.Join(",", schedule)}, attempts {attempts.ToJsonString()}";
                Assert.True(schedule.Count == attempts.Count, context);
                for (var i = 0; i < schedule.Count; i++)
                {
                    var a = attempts[i]!;
                    var (outcome, error) = schedule[i] switch
                    {
                        ChaosFault.None => ("succeeded", null),
                        ChaosFault.ServerError => ("failed", "HTTP 503"),
                        ChaosFault.Timeout => ("timeout", "timed out"),
                        _ => ("network", "network error"),
                    };
                    Assert.True(a["outcome"]!.GetValue<string>() == outcome, $"attempt {i + 1}: {context}");
                    if (error is not null) Assert.Contains(error, a["error"]!.GetValue<string>(), StringComparison.Ordinal);
                }
                Assert.Equal(schedule.Count, task["attempt"]!.GetValue<int>());
                if (schedule[^1] == ChaosFault.None)
                {
                    Assert.Equal("succeeded", task["status"]!.GetValue<string>());
                }
                else
                {
                    Assert.True(task["status"]!.GetValue<string>() == "failed", context);
                    expectedFailure = true;
                }
                // The backend saw each attempt once (no duplicate calls), under the task's key.
                var calls = backend.Log.Items.Where(r => r.RunId == runId && r.TaskId == taskId).ToList();
                Assert.Equal(Enumerable.Range(1, schedule.Count), calls.Select(c => c.Attempt).Order());
            }
            Assert.Equal(expectedFailure ? "failed" : "succeeded", run["status"]!.GetValue<string>());
            if (expectedFailure) failed++;
            else succeeded++;
        }
        output.WriteLine($"seed {Seed}: {succeeded} runs succeeded, {failed} failed as predicted; attempts by fault: {string.Join(", ", faults.Select(f => $"{f.Key} {f.Value}"))}");
    }
}
