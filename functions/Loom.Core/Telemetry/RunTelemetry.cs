using System.Diagnostics;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Telemetry;

/// <summary>
/// Records what a committed change of a run means for telemetry, from the event-log rows the commit stored: runs started and
/// finished, retries, schedule lag, active runs, and the spans of the tasks and of the run that the change ended. Both hosts call
/// it right after the write that commits a change (the server's run commit, Durable's <c>SaveRun</c> activity), so a change is
/// counted once, by the process that stored it, and never from replayed orchestrator code.
/// </summary>
public static class RunTelemetry
{
    /// <summary>Records a committed change.</summary>
    /// <param name="state">The run's state after the change.</param>
    /// <param name="events">The event-log rows the change stored.</param>
    /// <param name="trigger">What started the run (schedule, manual, backfill, retry).</param>
    public static void Committed(RunState state, IReadOnlyList<RunEventRecord> events, string trigger)
    {
        if (events.Count == 0) return;
        var workflow = new TagList { { LoomTelemetry.WorkflowTag, state.WorkflowId } };
        var trace = state.Trace is { IsValid: true } t ? t : null;
        foreach (var e in events)
        {
            switch (e.Type)
            {
                case RunLogTypes.RunStarted:
                    LoomTelemetry.RunsStarted.Add(1, new TagList { { LoomTelemetry.WorkflowTag, state.WorkflowId }, { "trigger", trigger } });
                    LoomTelemetry.RunsActive.Add(1, workflow);
                    if (trigger == "schedule" && state.StartedAt is { } started)
                    {
                        LoomTelemetry.ScheduleLag.Record(Math.Max(0, (started - state.ScheduledAt).TotalSeconds), workflow);
                    }
                    break;
                case RunLogTypes.TaskRetrying:
                    LoomTelemetry.Retries.Add(1, workflow);
                    break;
                case RunLogTypes.TaskSucceeded or RunLogTypes.TaskFailed or RunLogTypes.TaskCancelled when trace is not null && e.TaskId is { } taskId:
                    RecordTaskSpan(state, trace, taskId, e);
                    break;
                case RunLogTypes.RunSucceeded or RunLogTypes.RunFailed or RunLogTypes.RunCancelled:
                    RunFinished(state, trace, e);
                    break;
            }
        }
    }

    private static void RunFinished(RunState state, RunTrace? trace, RunEventRecord e)
    {
        var status = RunStatuses.Name(state.Status);
        var tags = new TagList { { LoomTelemetry.WorkflowTag, state.WorkflowId }, { "status", status } };
        LoomTelemetry.RunsFinished.Add(1, tags);
        var end = state.FinishedAt ?? e.Timestamp;
        if (state.StartedAt is { } started)
        {
            LoomTelemetry.RunDuration.Record(Math.Max(0, (end - started).TotalSeconds), tags);
            LoomTelemetry.RunsActive.Add(-1, new TagList { { LoomTelemetry.WorkflowTag, state.WorkflowId } });
        }

        if (trace is null) return;
        var parent = trace.ParentSpanId is { } p
            ? new ActivityContext(ActivityTraceId.CreateFromString(trace.TraceId), ActivitySpanId.CreateFromString(p), ActivityTraceFlags.Recorded, isRemote: true)
            : default;
        SpanRecorder.Record($"run {state.WorkflowId}", ActivityKind.Internal, parent, trace.TraceId, trace.SpanId, state.StartedAt ?? state.CreatedAt, end,
            new ActivityTagsCollection
            {
                ["loom.workflow.id"] = state.WorkflowId,
                ["loom.workflow.version"] = state.WorkflowVersion,
                ["loom.run.id"] = state.RunId,
                ["loom.run.status"] = status,
            },
            state.Status == RunStatus.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, state.Status == RunStatus.Succeeded ? null : state.Reason);
    }

    private static void RecordTaskSpan(RunState state, RunTrace trace, string taskId, RunEventRecord e)
    {
        // A task that never sent an attempt (cancelled while pending) has no span.
        if (!state.Tasks.TryGetValue(taskId, out var task) || task.StartedAt is not { } started) return;
        var status = RunStatuses.Name(task.Status);
        SpanRecorder.Record($"task {taskId}", ActivityKind.Internal, trace.RunContext, trace.TraceId, trace.TaskSpanId(taskId, task.AttemptBase), started, task.FinishedAt ?? e.Timestamp,
            new ActivityTagsCollection
            {
                ["loom.workflow.id"] = state.WorkflowId,
                ["loom.run.id"] = state.RunId,
                ["loom.task.id"] = taskId,
                ["loom.task.status"] = status,
                ["loom.task.attempts"] = task.Attempt,
            },
            task.Status == TaskRunStatus.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, task.Status == TaskRunStatus.Succeeded ? null : task.Reason);
    }
}
