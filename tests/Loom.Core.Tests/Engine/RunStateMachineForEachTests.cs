using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public class RunStateMachineForEachTests
{
    private static TaskDefinition Fan(string id, string forEach, int maxParallel, params string[] dependsOn) =>
        Task(id, dependsOn) with { ForEach = forEach, MaxParallel = maxParallel };

    private static WorkflowDefinition ListThenFan(int maxParallel = 2, RetryPolicy? retry = null, TriggerRule downstream = TriggerRule.AllSuccess) => Workflow(
        Task("list"),
        Fan("fan", "${{ tasks.list.output.items }}", maxParallel, "list") with { Retry = retry ?? NoRetry },
        Task("after", "fan") with { Trigger = downstream });

    private static AttemptCompleted ListOk(params string[] items) =>
        new("list", 1, AttemptOutcome.Success(new JsonObject { ["items"] = new JsonArray([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]) }), At(1));

    private static AttemptCompleted Out(string instance, int attempt, string output, double at = 2) =>
        new(instance, attempt, AttemptOutcome.Success(JsonValue.Create(output)), At(at));

    [Fact]
    public void Apply_ListFromUpstream_StartsMaxParallelInstancesThenTheNextAsEachEnds()
    {
        var wf = ListThenFan(maxParallel: 2);
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, ListOk("a", "b", "c", "d"));

        Assert.Equal(["fan[0]#1", "fan[1]#1"], Invoked(t));
        Assert.Equal(TaskRunStatus.Running, StatusOf(t.State, "fan"));
        Assert.Equal("aapp", t.State.Tasks["fan"].ForEach!.Statuses);

        t = RunStateMachine.Apply(wf, t.State, Out("fan[1]", 1, "B"));
        Assert.Equal(["fan[2]#1"], Invoked(t));
        Assert.Equal("asap", t.State.Tasks["fan"].ForEach!.Statuses);
    }

    [Fact]
    public void Apply_AllInstancesSucceed_TaskOutputIsTheArrayInItemOrderAndDownstreamRuns()
    {
        var wf = ListThenFan(maxParallel: 3);
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c")).State;

        // Completion order differs from item order; the output follows item order, null for an instance without output.
        state = RunStateMachine.Apply(wf, state, Out("fan[2]", 1, "C")).State;
        state = RunStateMachine.Apply(wf, state, new AttemptCompleted("fan[1]", 1, AttemptOutcome.Success(), At(3))).State;
        var t = RunStateMachine.Apply(wf, state, Out("fan[0]", 1, "A", at: 4));

        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(t.State, "fan"));
        Assert.Equal("""["A",null,"C"]""", t.State.Tasks["fan"].Output!.ToJsonString());
        Assert.Null(t.State.Tasks["fan"].ForEach!.Outputs);
        Assert.Equal(["after#1"], Invoked(t));
        Assert.Equal("""["A",null,"C"]""", RunStateMachine.TaskInputs(wf, t.State, "after")["fan"]!.ToJsonString());
    }

    [Fact]
    public void Apply_InstanceFailsWith503_RetriesThatInstanceOnlyWithItsOwnAttempts()
    {
        var wf = ListThenFan(maxParallel: 2, retry: Retries(3));
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b")).State;

        var t = RunStateMachine.Apply(wf, state, Err("fan[1]", 1, at: 2, status: 503));
        var timer = Assert.Single(t.Commands.OfType<StartTimer>());
        Assert.Equal((TimerPurpose.Retry, "fan[1]", 1), (timer.Purpose, timer.TaskId, timer.Attempt));
        Assert.Equal(TaskRunStatus.Retrying, ForEachRuns.StateOf(t.State, "fan[1]")!.Status);

        t = RunStateMachine.Apply(wf, t.State, new TimerFired(TimerPurpose.Retry, "fan[1]", 1, timer.FireAt));
        Assert.Equal(["fan[1]#2"], Invoked(t));

        // A late answer of the first attempt is stale.
        Assert.True(RunStateMachine.Apply(wf, t.State, Out("fan[1]", 1, "late", at: 5)).Ignored);

        state = RunStateMachine.Apply(wf, t.State, Out("fan[0]", 1, "A", at: 5)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[1]", 2, "B", at: 6)).State;
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(state, "fan"));
        Assert.Equal("""["A","B"]""", state.Tasks["fan"].Output!.ToJsonString());
        Assert.Equal(2, state.Tasks["fan"].Attempt);
    }

    [Fact]
    public void Apply_InstanceHeldByAnOpenCircuit_WaitsWithoutSpendingItsBudgetThenRuns()
    {
        var wf = ListThenFan(maxParallel: 2, retry: Retries(1));
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b")).State;
        var until = At(30);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("fan[1]", 1, AttemptOutcome.Held("http://backend:80", until, "circuit for http://backend:80 is open"), At(2)));

        var timer = Assert.Single(t.Commands.OfType<StartTimer>());
        Assert.Equal((TimerPurpose.Retry, "fan[1]", 1, until), (timer.Purpose, timer.TaskId, timer.Attempt, timer.FireAt));
        var held = ForEachRuns.StateOf(t.State, "fan[1]")!;
        Assert.Equal((TaskRunStatus.Retrying, 1), (held.Status, held.HeldAttempts));
        Assert.Contains(t.Log, e => e.Type == RunLogTypes.TaskHeld && e.TaskId == "fan[1]");

        // With maxAttempts 1, the attempt after the hold still runs, and its success settles the instance.
        t = RunStateMachine.Apply(wf, t.State, new TimerFired(TimerPurpose.Retry, "fan[1]", 1, until));
        Assert.Equal(["fan[1]#2"], Invoked(t));
        state = RunStateMachine.Apply(wf, t.State, Out("fan[0]", 1, "A", at: 31)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[1]", 2, "B", at: 32)).State;
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(state, "fan"));
        Assert.Equal("""["A","B"]""", state.Tasks["fan"].Output!.ToJsonString());
    }

    [Fact]
    public void Apply_InstanceFailsForGood_OthersFinishThenTaskFailsAndTriggerRulesDecideDownstream()
    {
        var wf = ListThenFan(maxParallel: 1);
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c")).State;

        var t = RunStateMachine.Apply(wf, state, Err("fan[0]", 1, at: 2, status: 500));
        Assert.Equal(["fan[1]#1"], Invoked(t));
        Assert.Equal(TaskRunStatus.Running, StatusOf(t.State, "fan"));
        state = RunStateMachine.Apply(wf, t.State, Out("fan[1]", 1, "B", at: 3)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[2]", 1, "C", at: 4)).State;

        Assert.Equal(TaskRunStatus.Failed, StatusOf(state, "fan"));
        Assert.Equal("1 of 3 instances failed; first: fan[0]: HTTP 500: boom", state.Tasks["fan"].Reason);
        Assert.Equal(TaskRunStatus.Skipped, StatusOf(state, "after"));
        Assert.Equal(RunStatus.Failed, state.Status);

        var allDone = ListThenFan(maxParallel: 3, downstream: TriggerRule.AllDone);
        state = RunStateMachine.Apply(allDone, Start(allDone, out _), ListOk("a", "b")).State;
        state = RunStateMachine.Apply(allDone, state, Err("fan[0]", 1, at: 2)).State;
        t = RunStateMachine.Apply(allDone, state, Out("fan[1]", 1, "B", at: 3));
        Assert.Equal(["after#1"], Invoked(t));
    }

    [Fact]
    public void Apply_InstanceFailsUnderFailFast_EndsTheRunAndAbortsTheOtherInstances()
    {
        var wf = ListThenFan(maxParallel: 2) with { FailFast = true };
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c")).State;

        var t = RunStateMachine.Apply(wf, state, Err("fan[0]", 1, at: 2));

        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Equal("task fan failed: fan[0]: HTTP 500: boom", t.State.Reason);
        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "fan"));
        Assert.Equal(new AbortTask("fan[1]", 1), Assert.Single(t.Commands.OfType<AbortTask>()));
        Assert.Equal("fcc", t.State.Tasks["fan"].ForEach!.Statuses);
        Assert.Empty(Invoked(t));
    }

    [Fact]
    public void Apply_Cancel_AbortsInstancesInFlightAndCancelsTheRest()
    {
        var wf = ListThenFan(maxParallel: 2, retry: Retries(3));
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c", "d")).State;
        state = RunStateMachine.Apply(wf, state, Err("fan[0]", 1, at: 2, status: 503)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[1]", 1, "B", at: 3)).State;

        var t = RunStateMachine.Apply(wf, state, new CancelRequested("stop", At(4)));

        Assert.Equal(RunStatus.Cancelled, t.State.Status);
        Assert.Equal([new AbortTask("fan[2]", 1)], t.Commands.OfType<AbortTask>());
        Assert.Equal(TaskRunStatus.Cancelled, StatusOf(t.State, "fan"));
        Assert.Equal("cscc", t.State.Tasks["fan"].ForEach!.Statuses);
        Assert.Empty(t.State.Tasks["fan"].ForEach!.Running);
        Assert.True(RunStateMachine.Apply(wf, t.State, Out("fan[2]", 1, "late", at: 5)).Ignored);
    }

    [Fact]
    public void Outstanding_RearmsEveryInstanceInFlight()
    {
        var wf = ListThenFan(maxParallel: 2, retry: Retries(3));
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c")).State;
        var t = RunStateMachine.Apply(wf, state, Err("fan[0]", 1, at: 2, status: 503));
        var due = t.Commands.OfType<StartTimer>().Single().FireAt;

        Assert.Equal(
            [new StartTimer(TimerPurpose.Retry, "fan[0]", 1, due), new InvokeTask("fan[1]", 1)],
            RunStateMachine.Outstanding(wf, RunStateJson.Deserialize(RunStateJson.Serialize(t.State))));
    }

    [Fact]
    public void Apply_ListOverTheHostLimitOrNotAList_FailsTheTaskWithTheReason()
    {
        var wf = ListThenFan();
        var state = Start(wf, out _);
        var huge = new JsonArray([.. Enumerable.Range(0, ForEachInstances.MaxItems + 1).Select(i => (JsonNode?)JsonValue.Create(i))]);

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("list", 1, AttemptOutcome.Success(new JsonObject { ["items"] = huge }), At(1)));

        Assert.Equal(TaskRunStatus.Failed, StatusOf(t.State, "fan"));
        Assert.Contains("10,001 items, over the host limit of 10,000", t.State.Tasks["fan"].Reason, StringComparison.Ordinal);
        Assert.Empty(Invoked(t));
        Assert.Equal(RunStatus.Failed, t.State.Status);

        t = RunStateMachine.Apply(wf, state, new AttemptCompleted("list", 1, AttemptOutcome.Success(new JsonObject { ["items"] = "x" }), At(1)));
        Assert.Equal("forEach '${{ tasks.list.output.items }}' resolved to a string, not a list", t.State.Tasks["fan"].Reason);

        t = RunStateMachine.Apply(wf, state, new AttemptCompleted("list", 1, AttemptOutcome.Success(new JsonObject()), At(1)));
        Assert.StartsWith("forEach list could not be resolved: ", t.State.Tasks["fan"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_EmptyListOrParamList_SucceedsAtOnceOrFansOutOverTheParam()
    {
        var wf = ListThenFan();
        var t = RunStateMachine.Apply(wf, Start(wf, out _), ListOk());
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(t.State, "fan"));
        Assert.Equal("[]", t.State.Tasks["fan"].Output!.ToJsonString());
        Assert.Equal(["after#1"], Invoked(t));

        var byParam = Workflow(Fan("fan", "${{ params.regions }}", 5)) with
        {
            Params = new Dictionary<string, JsonNode?> { ["regions"] = new JsonArray("eu", "us") },
        };
        Start(byParam, out var started);
        Assert.Equal(["fan[0]#1", "fan[1]#1"], Invoked(started));
        var input = InvokeTaskInputs.Build(byParam, started.State, new InvokeTask("fan[1]", 1));
        Assert.Equal(("fan[1]", "us", 1), (input.TaskId, input.Item!.GetValue<string>(), input.Index));
        Assert.Equal("fan", input.Task.Id);
    }

    [Fact]
    public void Apply_RedriveOfAFailedForEachTask_RunsOnlyItsFailedInstancesAgainWithAttemptNumbersContinuing()
    {
        var wf = ListThenFan(maxParallel: 2, retry: Retries(2));
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b")).State;
        state = RunStateMachine.Apply(wf, state, Err("fan[0]", 1, at: 2, failure: FailureClass.ClientError, status: 400)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[1]", 1, "B", at: 3)).State;
        Assert.Equal(RunStatus.Failed, state.Status);

        var t = RunStateMachine.Apply(wf, state, new RedriveRequested([], "ops", At(10)));

        Assert.Equal(["fan[0]#2"], Invoked(t));
        Assert.Equal(1, t.State.Tasks["fan"].AttemptBase);
        Assert.Equal("as", t.State.Tasks["fan"].ForEach!.Statuses);

        // The kept instance's output takes its place in the array.
        t = RunStateMachine.Apply(wf, t.State, Out("fan[0]", 2, "A", at: 11));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(t.State, "fan"));
        Assert.Equal("""["A","B"]""", t.State.Tasks["fan"].Output!.ToJsonString());
        Assert.Equal(["after#1"], Invoked(t));
    }

    [Fact]
    public void Apply_RedriveOfACancelledRun_RunsTheCancelledAndPendingInstancesOnly_InItemOrderWithinMaxParallel()
    {
        var wf = ListThenFan(maxParallel: 2);
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c", "d", "e")).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[1]", 1, "B", at: 2)).State;
        state = RunStateMachine.Apply(wf, state, new CancelRequested("stop", At(3))).State;
        Assert.Equal("csccc", state.Tasks["fan"].ForEach!.Statuses);

        var t = RunStateMachine.Apply(wf, state, new RedriveRequested([], "ops", At(10)));

        Assert.Equal(["fan[0]#2", "fan[2]#2"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[0]", 2, "A", at: 11));
        Assert.Equal(["fan[3]#2"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[2]", 2, "C", at: 12));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[3]", 2, "D", at: 13));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[4]", 2, "E", at: 14));
        Assert.Equal("""["A","B","C","D","E"]""", t.State.Tasks["fan"].Output!.ToJsonString());
    }

    [Fact]
    public void Apply_RedriveNamingTheListTask_RunsEveryInstanceAgain()
    {
        // The list may come out different, so nothing of the old fan-out is kept.
        var wf = ListThenFan(maxParallel: 2);
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b")).State;
        state = RunStateMachine.Apply(wf, state, Err("fan[0]", 1, at: 2, failure: FailureClass.ClientError, status: 400)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[1]", 1, "B", at: 3)).State;

        var t = RunStateMachine.Apply(wf, state, new RedriveRequested(["list"], "ops", At(10)));
        Assert.Null(t.State.Tasks["fan"].ForEach);
        t = RunStateMachine.Apply(wf, t.State, new AttemptCompleted("list", 2, AttemptOutcome.Success(new JsonObject { ["items"] = new JsonArray("x", "y") }), At(11)));

        Assert.Equal(["fan[0]#2", "fan[1]#2"], Invoked(t));
    }

    [Fact]
    public void KeptOnRedrive_SucceededTaskOrNoSucceededInstance_StartsAfresh()
    {
        var def = Fan("fan", "${{ params.items }}", 2);
        var failed = new TaskState { Status = TaskRunStatus.Failed, ForEach = new ForEachState { Count = 3, Statuses = "sfc", Next = 3 } };

        Assert.Equal("spp", ForEachRuns.KeptOnRedrive(def, failed, ["fan"])!.Statuses);
        Assert.Null(ForEachRuns.KeptOnRedrive(def, failed with { Status = TaskRunStatus.Succeeded }, ["fan"]));
        Assert.Null(ForEachRuns.KeptOnRedrive(def, failed with { ForEach = failed.ForEach! with { Statuses = "ffc" } }, ["fan"]));
        Assert.Null(ForEachRuns.KeptOnRedrive(def, failed with { ForEach = null }, ["fan"]));
    }

    [Fact]
    public void StateJson_TenThousandInstancesWithMaxParallel100_StaysWithinTheRowBudget()
    {
        // 10,000 instances, all run, many retried once: the state holds one character per instance and the 100 in flight.
        var wf = Workflow(Fan("fan", "${{ params.items }}", ForEachInstances.MaxParallelLimit) with { Retry = Retries(3) }) with
        {
            Params = new Dictionary<string, JsonNode?> { ["items"] = new JsonArray([.. Enumerable.Range(0, ForEachInstances.MaxItems).Select(i => (JsonNode?)JsonValue.Create(i))]) },
        };
        var state = Start(wf, out var started);
        var inFlight = new Queue<InvokeTask>(started.Commands.OfType<InvokeTask>());
        var largest = 0;
        var step = 0;
        while (inFlight.Count > 0)
        {
            var invoke = inFlight.Dequeue();
            var outcome = invoke.Attempt == 1 && step % 3 == 0
                ? AttemptOutcome.Fail(FailureClass.ServerError, "HTTP 503: busy", 503)
                : AttemptOutcome.Success();
            var t = RunStateMachine.Apply(wf, state, new AttemptCompleted(invoke.TaskId, invoke.Attempt, outcome, At(step++)));
            foreach (var next in t.Commands.OfType<InvokeTask>()) inFlight.Enqueue(next);
            foreach (var timer in t.Commands.OfType<StartTimer>())
            {
                t = RunStateMachine.Apply(wf, t.State, new TimerFired(timer.Purpose, timer.TaskId, timer.Attempt, timer.FireAt));
                foreach (var retry in t.Commands.OfType<InvokeTask>()) inFlight.Enqueue(retry);
            }

            state = t.State;
            if (step % 500 == 0) largest = Math.Max(largest, RunStateJson.Serialize(state with { Params = new JsonObject() }).Length);
        }

        Assert.Equal(RunStatus.Succeeded, state.Status);
        Assert.Equal(ForEachInstances.MaxItems, state.Tasks["fan"].Output!.AsArray().Count);
        // Besides params and outputs (both under their own limits), the instances cost about 1 character each plus the 100 in flight.
        Assert.InRange(largest, ForEachInstances.MaxItems, 40_000);
    }

    [Fact]
    public void RetryFromFailed_FailedForEachTask_NewRunCallsOnlyTheFailedInstance_KeepingTheOthersOutputs()
    {
        var wf = ListThenFan(maxParallel: 3);
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b", "c")).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[0]", 1, "A", at: 2)).State;
        state = RunStateMachine.Apply(wf, state, Err("fan[1]", 1, at: 3, failure: FailureClass.ClientError, status: 400)).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[2]", 1, "C", at: 4)).State;
        Assert.Equal(RunStatus.Failed, state.Status);

        var retry = RunStateMachine.RetryFromFailed(wf, state, "run-2", At(10));
        Assert.Equal(new TaskState(), retry.Tasks["after"]);
        Assert.Equal(TaskRunStatus.Pending, StatusOf(retry, "fan"));
        Assert.Equal("sps", retry.Tasks["fan"].ForEach!.Statuses);

        var t = RunStateMachine.Apply(wf, retry, new RunStarted(At(10)));
        Assert.Equal(["fan[1]#1"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[1]", 1, "B", at: 11));
        Assert.Equal(TaskRunStatus.Succeeded, StatusOf(t.State, "fan"));
        Assert.Equal("""["A","B","C"]""", t.State.Tasks["fan"].Output!.ToJsonString());
        Assert.Equal(["after#1"], Invoked(t));
    }

    [Fact]
    public void RetryFromFailed_CancelledForEachOverParams_RunsOnlyTheInstancesThatDidNotSucceed()
    {
        var wf = Workflow(Fan("fan", "${{ params.items }}", 2)) with
        {
            Params = new Dictionary<string, JsonNode?> { ["items"] = new JsonArray("a", "b", "c") },
        };
        var state = RunStateMachine.Apply(wf, Start(wf, out _), Out("fan[1]", 1, "B")).State;
        state = RunStateMachine.Apply(wf, state, new CancelRequested("stop", At(3))).State;
        Assert.Equal(RunStatus.Cancelled, state.Status);

        var t = RunStateMachine.Apply(wf, RunStateMachine.RetryFromFailed(wf, state, "run-2", At(10)), new RunStarted(At(10)));

        Assert.Equal(["fan[0]#1", "fan[2]#1"], Invoked(t));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[0]", 1, "A", at: 11));
        t = RunStateMachine.Apply(wf, t.State, Out("fan[2]", 1, "C", at: 12));
        Assert.Equal("""["A","B","C"]""", t.State.Tasks["fan"].Output!.ToJsonString());
    }

    [Fact]
    public void RetryFromFailed_ListTaskRunsAgainToo_EveryInstanceRunsAgain()
    {
        // A run whose list task did not succeed (a state no host writes today, but the rule must hold): its list may come out different.
        var wf = ListThenFan(maxParallel: 2);
        var state = RunStateMachine.Apply(wf, Start(wf, out _), ListOk("a", "b")).State;
        state = RunStateMachine.Apply(wf, state, Out("fan[0]", 1, "A", at: 2)).State;
        state = RunStateMachine.Apply(wf, state, Err("fan[1]", 1, at: 3, failure: FailureClass.ClientError, status: 400)).State;
        var tasks = new Dictionary<string, TaskState>(state.Tasks, StringComparer.Ordinal) { ["list"] = state.Tasks["list"] with { Status = TaskRunStatus.Failed } };

        var retry = RunStateMachine.RetryFromFailed(wf, state with { Tasks = tasks }, "run-2", At(10));

        Assert.Equal(new TaskState(), retry.Tasks["fan"]);
        var t = RunStateMachine.Apply(wf, RunStateMachine.Apply(wf, retry, new RunStarted(At(10))).State, ListOk("x", "y") with { At = At(11) });
        Assert.Equal(["fan[0]#1", "fan[1]#1"], Invoked(t));
    }
}
