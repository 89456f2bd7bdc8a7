using Loom.Core.Circuits;
using Loom.Core.Engine;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class RunStateMachineHeldTests
{
    private const string Origin = "http://backend:80";

    private static AttemptCompleted Held(string task, int attempt, double at, double until) =>
        new(task, attempt, AttemptOutcome.Held(Origin, At(until), $"circuit for {Origin} is open"), At(at));

    [Fact]
    public void Apply_HeldAttempt_RetriesAtTheHoldWithoutSpendingTheBudget()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(2) });
        var state = Start(wf, out _);

        var held = RunStateMachine.Apply(wf, state, Held("a", 1, at: 1, until: 30));

        Assert.Equal(TaskRunStatus.Retrying, StatusOf(held.State, "a"));
        Assert.Equal((1, 1, 0), (held.State.Tasks["a"].Attempt, held.State.Tasks["a"].HeldAttempts, held.State.Tasks["a"].CountedAttempts));
        Assert.Equal([new StartTimer(TimerPurpose.Retry, "a", 1, At(30))], held.Commands);
        var entry = Assert.Single(held.Log);
        Assert.Equal((RunLogTypes.TaskHeld, "a", 1), (entry.Type, entry.TaskId, entry.Attempt));
        Assert.Contains("not counted against maxAttempts", entry.Message, StringComparison.Ordinal);

        // Held five times in a row, then two real failures: only those two count against maxAttempts 2.
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            state = RunStateMachine.Apply(wf, held.State, new TimerFired(TimerPurpose.Retry, "a", attempt - 1, At(30 * attempt))).State;
            held = RunStateMachine.Apply(wf, state, Held("a", attempt, at: 30 * attempt, until: 30 * attempt + 29));
        }

        state = RunStateMachine.Apply(wf, held.State, new TimerFired(TimerPurpose.Retry, "a", 5, At(200))).State;
        var started = RunStateMachine.Apply(wf, held.State, new TimerFired(TimerPurpose.Retry, "a", 5, At(200)));
        Assert.Equal("attempt 6 (1 of 2, not counting 5 held by an open circuit)", started.Log.Single().Message);
        var failed = RunStateMachine.Apply(wf, state, Err("a", 6, at: 201));
        Assert.Equal(TaskRunStatus.Retrying, StatusOf(failed.State, "a"));
        state = RunStateMachine.Apply(wf, failed.State, new TimerFired(TimerPurpose.Retry, "a", 6, At(202))).State;
        var last = RunStateMachine.Apply(wf, state, Err("a", 7, at: 203));
        Assert.Equal(TaskRunStatus.Failed, StatusOf(last.State, "a"));
        Assert.Equal(RunStatus.Failed, last.State.Status);
    }

    [Fact]
    public void TaskViews_AfterHolds_MaxAttemptsMovesWithTheHeldOnes()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) });
        var state = RunStateMachine.Apply(wf, Start(wf, out _), Held("a", 1, at: 1, until: 5)).State;

        var view = Assert.Single(RunStateMachine.TaskViews(wf, state));

        Assert.Equal((1, 4), (view.Attempt, view.MaxAttempts));
    }

    [Fact]
    public void Apply_HeldUntilInThePast_WaitsAtLeastTheShortestHold()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(2) });
        var state = Start(wf, out _);

        var held = RunStateMachine.Apply(wf, state, Held("a", 1, at: 10, until: 5));

        Assert.Equal([new StartTimer(TimerPurpose.Retry, "a", 1, At(10) + CircuitRules.MinHold)], held.Commands);
    }

    [Fact]
    public void Apply_AttemptThatOpenedTheCircuit_LogsCircuitOpenedBeforeTheRetry()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) });
        var state = Start(wf, out _);
        var outcome = AttemptOutcome.Fail(FailureClass.ServerError, "HTTP 503", 503) with { Circuit = CircuitChange.Opened, CircuitOrigin = Origin, HeldUntil = At(31) };

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, outcome, At(1)));

        Assert.Equal([RunLogTypes.CircuitOpened, RunLogTypes.TaskRetrying], t.Log.Select(l => l.Type));
        Assert.Equal($"circuit for {Origin} opened: calls to it are held until {At(31):O}", t.Log[0].Message);
    }

    [Fact]
    public void Apply_ProbeThatClosedTheCircuit_LogsCircuitClosedAndSucceeds()
    {
        var wf = Workflow(Task("a") with { Retry = Retries(3) });
        var state = Start(wf, out _);
        var outcome = AttemptOutcome.Success() with { Circuit = CircuitChange.Closed, CircuitOrigin = Origin };

        var t = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, outcome, At(1)));

        Assert.Equal([RunLogTypes.CircuitClosed, RunLogTypes.TaskSucceeded, RunLogTypes.RunSucceeded], t.Log.Select(l => l.Type));
    }

    [Fact]
    public void Apply_HeldOutcomeAsACallback_Ignored()
    {
        var wf = Workflow(Task("a") with { Completion = Loom.Core.Definitions.CompletionMode.Callback });
        var state = Start(wf, out _);
        state = RunStateMachine.Apply(wf, state, new AttemptCompleted("a", 1, new AttemptOutcome { Kind = OutcomeKind.Accepted }, At(1))).State;

        var t = RunStateMachine.Apply(wf, state, new CallbackReceived("a", 1, AttemptOutcome.Held(Origin, At(9), "x"), At(2)));

        Assert.True(t.Ignored);
    }
}
