using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

/// <summary>
/// The attempt that may end its run stores the final state itself (<see cref="FinishOffer"/>, <see cref="RunFinisher"/>), and a
/// save racing it (a cancel, a timeout) or following a lost result yields to what it stored: a final state in storage is never
/// replaced by another.
/// </summary>
public sealed class DurableRunFinishTests
{
    private static readonly DateTimeOffset T0 = DurableRunHarness.T0;

    private static int SaveRunCalls(DurableRunHarness run) => run.Context.ActivityCalls.Count(c => c.Name == DurableRunOrchestrator.SaveRunActivity);

    /// <summary>Answers attempts until the only one pending is <paramref name="taskId"/>'s.</summary>
    private static PendingActivity RunUntilOnly(DurableRunHarness run, string taskId)
    {
        while (run.PendingInvokes.Count > 0 && run.PendingInvokes[0].Input<InvokeTaskInput>().TaskId != taskId)
        {
            run.CompleteSaves();
            run.CompleteNextInvoke();
        }

        run.CompleteSaves();
        return Assert.Single(run.PendingInvokes);
    }

    [Fact]
    public void Diamond_StartedByTheDriver_OnlyTheJoinCarriesTheOfferAndTheRunEndsWithoutASaveRun()
    {
        var run = new DurableRunHarness(Diamond(), startedByDriver: true);
        run.Respond = i => AttemptOutcome.Success(new JsonObject { ["from"] = i.TaskId });

        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        var offered = run.Context.ActivityCalls.Where(c => c.Name == DurableRunOrchestrator.InvokeTaskActivity)
            .Select(c => System.Text.Json.JsonSerializer.Deserialize<InvokeTaskInput>(c.InputJson, ReplayOrchestrationContext.Json)!)
            .Where(i => i.Finish is not null).Select(i => i.TaskId);
        Assert.Equal(["d"], offered);
        Assert.Equal(0, SaveRunCalls(run));
        var stored = Assert.Single(run.StoredByAttempts);
        Assert.Equal(RunStateJson.Serialize(run.Reference), RunStateJson.Serialize(run.Row!));
        run.AssertMatchesMachine();

        // One write holds everything since the driver's create: every event row and every attempt row of the run.
        Assert.Equal(["a#1", "b#1", "c#1", "d#1"], (stored.Attempts ?? []).Select(a => $"{a.TaskId}#{a.Attempt}"));
        var first = run.Start!.History.Events.Count;
        Assert.Equal(run.Row!.EventCount, stored.State.EventCount);
        Assert.Equal(stored.Events.Select(e => e.Sequence).Distinct().Count(), stored.Events.Count);
        Assert.True(stored.Events.Count > first);
    }

    [Fact]
    public void LastAttemptFails_TheFailedEndIsStoredByTheAttemptWithItsDeadLetterRows()
    {
        var run = new DurableRunHarness(Diamond(), startedByDriver: true);
        run.Respond = i => i.TaskId == "d" ? AttemptOutcome.Fail(FailureClass.ClientError, "bad request", 400) : AttemptOutcome.Success();

        run.RunUntilIdle();

        Assert.Equal(RunStatus.Failed, run.Result.Status);
        Assert.Equal(0, SaveRunCalls(run));
        Assert.Equal(RunStatus.Failed, run.Row!.Status);
        Assert.NotEmpty(DeadLetters.From(run.Row, Assert.Single(run.StoredByAttempts).Events));
        run.AssertMatchesMachine();
    }

    [Fact]
    public void LastAttemptRetries_NothingIsStoredUntilTheAttemptThatEndsTheRun()
    {
        var workflow = Of(Task("a"), Task("b", "a") with { Retry = new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(5), Jitter = 0 } });
        var run = new DurableRunHarness(workflow, startedByDriver: true);
        run.Respond = i => i.Attempt == 1 && i.TaskId == "b" ? AttemptOutcome.Fail(FailureClass.ServerError, "503", 503) : AttemptOutcome.Success();

        run.RunUntilIdle();

        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(0, SaveRunCalls(run));
        var stored = Assert.Single(run.StoredByAttempts);
        Assert.Equal(["a#1", "b#1", "b#2"], (stored.Attempts ?? []).Select(a => $"{a.TaskId}#{a.Attempt}"));
        run.AssertMatchesMachine();
    }

    [Fact]
    public void CancelWhileTheLastAttemptIsInFlight_TheAttemptStoresFirst_TheSaveYieldsAndTheRunEndsAsStored()
    {
        var run = new DurableRunHarness(Diamond(), startedByDriver: true);
        var last = RunUntilOnly(run, "d");
        Assert.NotNull(last.Input<InvokeTaskInput>().Finish);

        run.Cancel("stop");
        var save = Assert.Single(run.Context.PendingActivities, a => a.Name == DurableRunOrchestrator.SaveRunActivity).Input<SaveRunInput>();
        Assert.Equal(RunStatus.Cancelled, save.State.Status);
        Assert.NotNull(save.BasedOn);

        // The call returns and its activity stores the succeeded run before the cancel's save lands.
        run.CompleteNextInvoke();
        var won = Assert.Single(run.StoredByAttempts).State;
        run.CompleteSaves();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(RunStateJson.Serialize(won), RunStateJson.Serialize(run.Row!));
        Assert.Equal(RunStatus.Succeeded, run.Live!.Status);
    }

    [Fact]
    public void CancelWhileTheLastAttemptIsInFlight_TheSaveStoresFirst_TheRunIsCancelledAndTheAttemptStoresNothing()
    {
        var run = new DurableRunHarness(Diamond(), startedByDriver: true);
        var input = RunUntilOnly(run, "d").Input<InvokeTaskInput>();

        run.Cancel("stop");
        run.CompleteSaves();
        Assert.True(run.Context.IsCompleted);

        // The call returns after the orchestration completed: its activity's write finds the row changed.
        var success = AttemptOutcome.Success();
        Assert.Null(run.StoreTheEnd(input, success, AttemptRecords.From(input, run.Context.Now, "GET d", success), run.Context.Now));
        Assert.Equal(RunStatus.Cancelled, run.Result.Status);
        Assert.Equal(RunStatus.Cancelled, run.Row!.Status);
        Assert.Empty(run.StoredByAttempts);
    }

    [Fact]
    public void AttemptStoredTheEndButItsResultWasLost_LaterSavesYieldToItInsteadOfReplacingIt()
    {
        // Durable runs an activity at least once: the first delivery stored the succeeded end and its host died before
        // reporting; the second delivery's call failed (its write found the row changed and stored nothing), so the
        // orchestration retries the task and reaches a different end, which must not replace the stored one.
        var workflow = Of(Task("a"), Task("b", "a") with { Retry = new RetryPolicy { MaxAttempts = 2, Backoff = BackoffKind.Fixed, Delay = TimeSpan.FromSeconds(5), Jitter = 0 } });
        var run = new DurableRunHarness(workflow, startedByDriver: true);
        var input = RunUntilOnly(run, "b").Input<InvokeTaskInput>();
        run.Context.SetClock(run.Context.Now + TimeSpan.FromSeconds(1));
        var success = AttemptOutcome.Success(new JsonObject { ["first"] = true });
        Assert.NotNull(run.StoreTheEnd(input, success, AttemptRecords.From(input, run.Context.Now, "GET b", success), run.Context.Now));
        var stored = RunStateJson.Serialize(run.Row!);

        var failure = AttemptOutcome.Fail(FailureClass.ServerError, "503", 503);
        Assert.Null(run.StoreTheEnd(input, failure, AttemptRecords.From(input, run.Context.Now, "GET b", failure), run.Context.Now));
        run.CompleteNextInvoke(failure, storeTheEnd: false);
        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(stored, RunStateJson.Serialize(run.Row!));
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Single(run.Saves);
    }

    [Fact]
    public void OfferIsBoundedByTheRunTimeout()
    {
        var workflow = Diamond() with { Timeout = TimeSpan.FromMinutes(10) };
        var run = new DurableRunHarness(workflow, startedByDriver: true);

        var last = RunUntilOnly(run, "d").Input<InvokeTaskInput>();

        Assert.Equal(run.Context.PendingTimers.Min(t => t.FireAt), last.Finish!.NotAfter);
        Assert.NotNull(last.Finish.NotAfter);
    }

    [Fact]
    public void SaveFor_OutcomeThatEndsTheRun_IsTheMachinesStateAtThatTime()
    {
        var (input, state) = LastOfDiamond(notAfter: null);
        var at = T0.AddSeconds(30);
        var record = AttemptRecords.From(input, at, "GET d", AttemptOutcome.Success());

        var save = RunFinisher.SaveFor(Diamond(), input, AttemptOutcome.Success(), record, at)!;

        var expected = RunStateMachine.Apply(Diamond(), state, new AttemptCompleted("d", 1, AttemptOutcome.Success(), at)).State;
        Assert.Equal(RunStateJson.Serialize(expected), RunStateJson.Serialize(save.State));
        Assert.Equal(input.Finish!.ETag, save.Stored!.ETag);
        Assert.Equal(record, Assert.Single(save.Attempts!));
    }

    [Fact]
    public void SaveFor_OutcomeAtOrAfterNotAfter_OrNotEndingTheRun_OrWithoutAnOffer_StoresNothing()
    {
        var at = T0.AddSeconds(30);
        var (input, _) = LastOfDiamond(notAfter: at);
        var record = AttemptRecords.From(input, at, "GET d", AttemptOutcome.Success());

        Assert.Null(RunFinisher.SaveFor(Diamond(), input, AttemptOutcome.Success(), record, at));
        Assert.NotNull(RunFinisher.SaveFor(Diamond(), input, AttemptOutcome.Success(), record, at.AddTicks(-1)));
        Assert.Null(RunFinisher.SaveFor(Diamond(), input with { Finish = null }, AttemptOutcome.Success(), record, at.AddTicks(-1)));
        Assert.Null(RunFinisher.SaveFor(Diamond(), input with { Attempt = 7 }, AttemptOutcome.Success(), record, at.AddTicks(-1)));
    }

    [Fact]
    public void OvertakenBy_OnlyAFinalStateStoredPastBasedOnThatIsNotTheSavesOwn()
    {
        var (input, running) = LastOfDiamond(notAfter: null);
        var ended = RunStateMachine.Apply(Diamond(), running, new AttemptCompleted("d", 1, AttemptOutcome.Success(), T0.AddSeconds(30))).State;
        var cancelled = RunStateMachine.Apply(Diamond(), running, new CancelRequested("stop", T0.AddSeconds(31))).State;
        RunRecord Row(RunState s) => RunSnapshots.Merge(null, s)! with { ETag = "e" };
        var save = new SaveRunInput(cancelled, []) { BasedOn = running.EventCount };

        Assert.Equal(RunStateJson.Serialize(ended), RunStateJson.Serialize(RunSnapshots.OvertakenBy(Row(ended), save)!));
        Assert.Null(RunSnapshots.OvertakenBy(Row(ended), save with { BasedOn = null }));
        Assert.Null(RunSnapshots.OvertakenBy(Row(cancelled), save));
        Assert.Null(RunSnapshots.OvertakenBy(Row(running), save));
        Assert.Null(RunSnapshots.OvertakenBy(Row(ended), save with { BasedOn = ended.EventCount }));
        Assert.Null(RunSnapshots.OvertakenBy(null, save));
    }

    /// <summary>A diamond run with a, b and c done and d's attempt sent with a finish offer.</summary>
    private static (InvokeTaskInput Input, RunState State) LastOfDiamond(DateTimeOffset? notAfter)
    {
        var workflow = Diamond();
        var state = RunStateMachine.Apply(workflow, RunStateMachine.Create(workflow, 1, "run-1", null, T0, T0), new RunStarted(T0)).State;
        foreach (var (task, seconds) in new[] { ("a", 1), ("b", 2), ("c", 3) })
        {
            state = RunStateMachine.Apply(workflow, state, new AttemptCompleted(task, 1, AttemptOutcome.Success(), T0.AddSeconds(seconds))).State;
        }

        var input = InvokeTaskInputs.Build(workflow, state, new InvokeTask("d", 1)) with
        {
            Finish = new FinishOffer(state, [], [], "etag-7", "manual", notAfter),
        };
        return (input, state);
    }
}
