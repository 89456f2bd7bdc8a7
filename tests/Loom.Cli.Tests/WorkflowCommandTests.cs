using System.Text.Json.Nodes;
using Loom.Testing;
using YamlDotNet.Serialization;

namespace Loom.Cli.Tests;

/// <summary>loom workflow ... against a real server on Azurite.</summary>
[Collection("cli")]
public sealed class WorkflowCommandTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("loom-cli-").FullName;
    private LoomTestServer _server = null!;
    private Cli _cli = null!;

    private string B => backend.BaseUrl;

    public async Task InitializeAsync()
    {
        _server = await LoomTestServer.StartAsync(azurite);
        _cli = new Cli(_server.BaseUrl, LoomTestServer.AdminKey);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string DailyReport(string id, string extraTask = "") => $"""
        id: {id}
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
        {extraTask}
        """;

    [Fact]
    public async Task Apply_NewThenSameThenChanged_PrintsCreatedUnchangedUpdated()
    {
        var file = Write("daily.yaml", DailyReport("apply-daily"));

        var created = await _cli.RunAsync("workflow", "apply", "-f", file);
        var unchanged = await _cli.RunAsync("workflow", "apply", "-f", file);
        File.WriteAllText(file, DailyReport("apply-daily", $"""
              - id: publish
                url: {B}/api/tasks/publish
                dependsOn: [process]
            """));
        var updated = await _cli.RunAsync("workflow", "apply", "-f", file);

        Assert.True(created.Code == 0, created.ToString());
        Assert.Equal("created apply-daily v1", created.Out.Trim());
        Assert.Equal("unchanged apply-daily v1", unchanged.Out.Trim());
        Assert.Equal("updated apply-daily v2", updated.Out.Trim());
        var versions = JsonNode.Parse(await _server.Client.GetStringAsync("/api/workflows/apply-daily/versions"))!;
        Assert.Equal(2, versions["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Apply_WorkflowNamingAMissingSecret_PrintsTheServersWarningOnStderr()
    {
        var file = Write("warned.yaml", $$$"""
            id: apply-warned
            tasks:
              - id: a
                url: {{{B}}}/api/tasks/a
                headers:
                  Authorization: "Bearer ${{ secrets.NOT_CONFIGURED_HERE }}"
            """);

        var table = await _cli.RunAsync("workflow", "apply", file);
        var json = await _cli.RunAsync("workflow", "apply", file, "-o", "json");

        Assert.True(table.Code == 0, table.ToString());
        Assert.Equal("created apply-warned v1", table.Out.Trim());
        Assert.Equal($"{file}: warning: secret 'NOT_CONFIGURED_HERE' is not configured on this host: tasks that use it will fail", table.Err.Trim());
        // With -o json stdout stays one document (which carries the warnings too); the warning still goes to stderr.
        Assert.Equal("NOT_CONFIGURED_HERE", JsonNode.Parse(json.Out)!["warnings"]!.AsArray().Single()!.GetValue<string>().Split('\'')[1]);
        Assert.Contains("warning: secret 'NOT_CONFIGURED_HERE'", json.Err);
    }

    [Fact]
    public async Task Apply_InvalidFile_Exit1WithFileLineColumnAndNothingRegistered()
    {
        var file = Write("bad.yaml", $"""
            id: apply-bad
            tasks:
              - id: a
                url: {B}/api/tasks/a
                dependsOn: [missing]
            """);

        var result = await _cli.RunAsync("workflow", "apply", "-f", file);

        Assert.True(result.Code == 1, result.ToString());
        Assert.Matches($@"{Regex(file)}:5:\d+: error: .*missing", result.Err);
        Assert.Contains("nothing was sent to the server", result.Err);
        var get = await _server.Client.GetAsync("/api/workflows/apply-bad");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Apply_BareFileArgument_RegistersLikeDashF()
    {
        var file = Write("bare.yaml", DailyReport("apply-bare"));

        var bare = await _cli.RunAsync("workflow", "apply", file);
        var flagged = await _cli.RunAsync("workflow", "apply", "-f", file);
        var none = await _cli.RunAsync("workflow", "apply");
        var both = await _cli.RunAsync("workflow", "apply", file, "-f", Path.Combine(_dir, "other.yaml"));

        Assert.True(bare.Code == 0, bare.ToString());
        Assert.Equal("created apply-bare v1", bare.Out.Trim());
        Assert.Equal("unchanged apply-bare v1", flagged.Out.Trim());
        Assert.Equal(ExitCodes.Usage, none.Code);
        Assert.Contains("loom workflow apply FILE", none.Err);
        Assert.Equal(ExitCodes.Usage, both.Code);
    }

    [Fact]
    public async Task Apply_MissingFile_ExitUsage()
    {
        var result = await _cli.RunAsync("workflow", "apply", "-f", Path.Combine(_dir, "nope.yaml"));

        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.Contains("file not found", result.Err);
    }

    [Fact]
    public async Task ListAndDescribe_JsonAndYaml_ParseBackToTheApiData()
    {
        await _server.RegisterAsync(DailyReport("listed"));
        var runId = await _server.TriggerAsync("listed");
        await _server.WaitForRunAsync(runId);

        var list = await _cli.RunAsync("workflow", "list", "-o", "json");
        var describe = await _cli.RunAsync("workflow", "describe", "listed", "-o", "json");
        var yaml = await _cli.RunAsync("workflow", "describe", "listed", "-o", "yaml");
        var table = await _cli.RunAsync("workflow", "describe", "listed");
        var listTable = await _cli.RunAsync("workflow", "list");

        Assert.True(list.Code == 0, list.ToString());
        var item = JsonNode.Parse(list.Out)!["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == "listed")!;
        Assert.Equal(1, item["version"]!.GetValue<int>());
        Assert.Equal("succeeded", item["lastRun"]!["status"]!.GetValue<string>());

        var workflow = JsonNode.Parse(describe.Out)!;
        Assert.Equal("0 3 * * *", workflow["schedule"]!["cron"]!.GetValue<string>());
        Assert.Equal(5, workflow["nextFireTimes"]!.AsArray().Count);
        Assert.Equal(2, workflow["definition"]!["tasks"]!.AsArray().Count);
        Assert.Equal(runId, workflow["recentRuns"]![0]!["runId"]!.GetValue<string>());

        var fromYaml = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(yaml.Out);
        Assert.Equal("listed", fromYaml["id"]);
        Assert.Equal("1", fromYaml["version"]!.ToString());
        Assert.Equal("0 3 * * *", ((Dictionary<object, object>)fromYaml["schedule"])["cron"]);

        Assert.Contains("at 03:00", table.Out);
        Assert.Contains("fetch_data", table.Out);
        Assert.Contains(runId, table.Out);
        Assert.Matches(@"listed\s+v1\s+0 3 \* \* \*", listTable.Out);
    }

    [Fact]
    public async Task PauseResumeDelete_ChangeTheWorkflowOnTheServer()
    {
        await _server.RegisterAsync(DailyReport("toggled"));

        var pause = await _cli.RunAsync("workflow", "pause", "toggled");
        var paused = JsonNode.Parse((await _cli.RunAsync("workflow", "describe", "toggled", "-o", "json")).Out)!;
        var resume = await _cli.RunAsync("workflow", "resume", "toggled");
        var resumed = JsonNode.Parse((await _cli.RunAsync("workflow", "describe", "toggled", "-o", "json")).Out)!;
        var delete = await _cli.RunAsync("workflow", "delete", "toggled");
        var gone = await _cli.RunAsync("workflow", "describe", "toggled");

        Assert.Equal("paused toggled", pause.Out.Trim());
        Assert.True(paused["paused"]!.GetValue<bool>());
        Assert.Equal("resumed toggled", resume.Out.Trim());
        Assert.False(resumed["paused"]!.GetValue<bool>());
        Assert.Equal("deleted toggled", delete.Out.Trim());
        Assert.Equal(ExitCodes.NotFound, gone.Code);
        Assert.Contains("no workflow with id 'toggled'", gone.Err);
    }

    [Fact]
    public async Task Trigger_ParamsAndWait_RunSucceedsWithTypedParams()
    {
        await _server.RegisterAsync($"""
            id: with-params
            params:
              region: eu
              batchSize: 10
            tasks:
              - id: extract
                url: {B}/api/tasks/extract
                body:
                  region: ${"{{"} params.region {"}}"}
                  limit: ${"{{"} params.batchSize {"}}"}
            """);

        var result = await _cli.RunAsync("workflow", "trigger", "with-params", "--param", "region=us-east", "--param", "batchSize=25", "--wait", "--interval", "100ms");

        Assert.True(result.Code == 0, result.ToString());
        var runId = System.Text.RegularExpressions.Regex.Match(result.Out, @"started run (\S+)").Groups[1].Value;
        Assert.Contains($"run {runId} succeeded", result.Out);
        Assert.Matches(@"extract\s+succeeded\s+attempt 1/", result.Out);
        var run = await _server.GetRunAsync(runId);
        Assert.Equal("us-east", run["params"]!["region"]!.GetValue<string>());
        Assert.Equal(25, run["params"]!["batchSize"]!.GetValue<int>());
        var call = backend.Log.Items.Single(r => r.RunId == runId);
        var body = JsonNode.Parse(call.Body)!;
        Assert.Equal("us-east", body["region"]!.GetValue<string>());
        Assert.Equal(25, body["limit"]!.GetValue<int>());
    }

    [Fact]
    public async Task Trigger_UnknownParam_ExitRejectedWithTheServersReason()
    {
        await _server.RegisterAsync(DailyReport("no-params"));

        var result = await _cli.RunAsync("workflow", "trigger", "no-params", "-p", "x=1");

        Assert.Equal(ExitCodes.Rejected, result.Code);
        Assert.Contains("unknown parameter 'x'", result.Err);
    }

    [Fact]
    public async Task Backfill_ThreeDays_StartsOneRunPerOccurrenceOnce()
    {
        await _server.RegisterAsync(DailyReport("backfilled"));

        var first = await _cli.RunAsync("workflow", "backfill", "backfilled", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-03T23:59:59Z");
        var again = await _cli.RunAsync("workflow", "backfill", "backfilled", "--from", "2026-11-01", "--to", "2026-11-03T23:59:59Z", "-o", "json");

        Assert.True(first.Code == 0, first.ToString());
        Assert.Contains("3 occurrence(s): started 3 run(s), 0 already existed", first.Out);
        Assert.Contains("backfilled@20261102T030000Z", first.Out);
        var body = JsonNode.Parse(again.Out)!;
        Assert.Empty(body["runIds"]!.AsArray());
        Assert.Equal(3, body["alreadyExisting"]!.AsArray().Count);
    }

    [Fact]
    public async Task Backfill_MaxConcurrent_StartsThatManyAndQueuesTheRest()
    {
        await _server.RegisterAsync(DailyReport("bounded-cli"));

        var result = await _cli.RunAsync("workflow", "backfill", "bounded-cli", "--from", "2026-11-01", "--to", "2026-11-04T23:59:59Z", "--max-concurrent", "1");
        var bad = await _cli.RunAsync("workflow", "backfill", "bounded-cli", "--from", "2026-11-01", "--to", "2026-11-02", "--max-concurrent", "0");

        Assert.True(result.Code == 0, result.ToString());
        Assert.Contains("4 occurrence(s): started 1 run(s), 0 already existed, 3 queued (at most 1 at once)", result.Out);
        Assert.Contains("queued   bounded-cli@20261104T030000Z", result.Out);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--max-concurrent", bad.Err);
    }

    [Fact]
    public async Task Describe_WaitAndConditionTasks_ShowWaitsNotRequests()
    {
        await _server.RegisterAsync($"""
            id: gated
            tasks:
              - id: hold
                type: wait
                duration: 5m
              - id: go
                url: {B}/api/tasks/go
                dependsOn: [hold]
                when: "run.id != ''"
            """);

        var table = await _cli.RunAsync("workflow", "describe", "gated");

        Assert.Equal(0, table.Code);
        Assert.Matches(@"hold\s+wait 5m00s\s", table.Out);
        Assert.Contains("when run.id != ''", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("POST -", table.Out, StringComparison.Ordinal);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);
}
