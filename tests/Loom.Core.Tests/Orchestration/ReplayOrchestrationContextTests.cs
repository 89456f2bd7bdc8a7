using Loom.Core.Orchestration;

namespace Loom.Core.Tests.Orchestration;

/// <summary>The replaying double itself: it must catch non-deterministic orchestrators and replay like Durable does.</summary>
public sealed class ReplayOrchestrationContextTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Replay_OrchestratorUsingGuidNewGuid_ThrowsWithSequenceAndBothActions()
    {
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, _) =>
        {
            await ctx.CallActivityAsync<int>("A", Guid.NewGuid().ToString());
            return await ctx.CallActivityAsync<int>("B", 1);
        }, 0);

        var error = Assert.Throws<NonDeterministicOrchestrationException>(() => context.CompleteActivity(0, 1));

        Assert.Contains("sequence 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("history holds activity 'A'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the replay scheduled activity 'A'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OrchestratorUsingDateTimeUtcNowForTimer_Throws()
    {
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, _) =>
        {
            await ctx.CreateTimer(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
            return await ctx.CallActivityAsync<int>("After", 1);
        }, 0);
        Thread.Sleep(5); // the wall clock must move between the first run and the replay

        var error = Assert.Throws<NonDeterministicOrchestrationException>(() => context.FireNextTimer());

        Assert.Contains("sequence 0: history holds timer firing at", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OrchestratorUsingRandomInput_Throws()
    {
        var random = new Random(42);
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, _) =>
        {
            var first = await ctx.CallActivityAsync<int>("First", 0);
            return await ctx.CallActivityAsync<int>("Pick", random.Next());
        }, 0);
        context.CompleteActivity(0, 7);

        var error = Assert.Throws<NonDeterministicOrchestrationException>(() => context.CompleteActivity(1, 1));

        Assert.Contains("sequence 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OrchestratorBranchingOnSomethingOutsideHistory_ThrowsOnTheActivityName()
    {
        var executions = 0;
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, _) =>
        {
            executions++;
            var name = executions % 2 == 1 ? "Left" : "Right";
            return await ctx.CallActivityAsync<int>(name, 0);
        }, 0);

        var error = Assert.Throws<NonDeterministicOrchestrationException>(() => context.CompleteActivity(0, 1));

        Assert.Contains("history holds activity 'Left'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the replay scheduled activity 'Right'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OrchestratorThatSchedulesOnlyWhenNotReplaying_ThrowsForTheMissingAction()
    {
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, input) =>
        {
            var a = ctx.CallActivityAsync<int>("A", input);
            if (!ctx.IsReplaying) _ = ctx.CallActivityAsync<int>("SideEffect", 0);
            await a;
            return await ctx.CallActivityAsync<int>("B", 2);
        }, 1);

        var error = Assert.Throws<NonDeterministicOrchestrationException>(() => context.CompleteActivity(0, 1));

        Assert.Contains("sequence 1: history holds activity 'SideEffect'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did not schedule it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_DeterministicOrchestrator_ReplaysEveryStepAndCompletes()
    {
        var replayFlags = new List<bool>();
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, seed) =>
        {
            replayFlags.Clear();
            var a = await ctx.CallActivityAsync<int>("A", seed);
            replayFlags.Add(ctx.IsReplaying);
            await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(5), CancellationToken.None);
            replayFlags.Add(ctx.IsReplaying);
            var b = await ctx.WaitForExternalEvent<int>("go", CancellationToken.None);
            replayFlags.Add(ctx.IsReplaying);
            return a + b;
        }, 1);

        context.SetClock(T0.AddSeconds(10));
        context.CompleteActivity(0, 10);
        Assert.Equal(T0.AddSeconds(10).AddMinutes(5), Assert.Single(context.PendingTimers).FireAt);
        context.FireNextTimer();
        context.RaiseEvent("go", 100);

        Assert.True(context.IsCompleted);
        Assert.Equal(110, context.Output<int>());
        Assert.Equal(4, context.Executions);
        Assert.Equal([true, true, false], replayFlags);
    }

    [Fact]
    public void WaitForExternalEvent_EventRaisedBeforeTheWait_IsBufferedAndDelivered()
    {
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, string>(async (ctx, _) =>
        {
            await ctx.CallActivityAsync<int>("A", 0);
            return await ctx.WaitForExternalEvent<string>("early", CancellationToken.None);
        }, 0);

        context.RaiseEvent("early", "hello");
        Assert.False(context.IsCompleted);
        context.CompleteActivity(0, 1);

        Assert.True(context.IsCompleted);
        Assert.Equal("hello", context.Output<string>());
    }

    [Fact]
    public void CreateTimer_Cancelled_IsNoLongerPendingAndLetsTheOrchestrationComplete()
    {
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, string>(async (ctx, _) =>
        {
            using var cancel = new CancellationTokenSource();
            var timer = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddHours(1), cancel.Token);
            var work = ctx.CallActivityAsync<string>("Work", 0);
            var first = await Task.WhenAny(timer, work);
            // Cancel, not CancelAsync: orchestrator code must stay on the orchestration's thread.
#pragma warning disable CA1849
            if (first == work) cancel.Cancel();
#pragma warning restore CA1849
            return first == work ? await work : "timeout";
        }, 0);
        Assert.Single(context.PendingTimers);

        context.CompleteActivity(1, "done");

        Assert.True(context.IsCompleted);
        Assert.Equal("done", context.Output<string>());
        Assert.Empty(context.PendingTimers);
    }

    [Fact]
    public void ContinueAsNew_RestartsWithFreshHistoryAndKeepsUnreceivedEvents()
    {
        var context = new ReplayOrchestrationContext(T0);
        context.Start<int, int>(async (ctx, n) =>
        {
            await ctx.CallActivityAsync<int>("Step", n);
            if (n < 3)
            {
                ctx.ContinueAsNew(n + 1);
                return -1;
            }

            return await ctx.WaitForExternalEvent<int>("late", CancellationToken.None);
        }, 0);

        context.CompleteActivity(0, 0);
        context.RaiseEvent("late", 42); // nobody waits in generation 1: buffered and carried
        context.CompleteActivity(0, 0);
        context.CompleteActivity(0, 0);
        context.CompleteActivity(0, 0);

        Assert.True(context.IsCompleted);
        Assert.Equal(3, context.Generation);
        Assert.Equal(42, context.Output<int>());
        Assert.Equal(2, context.History.Count);
        Assert.Equal(["0", "1", "2", "3"], context.ActivityCalls.Select(c => c.InputJson));
    }
}
