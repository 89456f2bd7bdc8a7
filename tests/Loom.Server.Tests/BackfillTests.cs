using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Loom.Testing;

namespace Loom.Server.Tests;

/// <summary>Backfill with <c>maxConcurrent</c>: never more runs at once than asked, every occurrence run once, the queue stored and cancellable.</summary>
[Collection("server")]
public sealed class BackfillTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;

    public async Task InitializeAsync() => _server = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?>
    {
        // The scheduler loop is what starts a bounded backfill's next occurrences.
        ["Loom:SchedulerEnabled"] = "true",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Workflow(string id) => $"""
        id: {id}
        schedule: "0 * * * *"
        tasks:
          - id: slow
            url: {backend.BaseUrl}/api/tasks/slow?delayMs=700
        """;

    [Fact]
    public async Task MaxConcurrent_Two_NeverMoreThanTwoRunsAtOnce_AndEveryOccurrenceRunsOnce()
    {
        await _server.RegisterAsync(Workflow("bounded"));
        var body = new { from = "2026-01-01T00:00:00Z", to = "2026-01-01T05:00:00Z", maxConcurrent = 2 };

        using var response = await _server.Client.PostAsJsonAsync("/api/workflows/bounded/backfill", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var started = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(6, started["occurrences"]!.GetValue<int>());
        Assert.Equal(["bounded@20260101T000000Z", "bounded@20260101T010000Z"], started["runIds"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(4, started["queued"]!.AsArray().Count);

        // While it is under way: the workflow shows it, and a second backfill is refused with the reason.
        var workflow = JsonNode.Parse(await _server.Client.GetStringAsync("/api/workflows/bounded"))!;
        Assert.Equal(2, workflow["backfill"]!["maxConcurrent"]!.GetValue<int>());
        using var second = await _server.Client.PostAsJsonAsync("/api/workflows/bounded/backfill", body);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("under way", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var runIds = Enumerable.Range(0, 6).Select(h => $"bounded@20260101T{h:D2}0000Z").ToList();
        var runs = new List<JsonObject>();
        foreach (var runId in runIds)
        {
            var run = await WaitForAsync(runId, TimeSpan.FromSeconds(40));
            Assert.Equal("succeeded", run["status"]!.GetValue<string>());
            runs.Add(run);
        }

        // From the runs' own start and finish times: at no instant were more than two active.
        var intervals = runs.Select(r => (Start: Time(r["startedAt"]), End: Time(r["finishedAt"]))).ToList();
        var most = intervals.Max(i => intervals.Count(o => o.Start <= i.Start && i.Start < o.End));
        Assert.InRange(most, 1, 2);
        Assert.Equal(6, backend.Log.Items.Count(r => r.RunId is not null && runIds.Contains(r.RunId)));
        var after = JsonNode.Parse(await _server.Client.GetStringAsync("/api/workflows/bounded"))!;
        Assert.Null(after["backfill"]);
    }

    [Fact]
    public async Task Cancel_DropsWhatWasNotStarted_RunsAlreadyStartedFinish()
    {
        await _server.RegisterAsync(Workflow("dropped"));
        using var response = await _server.Client.PostAsJsonAsync("/api/workflows/dropped/backfill",
            new { from = "2026-01-01T00:00:00Z", to = "2026-01-01T04:00:00Z", maxConcurrent = 1 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        using var cancel = await _server.Client.DeleteAsync("/api/workflows/dropped/backfill");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var dropped = (await cancel.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(4, dropped["dropped"]!.GetValue<int>());
        using var again = await _server.Client.DeleteAsync("/api/workflows/dropped/backfill");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        var first = await WaitForAsync("dropped@20260101T000000Z", TimeSpan.FromSeconds(20));
        Assert.Equal("succeeded", first["status"]!.GetValue<string>());
        await Task.Delay(2500);
        using var next = await _server.Client.GetAsync("/api/runs/dropped%4020260101T010000Z");
        Assert.Equal(HttpStatusCode.NotFound, next.StatusCode);
    }

    [Fact]
    public async Task MaxConcurrent_OutOfRange_400WithTheReason()
    {
        await _server.RegisterAsync(Workflow("badlimit"));
        using var response = await _server.Client.PostAsJsonAsync("/api/workflows/badlimit/backfill",
            new { from = "2026-01-01T00:00:00Z", to = "2026-01-01T04:00:00Z", maxConcurrent = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("maxConcurrent", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<JsonObject> WaitForAsync(string runId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await _server.Client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var run = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                if (run["status"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled") return run;
            }
            Assert.True(DateTime.UtcNow < deadline, $"run {runId} did not finish in time");
            await Task.Delay(100);
        }
    }

    private static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse(node!.GetValue<string>(), CultureInfo.InvariantCulture);
}
