using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class WorkflowParserTests
{
    [Fact]
    public void Parse_SeedExampleVerbatim_IsValid()
    {
        var source = """
            id: daily-report
            name: Daily Report
            schedule: "0 3 * * *"            # string shorthand = { cron: ..., timezone: UTC }
            tasks:
              - id: fetch_data
                type: http
                method: POST
                url: http://your-backend:8080/api/tasks/fetch-data
              - id: process
                type: http
                method: POST
                url: http://your-backend:8080/api/tasks/process
                dependsOn: [fetch_data]
            """;

        var result = WorkflowParser.Parse(source);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var definition = result.Definition!;
        Assert.Equal("daily-report", definition.Id);
        Assert.Equal("Daily Report", definition.Name);
        Assert.Equal("0 3 * * *", definition.Schedule!.Cron);
        Assert.Equal("UTC", definition.Schedule.Timezone);
        Assert.Equal(["fetch_data", "process"], definition.Tasks.Select(t => t.Id));
        Assert.Equal("http://your-backend:8080/api/tasks/process", definition.Tasks[1].Url);
        Assert.Equal(["fetch_data"], definition.Tasks[1].DependsOn);
        Assert.Empty(definition.Tasks[0].DependsOn);
    }

    [Fact]
    public void Parse_EveryField_MapsEachValue()
    {
        var source = """
            id: full.example_1
            name: Full
            description: Uses every field.
            tags: [etl, nightly]
            schedule:
              cron: "0 0 6 * * 1-5"
              timezone: Europe/Paris
              catchup: all
              maxCatchup: 5
              concurrency: forbid
              maxActiveRuns: 2
              start: 2026-01-01T00:00:00Z
              end: 2027-01-01
            failFast: true
            timeout: 2h
            signingSecret: LOOM_SIGNING_KEY
            params:
              region: eu
              limit: 10
              ratio: 0.5
              dry: false
              nothing: ~
              list: [1, "2"]
            tasks:
              - id: a
                method: put
                url: https://example.com/a?region=${{ params.region }}
                headers:
                  Authorization: Bearer ${{ secrets.API_TOKEN }}
                body:
                  n: 1
                  f: 1.5
                  s: "1"
                  b: true
                  z: null
                  nested: { list: [a, 2] }
                trigger: none_failed
                retry:
                  maxAttempts: 5
                  backoff: linear
                  delay: 2s
                  maxDelay: 1m30s
                  jitter: 0
                  retryOn: [5xx, 4xx, network]
                timeout: 500ms
                allowFailure: true
                completion: callback
                callbackTimeout: PT2H
              - id: b
                url: http://localhost:5080/b
                dependsOn: a
                body: ${{ tasks.a.output.items.0 }}
            """;

        var result = WorkflowParser.Parse(source);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var d = result.Definition!;
        Assert.Equal("Uses every field.", d.Description);
        Assert.Equal(["etl", "nightly"], d.Tags);
        var schedule = d.Schedule!;
        Assert.Equal("0 0 6 * * 1-5", schedule.Cron);
        Assert.Equal("Europe/Paris", schedule.Timezone);
        Assert.Equal(CatchupPolicy.All, schedule.Catchup);
        Assert.Equal(5, schedule.MaxCatchup);
        Assert.Equal(ConcurrencyPolicy.Forbid, schedule.Concurrency);
        Assert.Equal(2, schedule.MaxActiveRuns);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), schedule.Start);
        // A time without offset is read in the schedule's zone: midnight in Paris is 23:00 UTC in winter.
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero), schedule.End!.Value.ToUniversalTime());
        Assert.True(d.FailFast);
        Assert.Equal(TimeSpan.FromHours(2), d.Timeout);
        Assert.Equal("LOOM_SIGNING_KEY", d.SigningSecret);
        Assert.Equal("\"eu\"", d.Params["region"]!.ToJsonString());
        Assert.Equal("10", d.Params["limit"]!.ToJsonString());
        Assert.Equal("0.5", d.Params["ratio"]!.ToJsonString());
        Assert.Equal("false", d.Params["dry"]!.ToJsonString());
        Assert.Null(d.Params["nothing"]);
        Assert.Equal("[1,\"2\"]", d.Params["list"]!.ToJsonString());

        var a = d.Tasks[0];
        Assert.Equal("PUT", a.Method);
        Assert.Equal("Bearer ${{ secrets.API_TOKEN }}", a.Headers["authorization"]);
        Assert.Equal("""{"n":1,"f":1.5,"s":"1","b":true,"z":null,"nested":{"list":["a",2]}}""", a.Body!.ToJsonString());
        Assert.Equal(TriggerRule.NoneFailed, a.Trigger);
        Assert.Equal(5, a.Retry.MaxAttempts);
        Assert.Equal(BackoffKind.Linear, a.Retry.Backoff);
        Assert.Equal(TimeSpan.FromSeconds(2), a.Retry.Delay);
        Assert.Equal(TimeSpan.FromSeconds(90), a.Retry.MaxDelay);
        Assert.Equal(0, a.Retry.Jitter);
        Assert.Equal(RetryOn.ServerError | RetryOn.ClientError | RetryOn.Network, a.Retry.RetryOn);
        Assert.Equal(TimeSpan.FromMilliseconds(500), a.Timeout);
        Assert.True(a.AllowFailure);
        Assert.Equal(CompletionMode.Callback, a.Completion);
        Assert.Equal(TimeSpan.FromHours(2), a.CallbackTimeout);

        var b = d.Tasks[1];
        Assert.Equal(["a"], b.DependsOn);
        Assert.Equal("POST", b.Method);
        Assert.Equal("\"${{ tasks.a.output.items.0 }}\"", b.Body!.ToJsonString());
    }

    [Fact]
    public void Parse_NothingGiven_AppliesModelDefaults()
    {
        var result = WorkflowParser.Parse("""
            id: minimal
            tasks:
              - id: only
                url: http://localhost:5080/x
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var d = result.Definition!;
        Assert.Equal("minimal", d.Name);
        Assert.Null(d.Schedule);
        Assert.Empty(d.Params);
        Assert.False(d.FailFast);
        Assert.Null(d.Timeout);
        var task = d.Tasks[0];
        Assert.Equal("http", task.Type);
        Assert.Equal("POST", task.Method);
        Assert.Empty(task.Headers);
        Assert.Null(task.Body);
        Assert.Equal(TriggerRule.AllSuccess, task.Trigger);
        Assert.Equal(RetryPolicy.Default, task.Retry);
        Assert.Equal(TimeSpan.FromSeconds(30), task.Timeout);
        Assert.Equal(CompletionMode.Sync, task.Completion);
        Assert.Equal(TimeSpan.FromHours(1), task.CallbackTimeout);
    }

    [Fact]
    public void Parse_ScheduleShorthandMacro_ExpandsToFiveFields()
    {
        var result = WorkflowParser.Parse("""
            id: w
            schedule: "@hourly"
            tasks: [{ id: t, url: "http://localhost/x" }]
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("0 * * * *", result.Definition!.Schedule!.Cron);
        Assert.Equal(CatchupPolicy.Latest, result.Definition.Schedule.Catchup);
    }

    [Fact]
    public void Parse_Defaults_MergedFieldByFieldIntoEveryTask()
    {
        var result = WorkflowParser.Parse("""
            id: merge
            defaults:
              method: GET
              timeout: 10s
              headers:
                X-Team: data
                Accept: application/json
              retry:
                maxAttempts: 7
                backoff: fixed
                delay: 5s
                retryOn: [5xx]
            tasks:
              - id: inherits
                url: http://localhost/a
              - id: overrides
                url: http://localhost/b
                method: DELETE
                timeout: 1m
                headers:
                  accept: text/plain
                  X-Extra: "1"
                retry:
                  maxAttempts: 2
                  jitter: 0.5
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var inherits = result.Definition!.Tasks[0];
        Assert.Equal("GET", inherits.Method);
        Assert.Equal(TimeSpan.FromSeconds(10), inherits.Timeout);
        Assert.Equal("data", inherits.Headers["X-Team"]);
        Assert.Equal("application/json", inherits.Headers["Accept"]);
        Assert.Equal(new RetryPolicy { MaxAttempts = 7, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0.2, RetryOn = RetryOn.ServerError }, inherits.Retry);

        var overrides = result.Definition.Tasks[1];
        Assert.Equal("DELETE", overrides.Method);
        Assert.Equal(TimeSpan.FromMinutes(1), overrides.Timeout);
        Assert.Equal(3, overrides.Headers.Count);
        Assert.Equal("data", overrides.Headers["X-Team"]);
        Assert.Equal("text/plain", overrides.Headers["Accept"]);
        Assert.Equal("1", overrides.Headers["X-Extra"]);

        // Only the fields the task wrote override the defaults' retry fields.
        Assert.Equal(new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0.5, RetryOn = RetryOn.ServerError }, overrides.Retry);
    }

    [Fact]
    public void Parse_DelayLongerThanImplicitMaxDelay_RaisesTheCap()
    {
        var result = WorkflowParser.Parse("""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                retry: { delay: 5m }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(TimeSpan.FromMinutes(5), result.Definition!.Tasks[0].Retry.MaxDelay);
    }

    [Fact]
    public void Parse_JsonWithSameContent_GivesEqualDefinition()
    {
        var yaml = """
            id: equivalent
            schedule: { cron: "*/5 * * * *", timezone: Europe/Berlin, concurrency: replace }
            defaults:
              retry: { maxAttempts: 4, delay: 2s }
              headers: { X-Env: prod }
            params:
              size: 3
              label: "007"
              flags: [true, null, 2.5]
            tasks:
              - id: one
                url: http://localhost/one
                body: { count: 3, name: x, deep: { list: [1, "1", false] } }
              - id: two
                url: http://localhost/two/${{ params.size }}
                dependsOn: [one]
                timeout: 45
            """;
        var json = """
            {
              "id": "equivalent",
              "schedule": {"cron": "*/5 * * * *", "timezone": "Europe/Berlin", "concurrency": "replace"},
              "defaults": {"retry": {"maxAttempts": 4, "delay": "2s"}, "headers": {"X-Env": "prod"}},
              "params": {"size": 3, "label": "007", "flags": [true, null, 2.5]},
              "tasks": [
            	{"id": "one", "url": "http://localhost/one", "body": {"count": 3, "name": "x", "deep": {"list": [1, "1", false]}}},
            	{"id":"two","url":"http://localhost/two/${{ params.size }}","dependsOn":["one"],"timeout":45}
              ]
            }
            """;

        var fromYaml = WorkflowParser.Parse(yaml);
        var fromJson = WorkflowParser.Parse(json);

        Assert.True(fromYaml.IsValid, string.Join("\n", fromYaml.Errors));
        Assert.True(fromJson.IsValid, string.Join("\n", fromJson.Errors));
        Assert.Equal(JsonSerializer.Serialize(fromYaml.Definition), JsonSerializer.Serialize(fromJson.Definition));
        Assert.Equal("\"007\"", fromJson.Definition!.Params["label"]!.ToJsonString());
        Assert.Equal(TimeSpan.FromSeconds(45), fromJson.Definition.Tasks[1].Timeout);
    }

    [Fact]
    public void Parse_ByteOrderMarkAndCrLf_AreAccepted()
    {
        var result = WorkflowParser.Parse("\uFEFFid: w\r\ntasks:\r\n  - id: t\r\n    url: http://localhost/x\r\n");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("w", result.Definition!.Id);
    }

    [Theory]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("-12", "-12")]
    [InlineData("1e3", "1000")]
    [InlineData("'12'", "\"12\"")]
    [InlineData("!!str 12", "\"12\"")]
    [InlineData("True", "true")]
    [InlineData("yes", "\"yes\"")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData("~", "null")]
    public void Parse_BodyScalar_TypedByYamlCoreSchema(string yamlValue, string expectedJson)
    {
        var result = WorkflowParser.Parse($"""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                body: {"{"} v: {yamlValue} {"}"}
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(expectedJson, result.Definition!.Tasks[0].Body!["v"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Parse_AliasesInBody_AreExpanded()
    {
        var result = WorkflowParser.Parse("""
            id: w
            params:
              shared: &common { a: 1 }
            tasks:
              - id: t
                url: http://localhost/x
                body: { first: *common, second: *common }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("""{"first":{"a":1},"second":{"a":1}}""", result.Definition!.Tasks[0].Body!.ToJsonString());
    }
}
