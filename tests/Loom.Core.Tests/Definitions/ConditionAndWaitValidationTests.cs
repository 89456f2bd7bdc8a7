using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class ConditionAndWaitValidationTests
{
    [Fact]
    public void Parse_WhenAndWaitTasks_BuildsDefinition()
    {
        var result = WorkflowParser.Parse("""
            id: w
            params: { env: prod, limit: 10 }
            tasks:
              - id: check
                url: http://localhost/check
              - id: pause
                type: wait
                duration: 5m
                dependsOn: [check]
              - id: until
                type: wait
                until: "${{ tasks.check.output.resumeAt }}"
                dependsOn: [check]
              - id: deploy
                url: http://localhost/deploy
                dependsOn: [pause, until]
                when: "params.env == 'prod' and tasks.check.output.rows < params.limit"
            """);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.ToString())));
        var tasks = result.Definition!.Tasks;
        Assert.Equal((TaskTypes.Wait, TimeSpan.FromMinutes(5)), (tasks[1].Type, tasks[1].WaitDuration!.Value));
        Assert.Equal("${{ tasks.check.output.resumeAt }}", tasks[2].WaitUntil);
        Assert.StartsWith("params.env", tasks[3].When, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("when: params.env = 'x'", 5, 22, "invalid condition: unexpected '= 'x''")]
    [InlineData("when: \"params.nope == 1\"", 5, 12, "undeclared parameter 'nope'")]
    [InlineData("when: tasks.b.output.x == 1", 5, 11, "not upstream of 'a'")]
    [InlineData("when: tasks.zz.status == 'failed'", 5, 11, "unknown task 'zz'")]
    [InlineData("when: params.env > 3", 5, 22, "compares a string with a number")]
    [InlineData("when: \"tasks.b.status == 'ok'\"", 5, 27, "never 'ok'")]
    public void Parse_BadCondition_ReportsLineAndColumn(string field, int line, int column, string message)
    {
        var source = $"""
            id: w
            params: {"{"} env: prod {"}"}
            tasks:
              - id: a
                {field}
                url: http://localhost/a
              - id: b
                url: http://localhost/b
            """;
        var result = WorkflowParser.Parse(source);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("duration: 5m\n    url: http://localhost/x", "'url' does not apply to a wait task")]
    [InlineData("retry: { maxAttempts: 2 }\n    duration: 5m", "'retry' does not apply to a wait task")]
    [InlineData("duration: 5m\n    until: 2026-01-01T00:00:00Z", "either 'duration' or 'until'")]
    [InlineData("until: tomorrow", "ISO-8601 instant")]
    [InlineData("until: 2026-01-01T00:00:00", "ISO-8601 instant")]
    [InlineData("until: \"${{ secrets.KEY }}\"", "cannot use secrets")]
    [InlineData("until: \"${{ tasks.nope.output.x }}\"", "unknown task 'nope'")]
    [InlineData("duration: soon", "invalid duration")]
    [InlineData("dependsOn: []", "needs 'duration'")]
    public void Parse_BadWaitTask_ReportsIt(string fields, string message)
    {
        var result = WorkflowParser.Parse($"""
            id: w
            tasks:
              - id: w1
                type: wait
                {fields}
            """);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal) && e.Line > 0);
    }

    [Fact]
    public void Parse_DurationOnHttpTask_ReportsIt()
    {
        var result = WorkflowParser.Parse("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
                duration: 5m
            """);
        var error = Assert.Single(result.Errors);
        Assert.Equal((5, 15), (error.Line, error.Column));
        Assert.Contains("only to tasks with 'type: wait'", error.Message, StringComparison.Ordinal);
    }
}
