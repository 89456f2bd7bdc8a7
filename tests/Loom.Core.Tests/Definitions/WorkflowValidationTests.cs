using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class WorkflowValidationTests
{
    [Fact]
    public void Parse_MalformedYaml_ReportsYamlDotNetPosition()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: t
                url: 'unclosed
            """, 4, 10, "malformed YAML: While scanning a quoted scalar, found unexpected end of stream");
    }

    [Fact]
    public void Parse_UnclosedFlowSequence_ReportsPositionInsteadOfThrowing()
    {
        AssertSingleError("""
            id: w
            tags: [a, b
            tasks: []
            """, 2, 9, "malformed YAML");
    }

    [Fact]
    public void Parse_RootIsAList_ReportsNotAMapping()
    {
        AssertSingleError("""
            - id: w
            - tasks: []
            """, 1, 1, "a workflow must be a mapping with 'id' and 'tasks', not a list");
    }

    [Fact]
    public void Parse_EmptySource_ReportsEmpty()
    {
        AssertSingleError("  \n# only a comment\n", 0, 0, "the source is empty");
    }

    [Fact]
    public void Parse_TwoDocuments_ReportsTheSecond()
    {
        AssertSingleError("""
            id: w
            tasks: [{ id: t, url: "http://localhost/x" }]
            ---
            id: v
            """, 4, 1, "expected one YAML document, found 2");
    }

    [Fact]
    public void Parse_UnknownField_SuggestsClosestName()
    {
        var error = AssertSingleError("""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                retires: 3
            """, 5, 5, "unknown field 'retires'; did you mean 'retry'?");
        Assert.Equal("tasks[0].retires", error.Path);
    }

    [Fact]
    public void Parse_UnknownFieldFarFromAnyName_ListsKnownFields()
    {
        AssertSingleError("""
            id: w
            colour: blue
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 2, 1, "unknown field 'colour' in workflow; known fields: id, name, description");
    }

    [Fact]
    public void Parse_UnknownRetryField_SuggestsWithinRetry()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                retry:
                  max_attempts: 3
            """, 6, 7, "unknown field 'max_attempts'; did you mean 'maxAttempts'?");
    }

    [Fact]
    public void Parse_WrongType_NamesExpectedAndActual()
    {
        AssertSingleError("""
            id: w
            failFast: maybe
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 2, 11, "'failFast' must be true or false, not the text 'maybe'");
    }

    [Fact]
    public void Parse_TasksNotAList_ReportsWrongType()
    {
        AssertSingleError("""
            id: w
            tasks:
              t: { url: "http://localhost/x" }
            """, 3, 3, "'tasks' must be a list of tasks, not a mapping");
    }

    [Fact]
    public void Parse_MissingId_PointsAtTheRoot()
    {
        AssertSingleError("""
            name: no id
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 1, 1, "missing required field 'id'");
    }

    [Fact]
    public void Parse_MissingTasks_PointsAtTheRoot()
    {
        AssertSingleError("""
            id: w
            name: nothing to do
            """, 1, 1, "missing required field 'tasks'");
    }

    [Fact]
    public void Parse_EmptyTasks_PointsAtTheList()
    {
        AssertSingleError("""
            id: w
            tasks: []
            """, 2, 8, "'tasks' must list at least one task");
    }

    [Fact]
    public void Parse_TaskWithoutUrl_PointsAtTheTask()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
              - id: b
                method: GET
            """, 5, 5, "task 'b' is missing required field 'url'");
    }

    [Fact]
    public void Parse_TaskWithoutId_PointsAtTheTask()
    {
        AssertSingleError("""
            id: w
            tasks:
              - url: http://localhost/a
            """, 3, 5, "task 1 is missing required field 'id'");
    }

    [Fact]
    public void Parse_DuplicateTaskId_PointsAtTheSecond()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
              - id: a
                url: http://localhost/b
            """, 5, 9, "duplicate task id 'a' (first declared at line 3)");
    }

    [Fact]
    public void Parse_DuplicateMappingKey_ReportedAndReadingGoesOn()
    {
        var result = WorkflowParser.Parse("""
            id: w
            id: v
            tasks:
              - id: t
                url: ftp://localhost/x
            """);

        Assert.Equal([(2, 1, "duplicate key 'id'"), (5, 10, "invalid URL 'ftp://localhost/x': use an absolute http:// or https:// URL")],
            result.Errors.Select(e => (e.Line, e.Column, e.Message)));
    }

    [Fact]
    public void Parse_UnknownDependency_SuggestsTaskId()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: fetch_data
                url: http://localhost/a
              - id: process
                url: http://localhost/b
                dependsOn: [fetch_dat]
            """, 7, 17, "unknown dependency 'fetch_dat'; did you mean 'fetch_data'?");
    }

    [Fact]
    public void Parse_SelfDependency_Reported()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
                dependsOn:
                  - a
            """, 6, 9, "task 'a' depends on itself");
    }

    [Fact]
    public void Parse_Cycle_NamesTheTasksOnIt()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
                dependsOn: [c]
              - id: b
                url: http://localhost/b
                dependsOn: [a]
              - id: c
                url: http://localhost/c
                dependsOn: [b]
              - id: d
                url: http://localhost/d
                dependsOn: [c]
            """, 5, 17, "cycle: a -> b -> c -> a");
    }

    [Fact]
    public void Parse_TwoSeparateCycles_ReportsBoth()
    {
        var result = WorkflowParser.Parse("""
            id: w
            tasks:
              - { id: a, url: "http://localhost/a", dependsOn: b }
              - { id: b, url: "http://localhost/b", dependsOn: a }
              - { id: c, url: "http://localhost/c", dependsOn: d }
              - { id: d, url: "http://localhost/d", dependsOn: c }
            """);

        Assert.Equal(["cycle: a -> b -> a", "cycle: c -> d -> c"], result.Errors.Select(e => e.Message));
        Assert.Equal([(3, 52), (5, 52)], result.Errors.Select(e => (e.Line, e.Column)));
    }

    [Theory]
    [InlineData("\"0 3 * *\"", "has 4 fields; expected 5")]
    [InlineData("\"61 * * * *\"", "invalid cron expression '61 * * * *'")]
    [InlineData("\"@sometimes\"", "unknown cron macro '@sometimes'")]
    public void Parse_BadCron_Reported(string cron, string message)
    {
        AssertSingleError($"""
            id: w
            schedule: {cron}
            tasks: [{"{"} id: t, url: "http://localhost/x" {"}"}]
            """, 2, 11, message);
    }

    [Fact]
    public void Parse_BadCronInScheduleMapping_PointsAtCron()
    {
        AssertSingleError("""
            id: w
            schedule:
              cron: "* * * * * * *"
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 3, 9, "has 7 fields");
    }

    [Fact]
    public void Parse_UnknownTimezone_Reported()
    {
        AssertSingleError("""
            id: w
            schedule:
              cron: "0 3 * * *"
              timezone: Mars/Olympus_Mons
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 4, 13, "unknown time zone 'Mars/Olympus_Mons'");
    }

    [Fact]
    public void Parse_MisspeltTimezone_SuggestsIanaName()
    {
        AssertSingleError("""
            id: w
            schedule: { cron: "0 3 * * *", timezone: Europe/Pariss }
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 2, 42, "unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'?");
    }

    [Fact]
    public void Parse_HostLocalTimezone_Refused()
    {
        AssertSingleError("""
            id: w
            schedule: { cron: "0 3 * * *", timezone: localtime }
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 2, 42, "time zone 'localtime' depends on the machine Loom runs on");
    }

    [Fact]
    public void Parse_ScheduleEndBeforeStart_Reported()
    {
        AssertSingleError("""
            id: w
            schedule:
              cron: "0 3 * * *"
              start: 2026-02-01
              end: 2026-01-01
            tasks: [{ id: t, url: "http://localhost/x" }]
            """, 5, 8, "'end' must be later than 'start'");
    }

    [Theory]
    [InlineData("ftp://example.com/x", "use an absolute http:// or https:// URL")]
    [InlineData("/api/tasks/x", "use an absolute http:// or https:// URL")]
    [InlineData("http://user:pw@example.com/x", "must not hold credentials")]
    [InlineData("http://localhost:${{ params.port }}x/y", "the whole host or port")]
    [InlineData("http://${{ params.port }}.example.com/y", "the whole host or port")]
    [InlineData("http://${{ params.port }}@example.com/y", "the whole host or port")]
    [InlineData("http://u:${{ secrets.PW }}@example.com/y", "the whole host or port")]
    [InlineData("http://${{ secrets.HOST }}/y", "must be a parameter")]
    [InlineData("http://example.com:${{ run.id }}/y", "must be a parameter")]
    public void Parse_BadUrl_Reported(string url, string message)
    {
        AssertSingleError($"""
            id: w
            params: {"{"} port: 80 {"}"}
            tasks:
              - id: t
                url: {url}
            """, 5, 10, message);
    }

    [Theory]
    [InlineData("${{ params.base }}/api/x")]
    [InlineData("http://${{ params.host }}:8080/api/x")]
    [InlineData("https://localhost:${{ params.port }}/api/${{ run.id }}?at=${{ run.scheduledAt }}")]
    public void Parse_UrlWithTemplates_CheckedAroundTheExpressions(string url)
    {
        var result = WorkflowParser.Parse($"""
            id: w
            params: {"{"} base: "http://localhost", host: localhost, port: 80 {"}"}
            tasks:
              - id: t
                url: "{url}"
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Theory]
    [InlineData("timeout: 5 minutes", 5, 14, "invalid duration '5 minutes' for 'timeout'")]
    [InlineData("timeout: 30m1h", 5, 14, "invalid duration '30m1h'")]
    [InlineData("timeout: 0s", 5, 14, "'timeout' must be from 1ms to 1d, not 0s")]
    [InlineData("callbackTimeout: P1M", 5, 22, "invalid duration 'P1M'")]
    public void Parse_BadDuration_Reported(string line, int row, int column, string message)
    {
        AssertSingleError($"""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                {line}
                completion: callback
            """, row, column, message);
    }

    [Theory]
    [InlineData("maxAttempts: 0", 6, 20, "'maxAttempts' must be from 1 to 100, not 0")]
    [InlineData("maxAttempts: 101", 6, 20, "'maxAttempts' must be from 1 to 100, not 101")]
    [InlineData("maxAttempts: many", 6, 20, "'maxAttempts' must be an integer from 1 to 100, not the text 'many'")]
    [InlineData("jitter: 1.5", 6, 15, "'jitter' must be from 0 to 1, not 1.5")]
    [InlineData("jitter: -0.1", 6, 15, "'jitter' must be from 0 to 1, not -0.1")]
    [InlineData("delay: 2d", 6, 14, "'delay' must be from 0s to 1d, not 2d")]
    [InlineData("backoff: expo", 6, 16, "invalid value 'expo' for 'backoff'; did you mean 'exponential'? allowed: fixed, linear, exponential")]
    [InlineData("retryOn: [5xx, 418]", 6, 22, "invalid value '418' for 'retryOn'; did you mean '408'? allowed: 5xx, 429, 408, 4xx, timeout, network")]
    [InlineData("retryOn: 5xx", 6, 16, "'retryOn' must be a list of 5xx, 429, 408, 4xx, timeout, network, not the text '5xx'")]
    public void Parse_RetryOutOfRange_Reported(string field, int row, int column, string message)
    {
        AssertSingleError($"""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                retry:
                  {field}
            """, row, column, message);
    }

    [Fact]
    public void Parse_DelayLongerThanMaxDelay_PointsAtMaxDelay()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                retry:
                  delay: 2m
                  maxDelay: 30s
            """, 7, 17, "'maxDelay' (30s) must not be shorter than 'delay' (2m)");
    }

    [Fact]
    public void Parse_TaskDelayLongerThanDefaultsMaxDelay_ReportedOnTheTask()
    {
        AssertSingleError("""
            id: w
            defaults:
              retry: { maxDelay: 10s }
            tasks:
              - id: t
                url: http://localhost/x
                retry: { delay: 1m }
            """, 7, 21, "retry 'delay' (1m) is longer than 'maxDelay' (10s) once defaults are applied");
    }

    [Theory]
    [InlineData("trigger: always", 5, 14, "invalid value 'always' for 'trigger'; allowed: all_success, all_done, all_failed, one_success, one_failed, none_failed")]
    [InlineData("completion: async", 5, 17, "invalid value 'async' for 'completion'; did you mean 'sync'? allowed: sync, callback")]
    [InlineData("method: FETCH", 5, 13, "unknown HTTP method 'FETCH'; allowed: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS")]
    [InlineData("type: grpc", 5, 11, "unknown task type 'grpc'; allowed: http")]
    [InlineData("allowFailure: 1", 5, 19, "'allowFailure' must be true or false, not the value 1")]
    [InlineData("callbackTimeout: 5m", 5, 5 + 17, "'callbackTimeout' applies only to tasks with 'completion: callback'")]
    [InlineData("headers: { X-Loom-Run-Id: x }", 5, 16, "header 'X-Loom-Run-Id' is set by Loom")]
    [InlineData("headers: [a]", 5, 14, "'headers' must be a mapping of header names to values, not a list")]
    public void Parse_BadTaskValue_Reported(string field, int row, int column, string message)
    {
        AssertSingleError($"""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                {field}
            """, row, column, message);
    }

    [Theory]
    [InlineData("catchup: sometimes", 4, 12, "invalid value 'sometimes' for 'catchup'; allowed: none, latest, all")]
    [InlineData("concurrency: queue", 4, 16, "invalid value 'queue' for 'concurrency'; allowed: allow, forbid, replace")]
    [InlineData("maxCatchup: 0", 4, 15, "'maxCatchup' must be from 1 to 1000, not 0")]
    [InlineData("start: yesterday", 4, 10, "'start' must be an ISO-8601 date or time")]
    public void Parse_BadScheduleValue_Reported(string field, int row, int column, string message)
    {
        AssertSingleError($"""
            id: w
            schedule:
              cron: "0 3 * * *"
              {field}
            tasks: [{"{"} id: t, url: "http://localhost/x" {"}"}]
            """, row, column, message);
    }

    [Theory]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    public void Parse_BadWorkflowId_Reported(string id)
    {
        AssertSingleError($"""
            id: "{id}"
            tasks: [{"{"} id: t, url: "http://localhost/x" {"}"}]
            """, 1, 5, $"invalid workflow id '{id}'");
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a.b")]
    [InlineData("with space")]
    public void Parse_BadTaskId_Reported(string id)
    {
        AssertSingleError($"""
            id: w
            tasks:
              - id: "{id}"
                url: http://localhost/x
            """, 3, 9, $"invalid task id '{id}'");
    }

    [Fact]
    public void Parse_TemplateToTaskNotUpstream_PointsAtTheExpression()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
              - id: b
                url: http://localhost/b/${{ tasks.a.output.x }}
            """, 6, 29, "template refers to task 'a', which is not upstream of 'b'; add 'a' to its dependsOn");
    }

    [Fact]
    public void Parse_TemplateToTransitiveUpstream_IsValid()
    {
        var result = WorkflowParser.Parse("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
              - id: b
                url: http://localhost/b
                dependsOn: [a]
              - id: c
                url: http://localhost/c
                dependsOn: [b]
                body: { fromA: "${{ tasks.a.output.rows.0.id }}", fromB: "${{tasks.b.output}}" }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Parse_TemplateToDownstreamTask_Reported()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
                body:
                  x: "pre ${{ tasks.b.output }}"
              - id: b
                url: http://localhost/b
                dependsOn: [a]
            """, 6, 15, "template refers to task 'b', which is not upstream of 'a'");
    }

    [Fact]
    public void Parse_TemplateToUnknownTask_Reported()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: extract
                url: http://localhost/a
              - id: load
                url: http://localhost/b
                dependsOn: [extract]
                headers:
                  X-Rows: "${{ tasks.extrct.output.count }}"
            """, 9, 16, "template refers to unknown task 'extrct'; did you mean 'extract'?");
    }

    [Fact]
    public void Parse_TemplateToUndeclaredParam_Reported()
    {
        AssertSingleError("""
            id: w
            params: { region: eu }
            tasks:
              - id: t
                url: http://localhost/a?r=${{ params.region }}&l=${{ params.limit }}
            """, 5, 54, "template refers to undeclared parameter 'limit'; declare it under 'params'");
    }

    [Fact]
    public void Parse_TemplateWithUnknownRoot_Reported()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: t
                url: http://localhost/a
                body: "${{ env.HOME }}"
            """, 5, 12, "invalid template '${{ env.HOME }}': unknown template root 'env'; allowed: params, run, tasks, secrets");
    }

    [Theory]
    [InlineData("${{ params.a + 1 }}", "is not a dotted path")]
    [InlineData("${{ run.started }}", "unknown run field 'started'")]
    [InlineData("${{ tasks.a.result }}", "refer to a task's output as tasks.ID.output")]
    [InlineData("${{ secrets }}", "name the secret: secrets.NAME")]
    [InlineData("${{ params.a ", "'${{' is not closed with '}}'")]
    public void Parse_MalformedTemplate_Reported(string template, string message)
    {
        AssertSingleError($"""
            id: w
            params: {"{"} a: 1 {"}"}
            tasks:
              - id: a
                url: http://localhost/a
                headers:
                  X-Value: "{template}"
            """, 7, 17, message);
    }

    [Fact]
    public void Parse_TaskTemplateInDefaults_Reported()
    {
        AssertSingleError("""
            id: w
            defaults:
              headers:
                X-Upstream: "${{ tasks.a.output }}"
            tasks:
              - id: a
                url: http://localhost/a
            """, 4, 18, "defaults cannot refer to task outputs");
    }

    [Fact]
    public void Parse_SourceOverLimit_OneErrorNoParse()
    {
        var source = "id: w\n# " + new string('x', WorkflowParser.MaxSourceBytes) + "\nthis is: [not even: valid";

        var result = WorkflowParser.Parse(source);

        var error = Assert.Single(result.Errors);
        Assert.Equal((0, 0), (error.Line, error.Column));
        Assert.Contains("the limit is 1048576 bytes (1 MiB)", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Definition);
    }

    [Fact]
    public void Parse_FiveDistinctErrors_AllReportedInDocumentOrder()
    {
        var result = WorkflowParser.Parse("""
            id: "bad id"
            schedule: "0 25 * * *"
            tasks:
              - id: a
                url: http://localhost/a
                timeout: forever
              - id: b
                url: http://localhost/b
                dependsOn: [zzz]
                retry: { jitter: 2 }
            """);

        Assert.False(result.IsValid);
        Assert.Null(result.Definition);
        Assert.Equal(
            [(1, 5), (2, 11), (6, 14), (9, 17), (10, 22)],
            result.Errors.Select(e => (e.Line, e.Column)));
        Assert.Collection(
            result.Errors,
            e => Assert.StartsWith("invalid workflow id", e.Message, StringComparison.Ordinal),
            e => Assert.StartsWith("invalid cron expression", e.Message, StringComparison.Ordinal),
            e => Assert.StartsWith("invalid duration 'forever'", e.Message, StringComparison.Ordinal),
            e => Assert.StartsWith("unknown dependency 'zzz'", e.Message, StringComparison.Ordinal),
            e => Assert.StartsWith("'jitter' must be from 0 to 1", e.Message, StringComparison.Ordinal));
        Assert.Equal("tasks[1].retry.jitter", result.Errors[4].Path);
    }

    [Fact]
    public void Parse_CrLfAndByteOrderMark_PositionsStillExact()
    {
        var source = "\uFEFFid: w\r\ntasks:\r\n  - id: t\r\n    url: http://localhost/x\r\n    body: |\r\n      first line\r\n      second ${{ params.nope }}\r\n";

        var error = Assert.Single(WorkflowParser.Parse(source).Errors);

        Assert.Equal((7, 14), (error.Line, error.Column));
        Assert.Equal("tasks[0].body", error.Path);
    }

    [Fact]
    public void Parse_TemplateInFoldedScalar_PointsAtTheExpression()
    {
        AssertSingleError("""
            id: w
            tasks:
              - id: t
                url: http://localhost/x
                headers:
                  X-Long: >-
                    one two
                    three ${{ run.nope }}
            """, 8, 15, "unknown run field 'nope'");
    }

    private static ValidationError AssertSingleError(string source, int line, int column, string message)
    {
        var result = WorkflowParser.Parse(source);
        Assert.False(result.IsValid);
        Assert.Null(result.Definition);
        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
        return error;
    }
}
