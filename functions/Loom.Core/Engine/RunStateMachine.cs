using System.Text.Json.Nodes;
using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>The run state machine: state + event -> state + commands. Pure and deterministic: no clock, no randomness, no I/O.</summary>
public static class RunStateMachine
{
    /// <summary>A new pending run: every task pending, parameters merged (workflow defaults, then overrides).</summary>
    public static RunState Create(WorkflowDefinition workflow, int version, string runId, JsonObject? paramOverrides, DateTimeOffset scheduledAt, DateTimeOffset createdAt) =>
        throw new NotImplementedException("The state machine is being built.");

    /// <summary>Applies one event. Events that no longer apply (a late attempt, a stale timer, anything after the run ended) change nothing and yield no commands.</summary>
    public static Transition Apply(WorkflowDefinition workflow, RunState state, RunEvent runEvent) =>
        throw new NotImplementedException("The state machine is being built.");

    /// <summary>A new run that keeps the succeeded tasks of a finished run (with their outputs) and re-runs the rest.</summary>
    public static RunState RetryFromFailed(WorkflowDefinition workflow, RunState finished, string newRunId, DateTimeOffset createdAt) =>
        throw new NotImplementedException("The state machine is being built.");
}
