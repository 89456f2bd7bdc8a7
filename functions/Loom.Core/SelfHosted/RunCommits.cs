using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Orchestration;
using Loom.Core.Stores;

namespace Loom.Core.SelfHosted;

/// <summary>
/// Writes a transition down for the self-hosted driver: the run row with its state and an outbox naming who owes each
/// outstanding item (the commands this commit issues are owed by the committing process, the rest keep their owner), plus the
/// transition's event-log rows and the attempt rows whose outcomes it applies.
/// </summary>
public static class RunCommits
{
    /// <summary>The commit that creates a run: its start transition, owned by <paramref name="self"/>.</summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="before">The run's initial (pending) state.</param>
    /// <param name="started">The transition of the run's start event.</param>
    /// <param name="trigger">What started the run.</param>
    /// <param name="self">The committing process incarnation.</param>
    public static RunCommit Start(WorkflowDefinition workflow, RunState before, Transition started, string trigger, string self)
    {
        var owners = RunOutbox.Assign(workflow, started.State, new Dictionary<string, string>(StringComparer.Ordinal), started.Commands, self);
        return new RunCommit(
            ToRecord(started.State, trigger, RunOutbox.Serialize(owners), etag: null),
            new RunHistory(RunEventLog.ToRecords(before.RunId, before.EventCount, started.Log), []));
    }

    /// <summary>The commit of a change from <paramref name="before"/> (stored as <paramref name="record"/>) to <paramref name="after"/>.</summary>
    /// <param name="workflow">The run's workflow.</param>
    /// <param name="record">The stored run row the change applies to (its ETag makes the write conditional).</param>
    /// <param name="before">The state stored in <paramref name="record"/>.</param>
    /// <param name="after">The new state.</param>
    /// <param name="commands">The commands the change issues (owed by <paramref name="self"/> from this commit on).</param>
    /// <param name="log">The change's audit entries.</param>
    /// <param name="attempts">Rows of the attempts whose outcomes the change applies.</param>
    /// <param name="self">The committing process incarnation.</param>
    public static RunCommit Change(WorkflowDefinition workflow, RunRecord record, RunState before, RunState after, IEnumerable<RunCommand> commands,
        IReadOnlyList<RunLogEntry> log, IReadOnlyList<AttemptRecord> attempts, string self)
    {
        var owners = RunOutbox.Assign(workflow, after, RunOutbox.Deserialize(record.Outbox), commands, self);
        return new RunCommit(
            ToRecord(after, record.Trigger, RunOutbox.Serialize(owners), record.ETag) with { CreatedAt = record.CreatedAt },
            new RunHistory(RunEventLog.ToRecords(after.RunId, before.EventCount, log), attempts));
    }

    private static RunRecord ToRecord(RunState state, string trigger, string outbox, string? etag) => new()
    {
        RunId = state.RunId,
        WorkflowId = state.WorkflowId,
        WorkflowVersion = state.WorkflowVersion,
        Status = RunStatuses.Name(state.Status),
        CreatedAt = state.CreatedAt,
        ScheduledAt = state.ScheduledAt,
        FinishedAt = state.FinishedAt,
        Trigger = trigger,
        State = RunStateJson.Serialize(state),
        Outbox = outbox,
        ETag = etag,
    };
}
