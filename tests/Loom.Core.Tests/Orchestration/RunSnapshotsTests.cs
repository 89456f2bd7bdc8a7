using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Core.Stores;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

/// <summary>The pure parts of the SaveRun and InvokeTask activities.</summary>
public sealed class RunSnapshotsTests
{
    private static readonly DateTimeOffset T0 = DurableRunHarness.T0;

    private static RunState Started(out RunState pending)
    {
        pending = RunStateMachine.Create(Diamond(), 1, "run-1", null, T0, T0);
        return RunStateMachine.Apply(Diamond(), pending, new RunStarted(T0)).State;
    }

    [Fact]
    public void Merge_NoStoredRecord_CreatesOneWithTheTrigger()
    {
        var state = Started(out _);

        var record = RunSnapshots.Merge(null, state, "schedule")!;

        Assert.Equal("running", record.Status);
        Assert.Equal("schedule", record.Trigger);
        Assert.Null(record.ETag);
        Assert.Equal(RunStateJson.Serialize(state), record.State);
    }

    [Fact]
    public void Merge_OlderSnapshotStored_ReplacesItKeepingTriggerCreatedAtAndETag()
    {
        var state = Started(out var pending);
        var stored = RunSnapshots.Merge(null, pending, "schedule")! with { ETag = "W/\"1\"", CreatedAt = T0.AddSeconds(-5) };

        var record = RunSnapshots.Merge(stored, state)!;

        Assert.Equal("schedule", record.Trigger);
        Assert.Equal("W/\"1\"", record.ETag);
        Assert.Equal(T0.AddSeconds(-5), record.CreatedAt);
        Assert.Equal("running", record.Status);
    }

    [Fact]
    public void Merge_SameOrNewerSnapshotStored_WritesNothing()
    {
        var state = Started(out var pending);
        var stored = RunSnapshots.Merge(null, state)! with { ETag = "e" };

        Assert.Null(RunSnapshots.Merge(stored, state));
        Assert.Null(RunSnapshots.Merge(stored, pending));
    }

    [Fact]
    public void AttemptRecords_From_MapsOutcomeNamesAndOutput()
    {
        var input = InvokeTaskInputs.Build(Diamond(), Started(out _), new InvokeTask("a", 1));

        var ok = AttemptRecords.From(input, T0, "POST http://backend/a", AttemptOutcome.Success(new JsonObject { ["n"] = 1 }) with { StatusCode = 200 });
        var timeout = AttemptRecords.From(input, T0, "POST http://backend/a", AttemptOutcome.Fail(FailureClass.Timeout, "too slow"));

        Assert.Equal(("succeeded", 200, "{\"n\":1}", (string?)null), (ok.Outcome, ok.StatusCode, ok.Output, ok.Error));
        Assert.Equal(("timeout", "too slow"), (timeout.Outcome, timeout.Error));
        Assert.Equal(("run-1", "a", 1), (timeout.RunId, timeout.TaskId, timeout.Attempt));
    }

    [Fact]
    public void RunEventLog_ToRecords_NumbersRowsFromTheEventIndex()
    {
        var rows = RunEventLog.ToRecords("run-1", 3, [new RunLogEntry("TaskStarted", "a", 1, "go", T0), new RunLogEntry("TaskSucceeded", "a", 1, null, T0)]);

        Assert.Equal(["3000000", "3000001"], rows.Select(r => r.EventId));
        Assert.Equal([3_000_000L, 3_000_001L], rows.Select(r => r.Sequence));
        Assert.Equal("{\"Attempt\":1,\"Message\":\"go\"}", rows[0].Data);
        Assert.IsType<RunEventRecord>(rows[1]);
    }
}
