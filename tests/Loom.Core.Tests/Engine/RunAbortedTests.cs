using Loom.Core.Engine;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

/// <summary>A run whose next state can never be stored is failed from its last stored state, with the reason.</summary>
public sealed class RunAbortedTests
{
    [Fact]
    public void Apply_RunAborted_FailsTheRunCancelsWhatIsOpenAndAbortsAttemptsInFlight()
    {
        var wf = Workflow(Task("a"), Task("b", "a"));
        var state = Start(wf, out _);

        var t = RunStateMachine.Apply(wf, state, new RunAborted("storage refused it", At(2)));

        Assert.Equal(RunStatus.Failed, t.State.Status);
        Assert.Equal("storage refused it", t.State.Reason);
        Assert.Equal(TaskRunStatus.Cancelled, StatusOf(t.State, "a"));
        Assert.Equal(TaskRunStatus.Cancelled, StatusOf(t.State, "b"));
        Assert.Equal([new AbortTask("a", 1), new FinishRun(RunStatus.Failed, "storage refused it")], t.Commands);
        Assert.Equal(RunLogTypes.RunFailed, t.Log[^1].Type);
    }

    [Fact]
    public void Apply_RunAbortedAfterTheRunEnded_Ignored()
    {
        var wf = Workflow(Task("a"));
        var done = RunStateMachine.Apply(wf, Start(wf, out _), Ok("a")).State;

        Assert.True(RunStateMachine.Apply(wf, done, new RunAborted("late", At(3))).Ignored);
    }
}
