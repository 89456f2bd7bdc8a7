using Loom.Core.Api;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Tests.Api;

/// <summary>Attempts that were retried say so; workflows mangled by how they were sent are refused with what to do.</summary>
public sealed class ApiViewsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static AttemptRecord A(int attempt, double startMs, double durationMs, string outcome) => new()
    {
        RunId = "r",
        TaskId = "a",
        Attempt = attempt,
        StartedAt = T0.AddMilliseconds(startMs),
        Duration = TimeSpan.FromMilliseconds(durationMs),
        Outcome = outcome,
    };

    [Fact]
    public void Attempts_FailedThenRetried_CarryTheRetryStartAndDelay()
    {
        var items = RunViews.Attempts([A(2, 1400, 50, "succeeded"), A(1, 0, 100, "failed")], new TaskState { Status = TaskRunStatus.Succeeded, Attempt = 2 });

        Assert.Equal(1, items[0].Attempt);
        Assert.Equal(1300, items[0].RetryDelayMs);
        Assert.Equal(T0.AddMilliseconds(1400), items[0].RetryAt);
        Assert.Null(items[1].RetryDelayMs);
    }

    [Fact]
    public void Attempts_FailedForGood_IsNotMarkedRetried()
    {
        var items = RunViews.Attempts([A(1, 0, 100, "failed")], new TaskState { Status = TaskRunStatus.Failed, Attempt = 1 });

        Assert.Null(items[0].RetryDelayMs);
    }

    [Fact]
    public void Attempts_RetryDueButNotStarted_UsesTheDueTime()
    {
        var task = new TaskState { Status = TaskRunStatus.Retrying, Attempt = 1, DueAt = T0.AddSeconds(2) };

        var items = RunViews.Attempts([A(1, 0, 500, "timeout")], task);

        Assert.Equal(1500, items[0].RetryDelayMs);
    }

    [Fact]
    public void Attempts_RetryRunningWithoutItsRow_UsesItsStartEvent()
    {
        var task = new TaskState { Status = TaskRunStatus.Running, Attempt = 2 };
        var attempts = new[] { A(1, 0, 100, "failed") };
        var started = new RunEventRecord("r", "1000000", 1000000, T0.AddMilliseconds(400), RunLogTypes.TaskStarted, "a", """{"Attempt":2,"Message":"attempt 2 of 3"}""");

        Assert.True(RunViews.NeedsEvents(attempts, task));
        var items = RunViews.Attempts(attempts, task, [started]);

        Assert.Equal(300, items[0].RetryDelayMs);
    }

    private const string Seed = "# the seed\nid: daily-report\ntasks:\n  - id: a\n    url: http://x/a\n";

    [Theory]
    [InlineData("application/json", Seed, 415)]
    [InlineData("application/json; charset=utf-8", "id: x\ntasks: []\n", 415)]
    [InlineData("application/json", "{\"id\":\"x\"}", null)]
    [InlineData("application/json", "  \n [1]", null)]
    [InlineData("application/x-www-form-urlencoded", "# the seedid: daily-reporttasks:  - id: a", 400)]
    [InlineData("application/x-www-form-urlencoded", Seed, null)]
    [InlineData("application/x-www-form-urlencoded", "{\"id\":\"x\"}", null)]
    [InlineData("multipart/form-data; boundary=b", "--b", 415)]
    [InlineData("application/yaml", Seed, null)]
    [InlineData(null, Seed, null)]
    public void Upload_HowTheWorkflowWasSent_ProblemOnlyWhenItWasMangled(string? contentType, string body, int? status)
    {
        var problem = WorkflowUpload.Check(contentType, body);

        Assert.Equal(status, problem?.Status);
        if (problem is not null) Assert.Contains(WorkflowUpload.WorkingCurl, problem.Body!["detail"]!.GetValue<string>());
    }
}
