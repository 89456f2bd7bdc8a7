using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;

namespace Loom.Core.Tests.Engine;

/// <summary>Builders for workflows and events (the parser is another helper's work, so definitions are built in code).</summary>
internal static class EngineTestKit
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    public static TaskDefinition Task(string id, params string[] dependsOn) =>
        new() { Id = id, Url = $"http://backend/{id}", DependsOn = dependsOn, Retry = NoRetry };

    public static RetryPolicy NoRetry { get; } = new() { MaxAttempts = 1, Jitter = 0 };

    public static RetryPolicy Retries(int maxAttempts, BackoffKind backoff = BackoffKind.Fixed, double seconds = 1, double maxSeconds = 60) =>
        new() { MaxAttempts = maxAttempts, Backoff = backoff, Delay = TimeSpan.FromSeconds(seconds), MaxDelay = TimeSpan.FromSeconds(maxSeconds), Jitter = 0 };

    public static WorkflowDefinition Workflow(params TaskDefinition[] tasks) => new() { Id = "wf", Tasks = tasks };

    public static RunState Start(WorkflowDefinition wf, out Transition started, string runId = "run-1")
    {
        var state = RunStateMachine.Create(wf, 1, runId, null, T0, T0);
        started = RunStateMachine.Apply(wf, state, new RunStarted(T0));
        return started.State;
    }

    public static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    public static AttemptCompleted Ok(string task, int attempt = 1, double at = 1) =>
        new(task, attempt, AttemptOutcome.Success(), At(at));

    public static AttemptCompleted Err(string task, int attempt = 1, double at = 1, FailureClass failure = FailureClass.ServerError, int? status = 500) =>
        new(task, attempt, AttemptOutcome.Fail(failure, "boom", status), At(at));

    public static TaskRunStatus StatusOf(RunState state, string task) => state.Tasks[task].Status;

    public static List<string> Invoked(Transition t) => [.. t.Commands.OfType<InvokeTask>().Select(c => $"{c.TaskId}#{c.Attempt}")];
}
