using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public sealed class CircuitBreakerSyntaxTests
{
    [Fact]
    public void Parse_DefaultsAndTaskBreakers_TaskFieldsOverrideDefaultsFieldByField()
    {
        var result = WorkflowParser.Parse("""
            id: cb
            defaults:
              circuitBreaker: { failures: 3, window: 30s, openFor: 10s }
            tasks:
              - id: inherits
                url: http://localhost/a
              - id: overrides
                url: http://localhost/b
                circuitBreaker:
                  openFor: 2m
              - id: pause
                type: wait
                duration: 1s
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var tasks = result.Definition!.Tasks;
        Assert.Equal(new CircuitBreakerPolicy { Failures = 3, Window = TimeSpan.FromSeconds(30), OpenFor = TimeSpan.FromSeconds(10) }, tasks[0].CircuitBreaker);
        Assert.Equal(new CircuitBreakerPolicy { Failures = 3, Window = TimeSpan.FromSeconds(30), OpenFor = TimeSpan.FromMinutes(2) }, tasks[1].CircuitBreaker);
        Assert.Null(tasks[2].CircuitBreaker);
    }

    [Fact]
    public void Parse_TaskBreakerWithoutFields_TakesTheDocumentedDefaults()
    {
        var result = WorkflowParser.Parse("""
            id: cb
            tasks:
              - id: a
                url: http://localhost/a
                circuitBreaker: { failures: 2 }
              - id: b
                url: http://localhost/b
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(CircuitBreakerPolicy.Default with { Failures = 2 }, result.Definition!.Tasks[0].CircuitBreaker);
        Assert.Equal((5, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30)), (CircuitBreakerPolicy.Default.Failures, CircuitBreakerPolicy.Default.Window, CircuitBreakerPolicy.Default.OpenFor));
        Assert.Null(result.Definition.Tasks[1].CircuitBreaker);
    }

    [Fact]
    public void Parse_BadBreakerFields_EveryErrorWithLineAndColumn()
    {
        var result = WorkflowParser.Parse("""
            id: cb
            defaults:
              circuitBreaker: open
            tasks:
              - id: a
                url: http://localhost/a
                circuitBreaker:
                  failures: 0
                  window: 500ms
                  openFor: forever
                  halfOpen: 1
            """);

        Assert.False(result.IsValid);
        Assert.Equal(
            [
                (3, 19, "defaults.circuitBreaker"),
                (8, 17, "tasks[0].circuitBreaker.failures"),
                (9, 15, "tasks[0].circuitBreaker.window"),
                (10, 16, "tasks[0].circuitBreaker.openFor"),
                (11, 7, "tasks[0].circuitBreaker.halfOpen"),
            ],
            result.Errors.Select(e => (e.Line, e.Column, e.Path)).OrderBy(e => e.Line));
        Assert.Contains(result.Errors, e => e.Message.Contains("'failures' must be from 1 to 100, not 0", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Message.Contains("'window' must be from 1s", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_BreakerOnAWaitTask_IsRefusedAsHttpOnly()
    {
        var result = WorkflowParser.Parse("""
            id: cb
            tasks:
              - id: pause
                type: wait
                duration: 1s
                circuitBreaker: { failures: 2 }
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal((6, 21), (error.Line, error.Column));
    }
}
