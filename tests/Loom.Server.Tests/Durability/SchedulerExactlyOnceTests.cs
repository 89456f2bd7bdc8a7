using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Loom.Core.Scheduling;
using Loom.Testing;
using Xunit.Abstractions;

namespace Loom.Server.Tests.Durability;

/// <summary>Two servers on one storage account tick the scheduler at once: each occurrence starts exactly once; pause and resume follow the catch-up policy.</summary>
[Collection("server")]
public sealed class SchedulerExactlyOnceTests(AzuriteFixture azurite, BackendFixture backend, ITestOutputHelper output)
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task TwoServersTicking_EveryTwoSeconds_EachOccurrenceStartsOnceAndPauseResumeFollowCatchup()
    {
        var prefix = "sched" + Guid.NewGuid().ToString("N")[..8];
        var settings = (string name) => new Dictionary<string, string?>
        {
            ["Loom:SchedulerEnabled"] = "true",
            ["Loom:SchedulerInterval"] = "00:00:00.200",
            ["Loom:InstanceName"] = name,
        };
        await using var one = await LoomTestServer.StartAsync(azurite, settings("scheduler-one"), prefix);
        await using var two = await LoomTestServer.StartAsync(azurite, settings("scheduler-two"), prefix);
        var key = Guid.NewGuid().ToString("N")[..8];
        foreach (var policy in new[] { "all", "latest" })
        {
            await one.RegisterAsync($"""
                id: every2s-{policy}
                schedule:
                  cron: "*/2 * * * * *"
                  catchup: {policy}
                tasks:
                  - id: first
                    url: {backend.BaseUrl}/api/tasks/first-{key}
                  - id: second
                    url: {backend.BaseUrl}/api/tasks/second-{key}
                    dependsOn: [first]
                """);
        }
        var registered = DateTimeOffset.UtcNow;

        await Task.Delay(TimeSpan.FromSeconds(5));
        foreach (var policy in new[] { "all", "latest" }) await PostAsync(two, $"/api/workflows/every2s-{policy}/pause");
        // A tick that read the workflow just before the pause may still start one occurrence.
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        var beforePause = new Dictionary<string, List<DateTimeOffset>>();
        foreach (var policy in new[] { "all", "latest" }) beforePause[policy] = await OccurrencesAsync(one, $"every2s-{policy}");
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        foreach (var policy in new[] { "all", "latest" })
        {
            Assert.Equal(beforePause[policy], await OccurrencesAsync(one, $"every2s-{policy}"));
        }
        var resumed = DateTimeOffset.UtcNow;
        foreach (var policy in new[] { "all", "latest" }) await PostAsync(one, $"/api/workflows/every2s-{policy}/resume");
        var resumeDone = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var policy in new[] { "all", "latest" }) await PostAsync(two, $"/api/workflows/every2s-{policy}/pause");
        await Task.Delay(TimeSpan.FromMilliseconds(700));

        foreach (var policy in new[] { "all", "latest" })
        {
            var id = $"every2s-{policy}";
            var occurrences = await OccurrencesAsync(one, id);
            output.WriteLine($"{id}: {string.Join(", ", occurrences.Select(o => o.ToString("HH:mm:ss", CultureInfo.InvariantCulture)))}");
            Assert.True(occurrences.Count >= 4, $"{id}: only {occurrences.Count} occurrences started");
            Assert.All(occurrences, o => Assert.Equal(0, o.Second % 2));
            Assert.True(occurrences[0] - registered < Every + TimeSpan.FromSeconds(1), $"{id}: the first occurrence after registration ({registered:O}) was not started");

            var lastBeforePause = beforePause[policy][^1];
            // Occurrences that fell while the workflow was paused (the first tick after the resume may come a little later
            // and pick a newer one as "latest": that is the policy too).
            var missed = Expected(lastBeforePause + Every, resumed);
            Assert.True(missed.Count >= 2, $"{id}: the pause missed only {missed.Count} occurrence(s); the check proves nothing");
            var started = occurrences.ToHashSet();
            if (policy == "all")
            {
                // Catch-up "all": every occurrence, the missed ones included, from the first to the last.
                Assert.Equal(Expected(occurrences[0], occurrences[^1]), occurrences);
            }
            else
            {
                // Catch-up "latest": of those missed while paused, at most the newest runs; the first run after the resume is
                // the newest occurrence at the first tick; outside the pause, none is missing.
                var caughtUp = missed.Where(started.Contains).ToList();
                Assert.True(caughtUp.Count == 0 || (caughtUp.Count == 1 && caughtUp[0] == missed[^1]), $"{id}: caught up {string.Join(", ", caughtUp)} of {missed.Count} missed");
                Assert.Equal(Expected(occurrences[0], lastBeforePause), occurrences.Where(o => o <= lastBeforePause));
                var afterResume = occurrences.Where(o => o > lastBeforePause).ToList();
                Assert.NotEmpty(afterResume);
                Assert.True(afterResume[0] >= missed[^1] && afterResume[0] <= resumeDone + TimeSpan.FromSeconds(1), $"{id}: first run after the resume is {afterResume[0]:O}");
                Assert.Equal(Expected(afterResume[0], afterResume[^1]), afterResume);
            }

            // Exactly once at the backend: one first attempt per task per run, and nothing more (no task fails here).
            foreach (var occurrence in occurrences)
            {
                var runId = RunIds.ForOccurrence(id, occurrence);
                var run = await one.WaitForRunAsync(runId, TimeSpan.FromSeconds(20));
                Assert.Equal("succeeded", run["status"]!.GetValue<string>());
                foreach (var task in new[] { "first", "second" })
                {
                    var calls = backend.Log.Items.Where(r => r.RunId == runId && r.TaskId == task).ToList();
                    Assert.True(calls.Count == 1 && calls[0].Attempt == 1, $"{runId}/{task}: {calls.Count} calls (attempts {string.Join(",", calls.Select(c => c.Attempt))})");
                }
            }
        }
    }

    private static List<DateTimeOffset> Expected(DateTimeOffset from, DateTimeOffset to)
    {
        var first = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, from.Minute, from.Second, TimeSpan.Zero);
        if (first < from) first = first.AddSeconds(1);
        if (first.Second % 2 == 1) first = first.AddSeconds(1);
        var list = new List<DateTimeOffset>();
        for (var t = first; t <= to; t += Every) list.Add(t);
        return list;
    }

    private static async Task PostAsync(LoomTestServer server, string path)
    {
        using var response = await server.Client.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<List<DateTimeOffset>> OccurrencesAsync(LoomTestServer server, string workflowId)
    {
        var page = JsonNode.Parse(await server.Client.GetStringAsync($"/api/runs?workflowId={workflowId}&limit=200"))!;
        Assert.Null(page["continuation"]?.GetValue<string>());
        var occurrences = new List<DateTimeOffset>();
        foreach (var item in page["items"]!.AsArray())
        {
            var runId = item!["runId"]!.GetValue<string>();
            Assert.True(RunIds.TryParseOccurrence(runId, out var wf, out var at) && wf == workflowId, $"unexpected run id {runId}");
            occurrences.Add(at);
        }
        occurrences.Sort();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        return occurrences;
    }
}
