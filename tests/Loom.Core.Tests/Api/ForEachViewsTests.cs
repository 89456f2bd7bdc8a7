using System.Text.Json.Nodes;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Api;

/// <summary>forEach instances show under their task: counted in the run view, one by one in a page of instances.</summary>
public sealed class ForEachViewsTests
{
    private static readonly WorkflowDefinition Fan = Workflow(
        Task("list"),
        Task("fan", "list") with { ForEach = "${{ tasks.list.output.items }}", MaxParallel = 2, Retry = Retries(3) });

    /// <summary>Five items: fan[0] succeeded, fan[1] waits to retry after a 503, fan[2] runs, fan[3] and fan[4] are pending.</summary>
    private static RunState Midway()
    {
        var items = new JsonArray([.. Enumerable.Range(0, 5).Select(i => (JsonNode?)JsonValue.Create(i))]);
        var state = Start(Fan, out _);
        state = RunStateMachine.Apply(Fan, state, new AttemptCompleted("list", 1, AttemptOutcome.Success(new JsonObject { ["items"] = items }), At(1))).State;
        state = RunStateMachine.Apply(Fan, state, Err("fan[1]", 1, at: 2, status: 503)).State;
        return RunStateMachine.Apply(Fan, state, Ok("fan[0]", 1, at: 3)).State;
    }

    private static RunRecord Record(RunState state) => new()
    {
        RunId = state.RunId, WorkflowId = "wf", WorkflowVersion = 1, Status = "running", CreatedAt = T0, State = RunStateJson.Serialize(state),
    };

    private static AttemptRecord Row(string taskId, int attempt, double startSeconds, string outcome, int? status, string? error = null) => new()
    {
        RunId = "run-1", TaskId = taskId, Attempt = attempt, StartedAt = At(startSeconds), Duration = TimeSpan.FromMilliseconds(250), Outcome = outcome,
        StatusCode = status, Error = error,
    };

    [Fact]
    public void DefinitionView_ForEachTask_CarriesItsListAndMaxParallel_OtherTasksNeither()
    {
        var view = DefinitionViews.For(Fan);

        var fan = Assert.Single(view.Tasks, t => t.Id == "fan");
        Assert.Equal("${{ tasks.list.output.items }}", fan.ForEach);
        Assert.Equal(2, fan.MaxParallel);
        var list = Assert.Single(view.Tasks, t => t.Id == "list");
        Assert.Null(list.ForEach);
        Assert.Null(list.MaxParallel);
    }

    [Fact]
    public void Detail_ForEachTaskMidway_CountsItsInstancesByStatusUnderTheTask()
    {
        var state = Midway();

        var detail = RunViews.Detail(Record(state), state, Fan);

        var fan = detail.Tasks.Single(t => t.Id == "fan");
        Assert.NotNull(fan.Instances);
        Assert.Equal((5, 2), (fan.Instances.Total, fan.Instances.MaxParallel));
        Assert.Equal(new Dictionary<string, int> { ["pending"] = 2, ["retrying"] = 1, ["running"] = 1, ["succeeded"] = 1 }, fan.Instances.Counts);
        Assert.Null(detail.Tasks.Single(t => t.Id == "list").Instances);
    }

    [Fact]
    public void Detail_ForEachTaskBeforeItsListIsResolved_HasNoInstances()
    {
        var state = Start(Fan, out _);

        var detail = RunViews.Detail(Record(state), state, Fan);

        Assert.Null(detail.Tasks.Single(t => t.Id == "fan").Instances);
    }

    [Fact]
    public void Detail_DefinitionUnknown_CountsWithoutMaxParallel()
    {
        var state = Midway();

        var fan = RunViews.Detail(Record(state), state, null).Tasks.Single(t => t.Id == "fan");

        Assert.Equal(5, fan.Instances!.Total);
        Assert.Null(fan.Instances.MaxParallel);
    }

    [Fact]
    public void Page_Midway_StatusesFromTheStateAndFinalDetailsFromTheAttemptRows()
    {
        var fan = Midway().Tasks["fan"].ForEach;
        Assert.Equal([0], ForEachViews.FinalOnPage(fan, 0, 100));

        var page = ForEachViews.Page("run-1", "fan", fan, 0, 100, new Dictionary<int, IReadOnlyList<AttemptRecord>> { [0] = [Row("fan[0]", 1, 1.5, "succeeded", 200)] });

        Assert.Equal((5, 0), (page.Total, page.Offset));
        Assert.Equal(["fan[0]", "fan[1]", "fan[2]", "fan[3]", "fan[4]"], page.Items.Select(i => i.Id));
        Assert.Equal([0, 1, 2, 3, 4], page.Items.Select(i => i.Index));
        Assert.Equal([TaskRunStatus.Succeeded, TaskRunStatus.Retrying, TaskRunStatus.Running, TaskRunStatus.Pending, TaskRunStatus.Pending], page.Items.Select(i => i.Status));
        Assert.Equal([1, 1, 1, 0, 0], page.Items.Select(i => i.Attempt));

        var done = page.Items[0];
        Assert.Equal((At(1.5), At(1.5).AddMilliseconds(250), 200), (done.StartedAt!.Value, done.FinishedAt!.Value, done.StatusCode!.Value));
        Assert.Null(done.Reason);
        var retrying = page.Items[1];
        Assert.Equal((503, At(2) + TimeSpan.FromSeconds(1)), (retrying.StatusCode!.Value, retrying.DueAt!.Value));
        Assert.NotNull(retrying.Reason);
        Assert.Null(retrying.FinishedAt);
        Assert.Null(page.Items[3].StartedAt);
    }

    [Fact]
    public void Page_OffsetAndLimit_CutThePageAndAnOffsetPastTheEndIsEmpty()
    {
        var fan = Midway().Tasks["fan"].ForEach;

        var page = ForEachViews.Page("run-1", "fan", fan, 1, 2, new Dictionary<int, IReadOnlyList<AttemptRecord>>());
        Assert.Equal(["fan[1]", "fan[2]"], page.Items.Select(i => i.Id));
        Assert.Equal((5, 1), (page.Total, page.Offset));
        Assert.Empty(ForEachViews.FinalOnPage(fan, 1, 2));

        Assert.Equal(["fan[4]"], ForEachViews.Page("run-1", "fan", fan, 4, 100, new Dictionary<int, IReadOnlyList<AttemptRecord>>()).Items.Select(i => i.Id));
        Assert.Empty(ForEachViews.Page("run-1", "fan", fan, 9, 100, new Dictionary<int, IReadOnlyList<AttemptRecord>>()).Items);
        Assert.Empty(ForEachViews.FinalOnPage(fan, 9, 100));
    }

    [Fact]
    public void Page_FailedInstanceRetried_ShowsItsLastAttemptAndError_FirstStart()
    {
        var fan = new ForEachState { Count = 2, Statuses = "fc", Next = 2 };
        var rows = new Dictionary<int, IReadOnlyList<AttemptRecord>>
        {
            [0] = [Row("fan[0]", 2, 4, "failed", 500, "HTTP 500"), Row("fan[0]", 1, 1, "retryable", 503, "HTTP 503")],
        };

        var page = ForEachViews.Page("run-1", "fan", fan, 0, 10, rows);

        var failed = page.Items[0];
        Assert.Equal((TaskRunStatus.Failed, 2, At(1), At(4).AddMilliseconds(250), "HTTP 500", 500),
            (failed.Status, failed.Attempt, failed.StartedAt!.Value, failed.FinishedAt!.Value, failed.Reason, failed.StatusCode!.Value));
        // Cancelled before it started: only its status is known.
        Assert.Equal((TaskRunStatus.Cancelled, 0), (page.Items[1].Status, page.Items[1].Attempt));
        Assert.Null(page.Items[1].StartedAt);
    }

    [Fact]
    public void ByIndex_RowsOfSeveralInstances_GroupedByTheirIndex()
    {
        var rows = ForEachViews.ByIndex([Row("fan[10]", 1, 1, "succeeded", 200), Row("fan[1]", 2, 3, "succeeded", 200), Row("fan[1]", 1, 1, "retryable", 503), Row("fan", 1, 0, "succeeded", 200)]);

        Assert.Equal([1, 10], rows.Keys.Order());
        Assert.Equal([2, 1], rows[1].Select(a => a.Attempt));
    }

    [Fact]
    public void Page_ListNotResolvedYet_IsEmpty()
    {
        var page = ForEachViews.Page("run-1", "fan", null, 0, 100, new Dictionary<int, IReadOnlyList<AttemptRecord>>());

        Assert.Equal(0, page.Total);
        Assert.Empty(page.Items);
        Assert.Empty(ForEachViews.FinalOnPage(null, 0, 100));
    }
}
