using Loom.Core.Engine;
using Loom.Core.Statistics;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Statistics;

public sealed class RunStatsBucketTests
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FromState_RunWithARetryAndAFailure_TakesStatusDurationRetriesAndTasks()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) }, Task("b", "a"));
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, Err("a", 1, at: 1)).State;
        state = RunStateMachine.Apply(wf, state, new TimerFired(TimerPurpose.Retry, "a", 1, At(2))).State;
        state = RunStateMachine.Apply(wf, state, Ok("a", 2, at: 3)).State;
        state = RunStateMachine.Apply(wf, state, Err("b", 1, at: 5)).State;

        var sample = RunSample.From(state)!;
        Assert.Equal(RunStatus.Failed, sample.Status);
        Assert.Equal(5000, sample.DurationMs);
        Assert.Equal(1, sample.Retries);
        Assert.Equal(["a", "b"], sample.Tasks.Select(t => t.TaskId));
        Assert.Equal(3000, sample.Tasks[0].DurationMs);
        Assert.True(sample.Tasks[1].Failed);
        Assert.Equal(1, sample.Tasks[0].Retries);
    }

    [Fact]
    public void Merge_OfHourBuckets_AddsCountsAndTaskHistograms()
    {
        var first = new RunStatsBucket("wf", Hour);
        var second = new RunStatsBucket("wf", Hour.AddHours(1));
        first.TryAdd(new RunSample("r1", "wf", RunStatus.Succeeded, Hour, 100, 0, [new TaskSample("a", false, 0, 90)]));
        second.TryAdd(new RunSample("r2", "wf", RunStatus.Failed, Hour.AddHours(1), 400, 2, [new TaskSample("a", true, 2, 390), new TaskSample("b", false, 0, 5)]));

        var total = new RunStatsBucket("wf", Hour);
        total.Merge(first);
        total.Merge(second);
        Assert.Equal((2L, 1L, 1L, 2L, 1L), (total.Runs, total.Succeeded, total.Failed, total.Retries, total.RetriedRuns));
        Assert.Equal(2, total.Tasks["a"].Count);
        Assert.Equal(1, total.Tasks["a"].Failed);
        Assert.Equal(2, total.Durations.Count);
        Assert.Equal(1, total.Tasks["b"].Durations.Count);
    }

    [Fact]
    public void ToJson_RoundTrips_IncludingWhichRunsItCounted()
    {
        var bucket = new RunStatsBucket("wf", Hour.AddMinutes(30));
        Assert.Equal(Hour, bucket.Hour);
        bucket.TryAdd(new RunSample("r1", "wf", RunStatus.Cancelled, Hour, 10, 0, []));
        var copy = RunStatsBucket.FromJson("wf", Hour, bucket.ToJson());
        Assert.Equal(bucket.ToJson(), copy.ToJson());
        Assert.False(copy.TryAdd(new RunSample("r1", "wf", RunStatus.Cancelled, Hour, 10, 0, [])));
        // A redriven run's later end is another end to count.
        Assert.True(copy.TryAdd(new RunSample("r1", "wf", RunStatus.Succeeded, Hour, 10, 0, [], Redrives: 1)));
        Assert.Equal(0, RunStatsBucket.FromJson("wf", Hour, "{not json").Runs);
    }

    [Fact]
    public void TryAdd_BeyondTheRememberedRuns_ForgetsTheOldestOnly()
    {
        var bucket = new RunStatsBucket("wf", Hour);
        for (var i = 0; i <= RunStatsBucket.MaxRecent; i++) Assert.True(bucket.TryAdd(new RunSample($"r{i}", "wf", RunStatus.Succeeded, Hour, 1, 0, [])));
        Assert.False(bucket.TryAdd(new RunSample($"r{RunStatsBucket.MaxRecent}", "wf", RunStatus.Succeeded, Hour, 1, 0, [])));
        Assert.True(bucket.TryAdd(new RunSample("r0", "wf", RunStatus.Succeeded, Hour, 1, 0, [])));
    }

    [Theory]
    [InlineData(null, "2026-11-28T10:00:00Z")]
    [InlineData("2026-12-05T08:59:59Z", "2026-12-05T08:00:00Z")]
    public void StatsWindow_Resolve_RoundsToTheHour(string? since, string from)
    {
        var now = new DateTimeOffset(2026, 12, 5, 10, 17, 0, TimeSpan.Zero);
        var window = StatsWindow.Resolve(since, now, out var problem)!;
        Assert.Null(problem);
        Assert.Equal(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture), window.From);
        Assert.Equal(Hour, window.To);
        Assert.True(window.Hours <= StatsWindow.MaxBuckets);
    }

    [Theory]
    [InlineData("yesterday", "not an ISO-8601")]
    [InlineData("2026-12-06T00:00:00Z", "future")]
    [InlineData("2026-10-01T00:00:00Z", "31 days")]
    public void StatsWindow_Resolve_RefusesWithTheReason(string since, string reason)
    {
        Assert.Null(StatsWindow.Resolve(since, new DateTimeOffset(2026, 12, 5, 10, 17, 0, TimeSpan.Zero), out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }
}
