using System.Text.Json.Nodes;
using Loom.Cli.Rendering;
using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>forEach instances in the CLI: counted on their task's line in loom run show, one line each in loom run instances.</summary>
[Collection("cli")]
public sealed class InstancesCommandTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
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

    [Fact]
    public void Counts_MidRun_SucceededOfTotalThenWhatIsInFlight()
    {
        var instances = JsonNode.Parse("""{"total":10,"maxParallel":3,"counts":{"pending":4,"retrying":1,"running":2,"succeeded":3}}""");

        Assert.Equal("3/10 succeeded, 2 running, 1 retrying", ForEachText.Counts(instances));
        Assert.Equal("0/2 succeeded, 1 failed, 1 cancelled", ForEachText.Counts(JsonNode.Parse("""{"total":2,"maxParallel":null,"counts":{"cancelled":1,"failed":1}}""")));
        Assert.Null(ForEachText.Counts(null));
    }

    [Fact]
    public async Task ShowAndInstances_ForEachRunWithARetriedInstance_CountsOnTheTaskLineAndOneLinePerInstance()
    {
        // Item 1 is the number of 503s its instance gets first.
        await _server.RegisterAsync($$$"""
            id: cli-fan
            tasks:
              - id: list
                url: {{{B}}}/api/tasks/list?list=0,1,0
              - id: each
                url: "{{{B}}}/api/tasks/each?failTimes=${{ item }}"
                forEach: ${{ tasks.list.output.items }}
                maxParallel: 2
                retry: { maxAttempts: 3, backoff: fixed, delay: 100ms, jitter: 0 }
                dependsOn: [list]
            """);
        var runId = await _server.TriggerAsync("cli-fan");
        await _server.WaitForRunAsync(runId, TimeSpan.FromSeconds(90));

        var show = await _cli.RunAsync("run", "show", runId);
        Assert.True(show.Code == 0, show.ToString());
        Assert.Matches(@"└ each\s+succeeded\s+.*3/3 succeeded", show.Out);

        var all = await _cli.RunAsync("run", "instances", runId, "each");
        Assert.True(all.Code == 0, all.ToString());
        Assert.Matches(@"INSTANCE\s+STATUS\s+ATTEMPT\s+CODE", all.Out);
        Assert.Matches(@"each\[0\]\s+succeeded\s+1\s+200", all.Out);
        Assert.Matches(@"each\[1\]\s+succeeded\s+2\s+200", all.Out);
        Assert.Matches(@"each\[2\]\s+succeeded\s+1\s+200", all.Out);
        Assert.DoesNotContain("next page", all.Out, StringComparison.Ordinal);

        var page = await _cli.RunAsync("run", "instances", runId, "each", "--offset", "1", "--limit", "1");
        Assert.True(page.Code == 0, page.ToString());
        Assert.Contains("each[1]", page.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("each[0]", page.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("each[2]", page.Out, StringComparison.Ordinal);
        Assert.Contains("(instances 1-1 of 3; --offset 2 for the next page)", page.Out, StringComparison.Ordinal);

        var json = await _cli.RunAsync("run", "instances", runId, "each", "--json");
        Assert.True(json.Code == 0, json.ToString());
        var body = JsonNode.Parse(json.Out)!;
        Assert.Equal(3, body["total"]!.GetValue<int>());
        Assert.Equal([1, 2, 1], body["items"]!.AsArray().Select(i => i!["attempt"]!.GetValue<int>()));

        var notForEach = await _cli.RunAsync("run", "instances", runId, "list");
        Assert.NotEqual(0, notForEach.Code);
        Assert.Contains("has no forEach", notForEach.Err + notForEach.Out, StringComparison.Ordinal);
    }
}
