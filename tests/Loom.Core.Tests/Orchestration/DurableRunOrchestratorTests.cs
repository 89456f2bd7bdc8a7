using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

/// <summary>The Durable orchestration loop under the replaying double: every test also proves the loop is replay-safe.</summary>
public sealed class RunOrchestratorTests
{
    private static readonly DateTimeOffset T0 = DurableRunHarness.T0;

    private static AttemptOutcome Accepted() => new() { Kind = OutcomeKind.Accepted, StatusCode = 202 };

    private static TaskDefinition Retrying(string id, TimeSpan delay) =>
        Task(id) with { Retry = new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = delay, Jitter = 0 } };

    [Fact]
    public void RunAsync_Diamond_FansOutInParallelJoinsAndSucceeds()
    {
        var run = new DurableRunHarness(Diamond());
        run.Respond = i => AttemptOutcome.Success(new JsonObject { ["from"] = i.TaskId });

        run.CompleteSaves();
        Assert.Equal(["a"], run.PendingInvokes.Select(p => p.Input<InvokeTaskInput>().TaskId));
        run.CompleteNextInvoke();
        run.CompleteSaves();
        Assert.Equal(["b", "c"], run.PendingInvokes.Select(p => p.Input<InvokeTaskInput>().TaskId));
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(new RunOrchestrationResult("run-1", RunStatus.Succeeded, null, false), run.Result with { Reason = null });
        Assert.Equal(["a#1", "b#1", "c#1", "d#1"], run.SentAttempts);
        run.AssertMatchesMachine();
        Assert.Equal(RunStatus.Succeeded, run.LastSaved.Status);
    }

    [Fact]
    public void RunAsync_Diamond_SendsUpstreamOutputsAndTheTaskDefinitionToTheActivity()
    {
        var run = new DurableRunHarness(Diamond());
        run.Respond = i => AttemptOutcome.Success(new JsonObject { ["from"] = i.TaskId });
        var inputs = new List<InvokeTaskInput>();
        while (!run.Context.IsCompleted)
        {
            run.CompleteSaves();
            if (run.PendingInvokes.Count > 0) inputs.Add(run.CompleteNextInvoke());
        }

        var d = inputs.Single(i => i.TaskId == "d");
        Assert.Equal(["b", "c"], d.Inputs.Keys);
        Assert.Equal("b", d.Inputs["b"]!["from"]!.GetValue<string>());
        Assert.Equal(["a", "b", "c"], d.Outputs.Keys);
        Assert.Equal("http://backend/d", d.Task.Url);
        Assert.Equal("run-1:d", d.IdempotencyKey);
        Assert.Equal(T0, d.ScheduledAt);
    }

    [Fact]
    public void RunAsync_EverySave_HasUniqueOrderedEventRowsAndTheLastHoldsTheFinalState()
    {
        var run = new DurableRunHarness(Diamond());
        run.RunUntilIdle();

        var rows = run.Saves.SelectMany(s => s.Events).ToList();
        Assert.Equal(rows.Count, rows.Select(r => r.EventId).Distinct().Count());
        Assert.Equal(rows.Select(r => r.Sequence).Order(), rows.Select(r => r.Sequence));
        Assert.All(rows, r => Assert.Equal("run-1", r.RunId));
        Assert.Contains(rows, r => r.Type.Contains("Succeeded", StringComparison.Ordinal) && r.TaskId == "d");
        Assert.True(run.Saves.Count < rows.Count, "saves are coalesced, not one per log row");
        Assert.Equal(DurableRunOrchestrator.SaveRunRetry, run.Context.Retries[DurableRunOrchestrator.SaveRunActivity]);
        Assert.False(run.Context.Retries.ContainsKey(DurableRunOrchestrator.InvokeTaskActivity));
        Assert.Equal(run.Reference.EventCount, run.LastSaved.EventCount);
    }

    [Fact]
    public void RunAsync_RetriesWithBackoff_TimerFireTimesAreExactlyTheRetryDelays()
    {
        var policy = new RetryPolicy { MaxAttempts = 3, Backoff = BackoffKind.Exponential, Delay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0.3 };
        var run = new DurableRunHarness(Of(Task("flaky") with { Retry = policy }));
        run.Respond = i => i.Attempt < 3 ? AttemptOutcome.Fail(FailureClass.ServerError, "503", 503) : AttemptOutcome.Success();

        run.CompleteSaves();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            run.CompleteNextInvoke();
            var failedAt = run.Context.Now;
            run.CompleteSaves();
            var timer = Assert.Single(run.Context.PendingTimers);
            Assert.Equal(failedAt + RetryDelays.Compute(policy, "run-1", "flaky", attempt, null), timer.FireAt);
            Assert.Empty(run.PendingInvokes);
            run.FireNextTimer();
            run.CompleteSaves();
        }

        run.RunUntilIdle();
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["flaky#1", "flaky#2", "flaky#3"], run.SentAttempts);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_RetryAfterHonoured_TimerUsesIt()
    {
        var policy = new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromMinutes(5), Jitter = 0 };
        var run = new DurableRunHarness(Of(Task("t") with { Retry = policy }));
        run.CompleteSaves();

        run.CompleteNextInvoke(AttemptOutcome.Fail(FailureClass.TooManyRequests, "slow down", 429) with { RetryAfter = TimeSpan.FromSeconds(90) });
        run.CompleteSaves();

        Assert.Equal(run.Context.Now.AddSeconds(90), Assert.Single(run.Context.PendingTimers).FireAt);
        run.RunUntilIdle();
        run.AssertMatchesMachine();
    }

    [Theory]
    [InlineData(970)]
    [InlineData(1)]
    public void RunAsync_BackoffTimerFiresEarly_WaitsForTheRemainderBeforeTheNextAttempt(int earlyMs)
    {
        var run = new DurableRunHarness(Of(Retrying("t", TimeSpan.FromSeconds(1))));
        run.CompleteSaves();
        run.CompleteNextInvoke(AttemptOutcome.Fail(FailureClass.ServerError, "503", 503));
        run.CompleteSaves();
        var backoff = Assert.Single(run.Context.PendingTimers);

        run.Context.FireTimerAt(backoff.Sequence, backoff.FireAt!.Value.AddMilliseconds(-earlyMs));
        run.CompleteSaves();

        Assert.Empty(run.PendingInvokes);
        var again = Assert.Single(run.Context.PendingTimers);
        Assert.Equal(backoff.FireAt, again.FireAt);
        Assert.NotEqual(backoff.Sequence, again.Sequence);

        run.FireNextTimer();
        run.CompleteSaves();
        Assert.Equal(backoff.FireAt, run.Context.Now);
        Assert.Equal("t", Assert.Single(run.PendingInvokes).Input<InvokeTaskInput>().TaskId);
        run.RunUntilIdle();
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_RunTimeoutAndCallbackDeadlineFireEarly_NeitherActsBeforeItsTime()
    {
        var wf = Of(Task("cb") with { Completion = CompletionMode.Callback, CallbackTimeout = TimeSpan.FromSeconds(2) }) with { Timeout = TimeSpan.FromSeconds(5) };
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        run.CompleteNextInvoke(Accepted());
        run.CompleteSaves();
        Assert.Equal(2, run.Context.PendingTimers.Count);

        foreach (var timer in run.Context.PendingTimers.ToList())
        {
            run.Context.FireTimerAt(timer.Sequence, run.Context.Now);
            run.CompleteSaves();
        }

        Assert.False(run.Context.IsCompleted);
        Assert.Equal(TaskRunStatus.Waiting, run.Seen.Tasks["cb"].Status);
        Assert.Equal(2, run.Context.PendingTimers.Count);

        // Late is fine: both fire past their time, the deadline first.
        run.Context.AdvanceTo(run.Context.PendingTimers.Max(t => t.FireAt!.Value).AddMilliseconds(300));
        run.RunUntilIdle();
        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.True(run.LastSaved.FinishedAt >= T0.AddSeconds(5));
    }

    [Fact]
    public void RunAsync_ActivityItselfFails_CountsAsARetryableAttemptFailure()
    {
        var policy = new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(1), Jitter = 0 };
        var run = new DurableRunHarness(Of(Task("t") with { Retry = policy }));
        run.CompleteSaves();

        run.FailNextInvoke("worker crashed");
        run.CompleteSaves();
        Assert.Single(run.Context.PendingTimers);
        run.FireNextTimer();
        run.CompleteSaves();
        run.CompleteNextInvoke(AttemptOutcome.Success());
        run.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["t#1", "t#2"], run.SentAttempts);
        run.AssertMatchesMachine();
        Assert.Contains(run.Saves.SelectMany(s => s.Events), e => e.Data.Contains("worker crashed", StringComparison.Ordinal));
    }

    [Fact]
    public void RunAsync_CallbackTask_CompletesThroughTheExternalEventAndDropsItsTimeoutTimer()
    {
        var wf = Of(Task("async") with { Completion = CompletionMode.Callback, CallbackTimeout = TimeSpan.FromMinutes(30) }, Task("after", "async"));
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        run.CompleteNextInvoke(Accepted());
        run.CompleteSaves();

        Assert.Contains(DurableRunOrchestrator.CallbackEvent("async", 1), run.Context.PendingEventWaits);
        var deadline = Assert.Single(run.Context.PendingTimers);
        Assert.Equal(run.Context.Now.AddMinutes(30), deadline.FireAt);

        run.Context.SetClock(run.Context.Now.AddMinutes(5));
        run.RaiseCallback("async", 1, AttemptOutcome.Success(new JsonObject { ["rows"] = 3 }));
        run.CompleteSaves();
        Assert.Empty(run.Context.PendingTimers);
        Assert.DoesNotContain(DurableRunOrchestrator.CallbackEvent("async", 1), run.Context.PendingEventWaits);

        var after = run.CompleteNextInvoke();
        Assert.Equal(3, after.Inputs["async"]!["rows"]!.GetValue<int>());
        run.RunUntilIdle();
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_CallbackArrivesBeforeTheAcceptedResultIsProcessed_IsBufferedAndUsed()
    {
        var run = new DurableRunHarness(Of(Task("async") with { Completion = CompletionMode.Callback }));
        run.CompleteSaves();

        // The backend calls back before Durable delivers the 202 to the orchestration.
        run.Context.RaiseEvent(DurableRunOrchestrator.CallbackEvent("async", 1), AttemptOutcome.Success());
        run.CompleteNextInvoke(Accepted());
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
    }

    [Fact]
    public void RunAsync_FailedCallbackWhileTheCallIsInFlightThenAnswer200_TaskFails()
    {
        var run = new DurableRunHarness(Of(Task("async") with { Completion = CompletionMode.Callback }, Task("after", "async")));
        run.CompleteSaves();

        // The backend posts FAILED to its callback URL, then its synchronous answer is a 200.
        Assert.Contains(DurableRunOrchestrator.CallbackEvent("async", 1), run.Context.PendingEventWaits);
        run.RaiseCallback("async", 1, AttemptOutcome.Fail(FailureClass.Reported, "the backend reported FAILED"));
        run.CompleteSaves();
        run.CompleteNextInvoke(AttemptOutcome.Success());
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.Equal(TaskRunStatus.Failed, run.LastSaved.Tasks["async"].Status);
        Assert.Equal(["async#1"], run.SentAttempts);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void FireNextTimer_ClockAlreadyPastTwoRetryTimers_BothFireAndTheReferenceSeesBoth()
    {
        // The clock passes both backoffs while other attempts are answered; the backend then fires both in one episode.
        var wf = Of(Retrying("a", TimeSpan.FromSeconds(8)), Retrying("b", TimeSpan.FromSeconds(1)), Task("c"));
        var run = new DurableRunHarness(wf) { Latency = TimeSpan.FromSeconds(5) };
        run.CompleteSaves();
        run.CompleteNextInvoke(AttemptOutcome.Fail(FailureClass.ServerError, "503", 503)); // a, backoff until T0+13s
        run.CompleteNextInvoke(AttemptOutcome.Fail(FailureClass.ServerError, "503", 503)); // b, backoff until T0+11s
        run.CompleteNextInvoke(AttemptOutcome.Success()); // c, the clock is now T0+15s
        run.CompleteSaves();

        run.FireNextTimer();
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["a#1", "b#1", "c#1", "a#2", "b#2"], run.SentAttempts);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void FireNextTimer_RetryDueWhenAnAnsweredCallbacksDeadlineWasDue_TheReferenceAppliesTheRetry()
    {
        // The callback deadline (T0+61s) is abandoned once the callback comes; the retry backoff ends at that same instant.
        var wf = Of(
            Task("async") with { Completion = CompletionMode.Callback, CallbackTimeout = TimeSpan.FromMinutes(1) },
            Retrying("flaky", TimeSpan.FromSeconds(29)));
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        run.CompleteNextInvoke(Accepted());
        run.Latency = TimeSpan.FromSeconds(31);
        run.CompleteNextInvoke(AttemptOutcome.Fail(FailureClass.ServerError, "503", 503));
        run.RaiseCallback("async", 1, AttemptOutcome.Success());
        run.CompleteSaves();
        Assert.Equal([T0.AddSeconds(61)], run.Context.PendingTimers.Select(t => t.FireAt));

        run.FireNextTimer();
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["async#1", "flaky#1", "flaky#2"], run.SentAttempts);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_CallbackNeverComes_TimesOutAtTheDeadlineAndStopsWaiting()
    {
        var wf = Of(Task("async") with { Completion = CompletionMode.Callback, CallbackTimeout = TimeSpan.FromMinutes(10) });
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        run.CompleteNextInvoke(Accepted());
        var acceptedAt = run.Context.Now;
        run.CompleteSaves();

        run.FireNextTimer();
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(acceptedAt.AddMinutes(10), run.Context.Now);
        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.Equal(TaskRunStatus.Failed, run.LastSaved.Tasks["async"].Status);
        Assert.Empty(run.Context.PendingEventWaits);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_CancelMidRun_CompletesCancelledWithNothingRunningAndNoOpenTimers()
    {
        var policy = new RetryPolicy { MaxAttempts = 3, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromMinutes(5), Jitter = 0 };
        var wf = Of(Task("slow"), Task("flaky") with { Retry = policy }, Task("after", "slow", "flaky"));
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        // flaky fails and waits for its backoff timer; slow stays in flight.
        var pending = run.PendingInvokes;
        run.Context.SetClock(run.Context.Now.AddSeconds(1));
        run.Context.CompleteActivity(pending[1].Sequence, AttemptOutcome.Fail(FailureClass.ServerError, "503", 503));
        Assert.Single(run.Context.PendingTimers);

        run.Cancel("operator said stop");
        run.CompleteSaves();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Cancelled, run.Result.Status);
        Assert.Empty(run.Context.PendingTimers);
        Assert.Empty(run.Context.PendingEventWaits);
        Assert.DoesNotContain(run.LastSaved.Tasks.Values, t => t.Status is TaskRunStatus.Running or TaskRunStatus.Retrying or TaskRunStatus.Pending);
        Assert.Equal(["slow#1", "flaky#1"], run.SentAttempts);
    }

    [Fact]
    public void RunAsync_RunTimeout_FailsTheRunWhenItsTimerFires()
    {
        var wf = Of(Task("forever")) with { Timeout = TimeSpan.FromMinutes(15) };
        var run = new DurableRunHarness(wf);
        run.CompleteSaves();
        Assert.Equal(T0.AddMinutes(15), Assert.Single(run.Context.PendingTimers).FireAt);

        run.FireNextTimer(); // the attempt never answers
        run.CompleteSaves();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.Equal(RunStatus.Failed, run.LastSaved.Status);
        Assert.Empty(run.Context.PendingEventWaits);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_LongChain_ContinuesAsNewKeepingHistorySmallAndSendsEachAttemptOnce()
    {
        var run = new DurableRunHarness(Chain(40), continueAsNewAfter: 8);
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.True(run.Context.Generation >= 4, $"expected several generations, got {run.Context.Generation}");
        Assert.True(run.Context.LargestHistory <= 30, $"a generation's history grew to {run.Context.LargestHistory} actions");
        Assert.Equal([.. Enumerable.Range(0, 40).Select(i => $"t{i}#1")], run.SentAttempts);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_FanOutWhileDraining_HoldsNewAttemptsBackAndLosesOrDuplicatesNone()
    {
        // root -> 8 parallel leaves -> join; the generation reaches its limit while leaves are in flight.
        var leaves = Enumerable.Range(0, 8).Select(i => Task($"leaf{i}", "root")).ToArray();
        var wf = Of([Task("root"), .. leaves, Task("join", [.. leaves.Select(l => l.Id)])]);
        var run = new DurableRunHarness(wf, continueAsNewAfter: 3);
        run.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(1, run.Context.Generation);
        // Every leaf was sent by generation 0 and answered there; the join, decided while draining, was sent by generation 1.
        var generations = run.Context.ActivityCalls.Where(c => c.Name == DurableRunOrchestrator.InvokeTaskActivity).Select(c => c.Generation).ToList();
        Assert.Equal([.. Enumerable.Repeat(0, 9), 1], generations);
        var sent = run.SentAttempts;
        Assert.Equal(sent.Count, sent.Distinct().Count());
        Assert.Equal(10, sent.Count);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_CallbackWaitingAcrossContinueAsNew_IsCarriedAndStillCompletes()
    {
        var wf = Of(Task("async") with { Completion = CompletionMode.Callback }, Chain(6).Tasks[0] with { Id = "side" }, Task("s1", "side"), Task("s2", "s1"), Task("s3", "s2"), Task("end", "async", "s3"));
        var run = new DurableRunHarness(wf, continueAsNewAfter: 3);
        run.CompleteSaves();
        run.CompleteNextInvoke(Accepted());
        run.RunUntilIdle(fireTimers: false); // the side chain runs through several generations while async waits
        Assert.False(run.Context.IsCompleted);
        Assert.True(run.Context.Generation >= 1);
        Assert.Contains(DurableRunOrchestrator.CallbackEvent("async", 1), run.Context.PendingEventWaits);
        Assert.Single(run.Context.PendingTimers); // the callback deadline, carried

        run.RaiseCallback("async", 1, AttemptOutcome.Success());
        run.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_ContinueAsNew_CarriesExactlyWhatTheMachineSaysIsOutstanding()
    {
        var policy = new RetryPolicy { MaxAttempts = 3, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromMinutes(1), Jitter = 0 };
        var wf = Of(Task("async") with { Completion = CompletionMode.Callback }, Task("flaky") with { Retry = policy }, Task("s0"), Task("s1", "s0"), Task("s2", "s1"), Task("s3", "s2")) with { Timeout = TimeSpan.FromHours(2) };
        var run = new DurableRunHarness(wf, continueAsNewAfter: 2);
        run.Respond = i => i.TaskId switch
        {
            "async" => Accepted(),
            "flaky" when i.Attempt == 1 => AttemptOutcome.Fail(FailureClass.ServerError, "503", 503),
            _ => AttemptOutcome.Success(),
        };
        run.RunUntilIdle(fireTimers: false);

        Assert.NotEmpty(run.Context.ContinueAsNewInputs);
        foreach (var json in run.Context.ContinueAsNewInputs)
        {
            var next = System.Text.Json.JsonSerializer.Deserialize<RunOrchestrationInput>(json, ReplayOrchestrationContext.Json)!;
            var carried = next.Carried!;
            var expected = RunStateMachine.Outstanding(wf, next.State).Select(c => c.ToString()).Order();
            var actual = carried.Timers.Concat<RunCommand>(carried.Callbacks).Concat(carried.Invokes).Select(c => c.ToString()).Order();
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void RunAsync_StartedForARunningStateWithoutCarriedWork_ReArmsWhatTheStateWaitsFor()
    {
        var policy = new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromMinutes(3), MaxDelay = TimeSpan.FromMinutes(10), Jitter = 0 };
        var wf = Of(Task("a"), Task("b") with { Retry = policy }, Task("c", "a", "b"));
        var state = RunStateMachine.Create(wf, 1, "run-1", null, T0, T0);
        state = RunStateMachine.Apply(wf, state, new RunStarted(T0)).State;
        state = RunStateMachine.Apply(wf, state, new AttemptCompleted("b", 1, AttemptOutcome.Fail(FailureClass.ServerError, "503", 503), T0.AddSeconds(1))).State;

        var context = new ReplayOrchestrationContext(T0.AddSeconds(2));
        context.Start<RunOrchestrationInput, RunOrchestrationResult>(DurableRunOrchestrator.RunAsync, new RunOrchestrationInput(wf, state));

        var resent = Assert.Single(context.PendingActivities, a => a.Name == DurableRunOrchestrator.InvokeTaskActivity).Input<InvokeTaskInput>();
        Assert.Equal(("a", 1), (resent.TaskId, resent.Attempt));
        Assert.Equal(T0.AddSeconds(1).AddMinutes(3), Assert.Single(context.PendingTimers).FireAt);
    }

    [Fact]
    public void RunAsync_CancelRaisedWhileGenerationsChange_IsNotLost()
    {
        var run = new DurableRunHarness(Chain(10), continueAsNewAfter: 2);
        run.CompleteSaves();
        run.CompleteNextInvoke();
        run.CompleteSaves();
        run.CompleteNextInvoke();
        run.Cancel("stop");
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Cancelled, run.Result.Status);
    }

    [Fact]
    public void RunAsync_SaveFailsAfterItsRetries_FailsTheRunFromTheLastStoredStateWithTheReason()
    {
        // The last attempt's activity does not store the run's end here, so the final state goes through SaveRun.
        var run = new DurableRunHarness(Diamond()) { AttemptsStoreTheEnd = false };
        run.CompleteSaves();
        while (run.PendingInvokes.Count > 0) run.CompleteNextInvoke();
        var save = run.Context.PendingActivities.First(a => a.Name == DurableRunOrchestrator.SaveRunActivity);
        Assert.Equal(RunStatus.Succeeded, save.Input<SaveRunInput>().State.Status);

        // What the save held cannot be stored (it failed past the host's retries): the run must end, not stay "running".
        run.Context.FailActivity(save.Sequence, "storage refused the entity");
        run.CompleteSaves();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.Equal(RunStatus.Failed, run.LastSaved.Status);
        Assert.StartsWith("Loom could not store this run's next state (storage refused the entity)", run.LastSaved.Reason, StringComparison.Ordinal);
        // From the last stored state (the start): a was running there, and is cancelled with the run (b, c and d, which
        // succeeded since but were never stored, are cancelled too, being pending there).
        Assert.Equal(TaskRunStatus.Cancelled, run.LastSaved.Tasks["a"].Status);
        Assert.All(run.LastSaved.Tasks.Values, t => Assert.Equal(TaskRunStatus.Cancelled, t.Status));
    }

    [Fact]
    public void RunAsync_SaveOfTheFailedRunFailsToo_FailsTheOrchestrationLoudly()
    {
        var run = new DurableRunHarness(Diamond());
        run.Context.FailActivity(run.Context.PendingActivities.First(a => a.Name == DurableRunOrchestrator.SaveRunActivity).Sequence, "storage is down");
        var save = run.Context.PendingActivities.First(a => a.Name == DurableRunOrchestrator.SaveRunActivity);

        var error = Assert.Throws<InvalidOperationException>(() => run.Context.FailActivity(save.Sequence, "storage is still down"));

        Assert.Contains("storage is still down", error.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_RetryFromFailed_NewInstanceReRunsOnlyWhatFailed()
    {
        var wf = Of(Task("a"), Task("b", "a"), Task("c", "b"));
        var first = new DurableRunHarness(wf);
        first.Respond = i => i.TaskId == "b" ? AttemptOutcome.Fail(FailureClass.ClientError, "400", 400) : AttemptOutcome.Success();
        first.RunUntilIdle();
        Assert.Equal(RunStatus.Failed, first.Result.Status);

        var retried = RunStateMachine.RetryFromFailed(wf, first.LastSaved, "run-2", T0.AddHours(1));
        var second = new DurableRunHarness(wf, runId: "run-2", initialState: retried);
        second.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, second.Result.Status);
        Assert.Equal(["b#1", "c#1"], second.SentAttempts);
        Assert.Equal("run-2", second.LastSaved.RunId);
        second.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_CustomStatus_PublishesEachStartedTasksStatusAndAttempt()
    {
        var run = new DurableRunHarness(Diamond());
        run.CompleteSaves();
        run.CompleteNextInvoke();

        var live = run.Live!;
        Assert.Equal(RunStatus.Running, live.Status);
        Assert.Equal(run.Reference.EventCount, live.EventCount);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "succeeded:1", ["b"] = "running:1", ["c"] = "running:1" }, live.Tasks);
    }

    [Fact]
    public void RunAsync_Diamond_SavesOnlyAtStartAndEndWithEveryAttemptRowInTheSaves()
    {
        var run = new DurableRunHarness(Diamond());
        run.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal([RunStatus.Running, RunStatus.Succeeded], run.Saves.Select(s => s.State.Status));
        Assert.Equal(["a#1", "b#1", "c#1", "d#1"], run.SavedAttempts.Order(StringComparer.Ordinal));
        run.AssertMatchesMachine();
    }

    [Fact]
    public void RunAsync_EachSave_ReplacesTheRowWithTheETagThePreviousWriteReturned()
    {
        var wf = Of(Task("a"), Task("b", "a"), Task("c", "b"));
        var initial = RunStateMachine.Create(wf, 1, "run-1", null, T0, T0);
        var run = new DurableRunHarness(wf, continueAsNewAfter: 2);
        run.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        // The first save has no ETag here (the harness starts without the driver's create); each later one has its predecessor's,
        // across ContinueAsNew too.
        Assert.Null(run.Saves[0].Stored);
        Assert.Equal(Enumerable.Range(1, run.Saves.Count - 1).Select(n => $"etag-{n}"), run.Saves.Skip(1).Select(s => s.Stored!.ETag));
        Assert.True(run.Context.Generation >= 1, "the run continued as new at least once");
        Assert.Equal(initial.RunId, run.LastSaved.RunId);
    }

    [Fact]
    public void RunAsync_BetweenSaves_TheLiveStatusMergedOverTheStoredRowShowsWhatTheMachineHas()
    {
        var policy = new RetryPolicy { MaxAttempts = 3, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(5), Jitter = 0 };
        var run = new DurableRunHarness(Of(Task("a"), Task("b", "a") with { Retry = policy }, Task("c", "b")));
        run.CompleteSaves();
        run.CompleteNextInvoke();
        run.CompleteNextInvoke(AttemptOutcome.Fail(FailureClass.ServerError, "503", 503));
        run.CompleteSaves();

        Assert.Single(run.Saves);
        Assert.Equal(TaskRunStatus.Running, run.LastSaved.Tasks["a"].Status);
        Assert.Equal(
            run.Reference.Tasks.ToDictionary(t => t.Key, t => (t.Value.Status, t.Value.Attempt)),
            run.Seen.Tasks.ToDictionary(t => t.Key, t => (t.Value.Status, t.Value.Attempt)));
        Assert.Equal(RunStatus.Running, run.Seen.Status);

        run.RunUntilIdle();
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["a#1", "b#1", "b#2", "c#1"], run.SavedAttempts);
        Assert.Equal(2, run.Saves.Count);
    }

    [Fact]
    public void RunAsync_AttemptRowsFromEarlierEpisodes_AreCollectedAgainByTheReplayAndStoredByTheNextSave()
    {
        // Each episode replays the orchestration from its history (as after a host crash): the rows of attempts that finished
        // in earlier episodes exist only in the activities' results there, and the final save still holds every one.
        var run = new DurableRunHarness(Of(Task("a"), Task("b", "a"), Task("c", "b")));
        run.CompleteSaves();
        var executionsBefore = run.Context.Executions;
        run.CompleteNextInvoke();
        run.CompleteNextInvoke();
        Assert.Single(run.Saves);
        Assert.True(run.Context.Executions >= executionsBefore + 2, "every completion was a new episode, replayed from the history");
        run.RunUntilIdle();

        Assert.Equal(["a#1", "b#1", "c#1"], run.SavedAttempts);
        Assert.All(run.Saves[^1].Attempts!, a => Assert.Equal("succeeded", a.Outcome));
    }

    [Fact]
    public void RunAsync_TooManyTasksForTheLiveStatus_PublishesNoTasksAndSavesEveryChange()
    {
        var tasks = Enumerable.Range(0, 200).Select(i => Task($"task-with-a-rather-long-id-{i:D3}")).ToArray();
        var run = new DurableRunHarness(Of(tasks));
        run.CompleteSaves();
        Assert.Null(run.Live!.Tasks);
        run.CompleteNextInvoke();
        run.CompleteSaves();

        Assert.Equal(2, run.Saves.Count);
        Assert.Equal(TaskRunStatus.Succeeded, run.LastSaved.Tasks["task-with-a-rather-long-id-000"].Status);
        run.RunUntilIdle();
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(200, run.SavedAttempts.Count);
        run.AssertMatchesMachine();
    }

    [Fact]
    public void ToExternalEvent_CancelAndCallback_UseTheNamesTheLoopWaitsFor()
    {
        var cancel = DurableRunOrchestrator.ToExternalEvent(new CancelRequested("why", T0))!;
        var callback = DurableRunOrchestrator.ToExternalEvent(new CallbackReceived("t", 2, AttemptOutcome.Success(), T0))!;

        Assert.Equal("cancel", cancel.Name);
        Assert.Equal(new CancelRunRequest("why"), cancel.Payload);
        Assert.Equal("callback:t:2", callback.Name);
        Assert.IsType<AttemptOutcome>(callback.Payload);
        Assert.Null(DurableRunOrchestrator.ToExternalEvent(new RunStarted(T0)));
    }

    [Fact]
    public void CallbackEvent_TaskIdsDifferingOnlyInCase_GetNamesThatDifferEvenCaseInsensitively()
    {
        var lower = DurableRunOrchestrator.CallbackEvent("load", 1);
        var upper = DurableRunOrchestrator.CallbackEvent("Load", 1);

        Assert.Equal("callback:load:1", lower);
        Assert.Equal("callback:^load:1", upper);
        Assert.NotEqual(lower, upper, StringComparer.OrdinalIgnoreCase);
    }
}
