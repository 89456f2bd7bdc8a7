using System.Globalization;
using Loom.Core.Definitions;
using Loom.Core.Scheduling;

namespace Loom.Core.Tests.Scheduling;

public sealed class SchedulePlannerTests
{
    private static readonly CronSchedule Hourly = CronSchedule.Parse("0 * * * *", "UTC");
    private static readonly CronSchedule EverySecond = CronSchedule.Parse("* * * * * *", "UTC");
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    [Fact]
    public void DueOccurrences_Latest_OnlyNewestOfWindow()
    {
        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.Latest), Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Equal([Utc("14:00")], due);
    }

    [Fact]
    public void DueOccurrences_All_EveryMissedOccurrence()
    {
        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.All), Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Equal([Utc("11:00"), Utc("12:00"), Utc("13:00"), Utc("14:00")], due);
    }

    [Fact]
    public void DueOccurrences_AllBeyondMaxCatchup_KeepsNewest()
    {
        var spec = Spec(CatchupPolicy.All) with { MaxCatchup = 2 };

        var due = SchedulePlanner.DueOccurrences(spec, Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Equal([Utc("13:00"), Utc("14:00")], due);
    }

    [Fact]
    public void DueOccurrences_NoneAfterOutage_DropsMissedOccurrences()
    {
        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.None), Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Empty(due);
    }

    [Fact]
    public void DueOccurrences_NoneWithinGrace_StartsOccurrence()
    {
        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.None), Hourly, Utc("10:30"), Utc("14:00:45"), Grace);

        Assert.Equal([Utc("14:00")], due);
    }

    [Fact]
    public void DueOccurrences_NoneExactlyGraceOld_StillStarts()
    {
        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.None), Hourly, Utc("13:59:30"), Utc("14:01"), Grace);

        Assert.Equal([Utc("14:00")], due);
    }

    [Theory]
    [InlineData(CatchupPolicy.None)]
    [InlineData(CatchupPolicy.Latest)]
    [InlineData(CatchupPolicy.All)]
    public void DueOccurrences_OrdinaryTick_SameForEveryPolicy(CatchupPolicy policy)
    {
        var due = SchedulePlanner.DueOccurrences(Spec(policy), Hourly, Utc("13:59:30"), Utc("14:00:20"), Grace);

        Assert.Equal([Utc("14:00")], due);
    }

    [Fact]
    public void DueOccurrences_TickRunTwice_SecondTickFindsNothing()
    {
        var first = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.All), Hourly, Utc("13:59:30"), Utc("14:00:20"), Grace);
        var second = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.All), Hourly, Utc("14:00:20"), Utc("14:00:50"), Grace);

        Assert.Single(first);
        Assert.Empty(second);
    }

    [Fact]
    public void DueOccurrences_Start_IsInclusiveLowerBound()
    {
        var spec = Spec(CatchupPolicy.All) with { Start = Utc("12:00") };

        var due = SchedulePlanner.DueOccurrences(spec, Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Equal([Utc("12:00"), Utc("13:00"), Utc("14:00")], due);
    }

    [Fact]
    public void DueOccurrences_StartInFuture_Nothing()
    {
        var spec = Spec(CatchupPolicy.All) with { Start = Utc("15:00") };

        Assert.Empty(SchedulePlanner.DueOccurrences(spec, Hourly, Utc("10:30"), Utc("14:10"), Grace));
    }

    [Fact]
    public void DueOccurrences_End_IsInclusiveUpperBound()
    {
        var spec = Spec(CatchupPolicy.All) with { End = Utc("12:00") };

        var due = SchedulePlanner.DueOccurrences(spec, Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Equal([Utc("11:00"), Utc("12:00")], due);
    }

    [Fact]
    public void DueOccurrences_LatestWithEnd_NewestBeforeEnd()
    {
        var spec = Spec(CatchupPolicy.Latest) with { End = Utc("12:30") };

        var due = SchedulePlanner.DueOccurrences(spec, Hourly, Utc("10:30"), Utc("14:10"), Grace);

        Assert.Equal([Utc("12:00")], due);
    }

    [Fact]
    public void DueOccurrences_EndPassed_Nothing()
    {
        var spec = Spec(CatchupPolicy.Latest) with { End = Utc("10:00") };

        Assert.Empty(SchedulePlanner.DueOccurrences(spec, Hourly, Utc("10:30"), Utc("14:10"), Grace));
    }

    [Fact]
    public void DueOccurrences_ClockBehindLastEvaluation_Nothing()
    {
        Assert.Empty(SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.All), Hourly, Utc("14:10"), Utc("10:30"), Grace));
    }

    [Fact]
    public void DueOccurrences_PerSecondCronPausedForAYear_AllReturnsNewestMaxCatchup()
    {
        var now = Utc("09:00:00.5");

        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.All), EverySecond, now.AddYears(-1), now, Grace);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => Utc("08:59:51").AddSeconds(i)), due);
    }

    [Fact]
    public void DueOccurrences_PerSecondCronPausedForAYear_LatestReturnsLastSecond()
    {
        var now = Utc("09:00:00.5");

        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.Latest), EverySecond, now.AddYears(-1), now, Grace);

        Assert.Equal([Utc("09:00:00")], due);
    }

    [Fact]
    public void DueOccurrences_PerSecondCronPausedForAYear_NoneReturnsGraceWindow()
    {
        var now = Utc("09:00:00.5");

        var due = SchedulePlanner.DueOccurrences(Spec(CatchupPolicy.None), EverySecond, now.AddYears(-1), now, Grace);

        Assert.Equal(Enumerable.Range(0, 60).Select(i => Utc("08:59:01").AddSeconds(i)), due);
    }

    [Fact]
    public void DueOccurrences_NeverEvaluatedHugeMaxCatchup_BoundedByMaxPerEvaluation()
    {
        // Enumerating (year 1, 2026] second by second would be ~6e10 steps; the backward walk needs a few thousand.
        var spec = Spec(CatchupPolicy.All) with { MaxCatchup = 1_000_000 };
        var now = Utc("09:00:00");

        var due = SchedulePlanner.DueOccurrences(spec, EverySecond, DateTimeOffset.MinValue, now, Grace);

        Assert.Equal(SchedulePlanner.MaxPerEvaluation, due.Count);
        Assert.Equal(now.AddSeconds(-(SchedulePlanner.MaxPerEvaluation - 1)), due[0]);
        Assert.Equal(now, due[^1]);
        Assert.Equal(due.Order(), due);
    }

    [Fact]
    public void DueOccurrences_SparseCronOverCenturies_FindsOccurrences()
    {
        var leapDay = CronSchedule.Parse("0 12 29 2 *", "Europe/Berlin");
        var spec = Spec(CatchupPolicy.All) with { MaxCatchup = 3 };

        var due = SchedulePlanner.DueOccurrences(spec, leapDay, DateTimeOffset.MinValue, Utc("09:00"), Grace);

        Assert.Equal(
            [Utc("2016-02-29T11:00:00Z", absolute: true), Utc("2020-02-29T11:00:00Z", absolute: true), Utc("2024-02-29T11:00:00Z", absolute: true)],
            due);
    }

    [Fact]
    public void DueOccurrences_ZoneSchedule_InUtcInstants()
    {
        var cron = CronSchedule.Parse("30 2 * * *", "America/New_York");
        var spec = Spec(CatchupPolicy.All) with { Cron = "30 2 * * *", Timezone = "America/New_York" };

        var due = SchedulePlanner.DueOccurrences(
            spec, cron, Utc("2026-03-07T00:00:00Z", absolute: true), Utc("2026-03-09T12:00:00Z", absolute: true), Grace);

        Assert.Equal(
            [Utc("2026-03-07T07:30:00Z", absolute: true), Utc("2026-03-08T07:00:00Z", absolute: true), Utc("2026-03-09T06:30:00Z", absolute: true)],
            due);
    }

    [Fact]
    public void DecideConcurrency_NoActiveRuns_StartsUnderEveryPolicy()
    {
        foreach (var policy in Enum.GetValues<ConcurrencyPolicy>())
        {
            var decision = SchedulePlanner.DecideConcurrency(Spec(CatchupPolicy.Latest) with { Concurrency = policy, MaxActiveRuns = 1 }, 0);
            Assert.Equal(ScheduleAction.Start, decision.Action);
        }
    }

    [Fact]
    public void DecideConcurrency_AllowWithoutLimit_Starts()
    {
        var decision = SchedulePlanner.DecideConcurrency(Spec(CatchupPolicy.Latest) with { Concurrency = ConcurrencyPolicy.Allow }, 7);

        Assert.Equal(ScheduleDecision.Start, decision);
    }

    [Fact]
    public void DecideConcurrency_AllowBelowMaxActiveRuns_Starts()
    {
        var spec = Spec(CatchupPolicy.Latest) with { Concurrency = ConcurrencyPolicy.Allow, MaxActiveRuns = 2 };

        Assert.Equal(ScheduleAction.Start, SchedulePlanner.DecideConcurrency(spec, 1).Action);
    }

    [Fact]
    public void DecideConcurrency_AllowAtMaxActiveRuns_SkipsWithReason()
    {
        var spec = Spec(CatchupPolicy.Latest) with { Concurrency = ConcurrencyPolicy.Allow, MaxActiveRuns = 2 };

        var decision = SchedulePlanner.DecideConcurrency(spec, 2);

        Assert.Equal(ScheduleAction.Skip, decision.Action);
        Assert.Contains("maxActiveRuns (2)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecideConcurrency_ForbidWithActiveRun_SkipsWithReason()
    {
        var decision = SchedulePlanner.DecideConcurrency(Spec(CatchupPolicy.Latest) with { Concurrency = ConcurrencyPolicy.Forbid }, 1);

        Assert.Equal(ScheduleAction.Skip, decision.Action);
        Assert.Contains("forbid", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DecideConcurrency_ReplaceWithActiveRuns_ReplacesEvenAtLimit()
    {
        var spec = Spec(CatchupPolicy.Latest) with { Concurrency = ConcurrencyPolicy.Replace, MaxActiveRuns = 1 };

        Assert.Equal(ScheduleDecision.ReplaceActive, SchedulePlanner.DecideConcurrency(spec, 3));
    }

    [Fact]
    public void DecideConcurrency_NegativeActiveRuns_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SchedulePlanner.DecideConcurrency(Spec(CatchupPolicy.Latest), -1));
    }

    private static ScheduleSpec Spec(CatchupPolicy catchup) => new() { Cron = "0 * * * *", Catchup = catchup };

    // Times of day are on 2026-11-22 UTC unless a full timestamp is given.
    private static DateTimeOffset Utc(string text, bool absolute = false) =>
        DateTimeOffset.Parse(absolute ? text : $"2026-11-22T{text}Z", CultureInfo.InvariantCulture);
}
