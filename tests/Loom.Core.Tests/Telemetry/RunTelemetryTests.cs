using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Stores;
using Loom.Core.Telemetry;

namespace Loom.Core.Tests.Telemetry;

/// <summary>What a committed change records: the counters of runs and retries, and the spans of the tasks and the run it ended.</summary>
public sealed class RunTelemetryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SpanRecorder_OnThisRuntime_CanGiveSpansTheirChosenIds() => Assert.True(SpanRecorder.CanSetIds);

    [Fact]
    public void TaskSpanId_SameRunAndTask_SameIdEverywhere_OtherTaskOtherId()
    {
        var trace = new RunTrace("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");

        Assert.Equal(trace.TaskSpanId("a"), new RunTrace(trace.TraceId, trace.SpanId).TaskSpanId("a"));
        Assert.NotEqual(trace.TaskSpanId("a"), trace.TaskSpanId("b"));
        Assert.Matches("^[0-9a-f]{16}$", trace.TaskSpanId("a"));
    }

    [Fact]
    public void TaskSpanId_AfterARedrive_IsANewSpan_AndStableForThatRedrive()
    {
        var trace = new RunTrace("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");

        Assert.Equal(trace.TaskSpanId("a"), trace.TaskSpanId("a", 0));
        Assert.NotEqual(trace.TaskSpanId("a"), trace.TaskSpanId("a", 3));
        Assert.NotEqual(trace.TaskSpanId("a", 3), trace.TaskSpanId("a", 5));
        Assert.Equal(trace.TaskSpanId("a", 3), new RunTrace(trace.TraceId, trace.SpanId).TaskSpanId("a", 3));
    }

    [Fact]
    public void Committed_RedrivenTaskFinished_RecordsItsSpanUnderTheRedrivesId()
    {
        using var capture = new SpanCapture();
        var trace = new RunTrace(ActivityTraceId.CreateRandom().ToHexString(), ActivitySpanId.CreateRandom().ToHexString());
        var state = Finished("wf-redriven", trace);
        state = state with { Tasks = new Dictionary<string, TaskState> { ["a"] = state.Tasks["a"] with { Attempt = 4, AttemptBase = 2 } } };

        RunTelemetry.Committed(state, [Event(state, RunLogTypes.TaskSucceeded, "a")], "manual");

        var task = Assert.Single(capture.InTrace(trace.TraceId), s => s.DisplayName == "task a");
        Assert.Equal(trace.TaskSpanId("a", 2), task.SpanId.ToHexString());
    }

    [Fact]
    public void New_InsideATracedOperation_JoinsItsTrace()
    {
        using var capture = new SpanCapture();
        using var outer = new Activity("api call").SetIdFormat(ActivityIdFormat.W3C);
        outer.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        outer.Start();

        var trace = RunTrace.New();

        Assert.Equal(outer.TraceId.ToHexString(), trace.TraceId);
        Assert.Equal(outer.SpanId.ToHexString(), trace.ParentSpanId);
        Assert.NotEqual(outer.SpanId.ToHexString(), trace.SpanId);
    }

    [Fact]
    public void New_InsideAnOperationNobodyRecords_StartsATraceOfItsOwn()
    {
        using var outer = new Activity("diagnostics only").SetIdFormat(ActivityIdFormat.W3C).Start();

        var trace = RunTrace.New();

        Assert.NotEqual(outer.TraceId.ToHexString(), trace.TraceId);
        Assert.Null(trace.ParentSpanId);
    }

    [Fact]
    public void Committed_RunFinished_RecordsTaskAndRunSpansUnderTheirChosenIds()
    {
        using var capture = new SpanCapture();
        var trace = new RunTrace(ActivityTraceId.CreateRandom().ToHexString(), ActivitySpanId.CreateRandom().ToHexString());
        var state = Finished("wf-spans", trace);
        using var caller = new Activity("caller").Start();

        RunTelemetry.Committed(state, [Event(state, RunLogTypes.TaskSucceeded, "a"), Event(state, RunLogTypes.RunSucceeded, null)], "manual");

        Assert.Same(caller, Activity.Current);
        var spans = capture.InTrace(trace.TraceId);
        var run = Assert.Single(spans, s => s.DisplayName == "run wf-spans");
        var task = Assert.Single(spans, s => s.DisplayName == "task a");
        Assert.Equal((trace.SpanId, default), (run.SpanId.ToHexString(), run.ParentSpanId));
        Assert.Equal((trace.TaskSpanId("a"), trace.SpanId), (task.SpanId.ToHexString(), task.ParentSpanId.ToHexString()));
        Assert.Equal((T0.AddSeconds(1).UtcDateTime, TimeSpan.FromSeconds(9)), (run.StartTimeUtc, run.Duration));
        Assert.Equal((T0.AddSeconds(2).UtcDateTime, TimeSpan.FromSeconds(3)), (task.StartTimeUtc, task.Duration));
        Assert.Equal(ActivityStatusCode.Ok, run.Status);
    }

    [Fact]
    public void Committed_StartRetryAndFinish_CountedOnceEachWithTheirLabels()
    {
        var workflow = "wf-" + Guid.NewGuid().ToString("N")[..8];
        var measured = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == LoomTelemetry.Meter) l.EnableMeasurementEvents(instrument);
        };
        void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dict = new Dictionary<string, object?>();
            foreach (var (k, v) in tags) dict[k] = v;
            if (Equals(dict.GetValueOrDefault(LoomTelemetry.WorkflowTag), workflow))
            {
                lock (measured) measured.Add((instrument.Name, value, dict));
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        listener.Start();
        var state = Finished(workflow, trace: null);

        RunTelemetry.Committed(state, [Event(state, RunLogTypes.RunStarted, null), Event(state, RunLogTypes.TaskRetrying, "a")], "schedule");
        RunTelemetry.Committed(state, [Event(state, RunLogTypes.TaskSucceeded, "a"), Event(state, RunLogTypes.RunSucceeded, null)], "schedule");

        Assert.Equal([("loom.runs.started", 1.0, "schedule")], measured.Where(m => m.Instrument == "loom.runs.started").Select(m => (m.Instrument, m.Value, (string)m.Tags["trigger"]!)));
        Assert.Equal([1.0], measured.Where(m => m.Instrument == "loom.task.retries").Select(m => m.Value));
        Assert.Equal([(1.0, "succeeded")], measured.Where(m => m.Instrument == "loom.runs.finished").Select(m => (m.Value, (string)m.Tags["status"]!)));
        Assert.Equal([9.0], measured.Where(m => m.Instrument == "loom.run.duration").Select(m => m.Value));
        Assert.Equal([1.0], measured.Where(m => m.Instrument == "loom.schedule.lag").Select(m => m.Value));
        Assert.Equal([1.0, -1.0], measured.Where(m => m.Instrument == "loom.runs.active").Select(m => m.Value));
    }

    /// <summary>A finished run: scheduled at T0, started at +1 s, task a from +2 s to +5 s, finished at +10 s.</summary>
    private static RunState Finished(string workflow, RunTrace? trace) => new()
    {
        RunId = workflow + "-run",
        WorkflowId = workflow,
        WorkflowVersion = 1,
        Status = RunStatus.Succeeded,
        Params = new JsonObject(),
        ScheduledAt = T0,
        CreatedAt = T0,
        StartedAt = T0.AddSeconds(1),
        FinishedAt = T0.AddSeconds(10),
        Tasks = new Dictionary<string, TaskState>
        {
            ["a"] = new() { Status = TaskRunStatus.Succeeded, Attempt = 2, StartedAt = T0.AddSeconds(2), FinishedAt = T0.AddSeconds(5) },
        },
        Trace = trace,
    };

    private static RunEventRecord Event(RunState state, string type, string? taskId) => new(state.RunId, type, 0, T0, type, taskId, "{}");
}
