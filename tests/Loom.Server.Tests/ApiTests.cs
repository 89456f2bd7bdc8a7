using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Testing;

namespace Loom.Server.Tests;

/// <summary>Every route of the HTTP API, its key checks and its answers to bad input.</summary>
[Collection("server")]
public sealed class ApiTests(AzuriteFixture azurite, BackendFixture backend) : IAsyncLifetime
{
    private LoomTestServer _server = null!;

    public async Task InitializeAsync() => _server = await LoomTestServer.StartAsync(azurite);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Workflow(string id, string cron = "0 3 * * *") => $"""
        id: {id}
        name: Workflow {id}
        schedule: "{cron}"
        params:
          region: eu
        tasks:
          - id: fetch_data
            url: {backend.BaseUrl}/api/tasks/fetch-data
          - id: process
            url: {backend.BaseUrl}/api/tasks/process
            dependsOn: [fetch_data]
        """;

    private static StringContent Yaml(string text) => new(text, Encoding.UTF8, "application/yaml");

    [Fact]
    public async Task Register_NewThenSameThenChanged_CreatedUnchangedNewVersion()
    {
        var first = await _server.Client.PostAsync("/api/workflows", Yaml(Workflow("reg")));
        var same = await _server.Client.PostAsync("/api/workflows", Yaml(Workflow("reg")));
        var changed = await _server.Client.PostAsync("/api/workflows", Yaml(Workflow("reg", "0 4 * * *")));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(HttpStatusCode.Created, changed.StatusCode);
        Assert.Equal(1, (await same.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<int>());
        Assert.Equal(2, (await changed.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<int>());

        var versions = await _server.Client.GetFromJsonAsync<JsonObject>("/api/workflows/reg/versions");
        Assert.Equal(2, versions!["items"]!.AsArray().Count);
        var v1 = await _server.Client.GetFromJsonAsync<JsonObject>("/api/workflows/reg/versions/1");
        Assert.Contains("0 3 * * *", v1!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task Register_Json_SameModelAsYaml()
    {
        var json = new JsonObject
        {
            ["id"] = "from-json",
            ["tasks"] = new JsonArray(new JsonObject { ["id"] = "only", ["url"] = $"{backend.BaseUrl}/api/tasks/only" }),
        };
        var response = await _server.Client.PostAsync("/api/workflows", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var runId = await _server.TriggerAsync("from-json");
        Assert.Equal("succeeded", (await _server.WaitForRunAsync(runId))["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("application/json", 415, "YAML sent as JSON")]
    [InlineData("application/x-www-form-urlencoded", 400, "YAML without line breaks")]
    public async Task Register_YamlThroughCurlDashD_4xxSayingToSendTheFileAsYaml(string contentType, int status, string title)
    {
        // What `curl -H "Content-Type: ..." -d @workflow.yaml` sends: the file with every line break removed.
        var seed = "# the seed's workflow\n" + Workflow("curl-d");
        var sent = seed.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);

        foreach (var route in new[] { "/api/workflows", "/api/workflows/validate" })
        {
            var response = await _server.Client.PostAsync(route, new StringContent(sent, Encoding.UTF8, contentType));
            var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal(title, problem!["title"]!.GetValue<string>());
            Assert.Contains("--data-binary @workflow.yaml -H 'Content-Type: application/yaml'", problem["detail"]!.GetValue<string>());
            Assert.Contains("line breaks", problem["detail"]!.GetValue<string>());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/workflows/curl-d")).StatusCode);
    }

    [Fact]
    public async Task Register_YamlAsJsonWithItsLines_415AndTheWorkingCurlRegisters()
    {
        var asJson = await _server.Client.PostAsync("/api/workflows", new StringContent(Workflow("curl-json"), Encoding.UTF8, "application/json"));
        // `curl --data-binary @workflow.yaml` without -H labels the body as a form, but its lines survive: that still registers.
        var binaryNoType = await _server.Client.PostAsync("/api/workflows", new StringContent(Workflow("curl-form"), Encoding.UTF8, "application/x-www-form-urlencoded"));
        var working = await _server.Client.PostAsync("/api/workflows", Yaml(Workflow("curl-json")));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, asJson.StatusCode);
        Assert.DoesNotContain("line breaks are gone", (await asJson.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, binaryNoType.StatusCode);
        Assert.Equal(HttpStatusCode.Created, working.StatusCode);
    }

    [Fact]
    public async Task Register_InvalidYaml_400WithLineAndColumnAndNothingStored()
    {
        var response = await _server.Client.PostAsync("/api/workflows", Yaml("""
            id: broken
            tasks:
              - id: a
                url: http://127.0.0.1:1/x
                dependsOn: [missing]
            """));
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var error = problem!["errors"]!.AsArray().Single()!;
        Assert.Equal(5, error["line"]!.GetValue<int>());
        Assert.Contains("missing", error["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/workflows/broken")).StatusCode);
    }

    [Fact]
    public async Task Validate_ReturnsErrorsWithoutStoring()
    {
        var response = await _server.Client.PostAsync("/api/workflows/validate", Yaml("id: v\ntasks:\n  - id: a\n    url: not-a-url\n"));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body!["valid"]!.GetValue<bool>());
        Assert.Equal(4, body["errors"]![0]!["line"]!.GetValue<int>());
    }

    [Fact]
    public async Task ListGetPauseResumeDelete_Workflow()
    {
        await _server.RegisterAsync(Workflow("life"));

        var list = await _server.Client.GetFromJsonAsync<JsonObject>("/api/workflows");
        var item = list!["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == "life")!;
        Assert.NotNull(item["nextFireTime"]);
        var get = await _server.Client.GetFromJsonAsync<JsonObject>("/api/workflows/life");
        Assert.Equal(5, get!["nextFireTimes"]!.AsArray().Count);
        Assert.Equal(2, get["definition"]!["tasks"]!.AsArray().Count);

        Assert.Equal(HttpStatusCode.OK, (await _server.Client.PostAsync("/api/workflows/life/pause", null)).StatusCode);
        var paused = await _server.Client.GetFromJsonAsync<JsonObject>("/api/workflows/life");
        Assert.True(paused!["paused"]!.GetValue<bool>());
        Assert.Empty(paused["nextFireTimes"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.PostAsync("/api/workflows/life/resume", null)).StatusCode);
        Assert.False((await _server.Client.GetFromJsonAsync<JsonObject>("/api/workflows/life"))!["paused"]!.GetValue<bool>());

        var runId = await _server.TriggerAsync("life");
        await _server.WaitForRunAsync(runId);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.DeleteAsync("/api/workflows/life")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/workflows/life")).StatusCode);
        // History is kept.
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}")).StatusCode);
    }

    [Fact]
    public async Task Trigger_Params_OverrideDefaultsAndUnknownParamIs400()
    {
        await _server.RegisterAsync(Workflow("params"));

        var bad = await _server.Client.PostAsJsonAsync("/api/workflows/params/runs", new { @params = new { nope = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("nope", await bad.Content.ReadAsStringAsync());

        var good = await _server.Client.PostAsJsonAsync("/api/workflows/params/runs", new { @params = new { region = "us" } });
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
        var location = good.Headers.Location!.ToString();
        var runId = (await good.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
        Assert.Equal($"/api/runs/{Uri.EscapeDataString(runId)}", location);
        var run = await _server.WaitForRunAsync(runId);
        Assert.Equal("us", run["params"]!["region"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunsListEventsAttempts_ShowTheRun()
    {
        await _server.RegisterAsync(Workflow("observed"));
        var runId = await _server.TriggerAsync("observed");
        await _server.WaitForRunAsync(runId);

        var list = await _server.Client.GetFromJsonAsync<JsonObject>("/api/runs?workflowId=observed&limit=10");
        Assert.Contains(list!["items"]!.AsArray(), r => r!["runId"]!.GetValue<string>() == runId);
        var succeeded = await _server.Client.GetFromJsonAsync<JsonObject>("/api/runs?workflowId=observed&status=succeeded");
        Assert.Contains(succeeded!["items"]!.AsArray(), r => r!["runId"]!.GetValue<string>() == runId);
        var failed = await _server.Client.GetFromJsonAsync<JsonObject>("/api/runs?workflowId=observed&status=failed");
        Assert.DoesNotContain(failed!["items"]!.AsArray(), r => r!["runId"]!.GetValue<string>() == runId);

        var events = await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/events");
        var types = events!["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Contains("RunStarted", types);
        Assert.Contains("RunSucceeded", types);

        var attempts = await _server.Client.GetFromJsonAsync<JsonObject>($"/api/runs/{Uri.EscapeDataString(runId)}/tasks/process/attempts");
        var attempt = attempts!["items"]!.AsArray().Single()!;
        Assert.Equal(200, attempt["statusCode"]!.GetValue<int>());
        Assert.StartsWith("POST http://127.0.0.1", attempt["request"]!.GetValue<string>());
    }

    [Fact]
    public async Task Keys_MissingWrongReaderOperator_401And403()
    {
        await _server.RegisterAsync(Workflow("keys"));
        using var none = _server.NewClient(null);
        using var wrong = _server.NewClient("wrong-key");
        using var reader = _server.NewClient(LoomTestServer.ReaderKey);
        using var op = _server.NewClient(LoomTestServer.OperatorKey);

        Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await none.GetAsync($"/api/workflows?code={LoomTestServer.ReaderKey}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/api/workflows/keys/runs", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsync("/api/workflows", Yaml(Workflow("keys2")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.DeleteAsync("/api/workflows/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await op.PostAsJsonAsync("/api/workflows/keys/runs", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await none.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_ListsEveryRoute()
    {
        var doc = await _server.Client.GetFromJsonAsync<JsonObject>("/api/openapi.json");
        var paths = doc!["paths"]!.AsObject();
        foreach (var path in new[] { "/api/workflows", "/api/workflows/{id}/runs", "/api/runs/{runId}/tasks/{taskId}/attempts", "/api/callbacks/{token}", "/api/health" })
        {
            Assert.True(paths.ContainsKey(path), path);
        }
        Assert.NotNull(paths["/api/workflows/{id}"]!["delete"]);
    }

    [Fact]
    public async Task UnknownIdsAndRoutes_404ProblemDetails()
    {
        foreach (var url in new[] { "/api/workflows/nope", "/api/runs/nope", "/api/runs/nope/events", "/api/nothing-here" })
        {
            var response = await _server.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _server.Client.PutAsync("/api/workflows", null)).StatusCode);
    }

    [Fact]
    public async Task Backfill_StartsOneRunPerOccurrence_AndIsIdempotent()
    {
        await _server.RegisterAsync(Workflow("backfill", "0 6 * * *"));
        var body = new { from = "2026-01-01T00:00:00Z", to = "2026-01-03T23:00:00Z" };

        var first = await _server.Client.PostAsJsonAsync("/api/workflows/backfill/backfill", body);
        var again = await _server.Client.PostAsJsonAsync("/api/workflows/backfill/backfill", body);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var started = (await first.Content.ReadFromJsonAsync<JsonObject>())!["runIds"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.Equal(["backfill@20260101T060000Z", "backfill@20260102T060000Z", "backfill@20260103T060000Z"], started);
        var second = await again.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Empty(second!["runIds"]!.AsArray());
        Assert.Equal(3, second["alreadyExisting"]!.AsArray().Count);
        foreach (var runId in started) await _server.WaitForRunAsync(runId);
    }
}
