using Loom.Core.Definitions;
using Loom.Core.Planning;

namespace Loom.Core.Tests.Planning;

public sealed class ExecutionPlanTests
{
    [Fact]
    public void For_SeedWorkflow_TwoStagesAndBothOnCriticalPath()
    {
        var plan = ExecutionPlan.For(Workflow(("fetch_data", []), ("process", ["fetch_data"])));

        Assert.Equal([["fetch_data"], ["process"]], plan.Stages);
        Assert.Equal(["fetch_data", "process"], plan.CriticalPath);
        Assert.Equal(["fetch_data"], plan.Upstream("process"));
        Assert.Equal(["process"], plan.Downstream("fetch_data"));
        Assert.Empty(plan.Upstream("fetch_data"));
        Assert.Empty(plan.Downstream("process"));
    }

    [Fact]
    public void For_Diamond_MiddleTasksShareAStage()
    {
        var plan = ExecutionPlan.For(Workflow(("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])));

        Assert.Equal([["a"], ["b", "c"], ["d"]], plan.Stages);
        Assert.Equal(["a", "b", "d"], plan.CriticalPath);
        Assert.Equal(["a", "b", "c"], plan.Upstream("d"));
        Assert.Equal(["b", "c", "d"], plan.Downstream("a"));
        Assert.Equal(["a"], plan.Upstream("c"));
        Assert.Equal(["d"], plan.Downstream("b"));
        Assert.Equal(2, plan.StageOf("d"));
    }

    [Fact]
    public void For_DiamondDeclaredInOtherOrder_TieGoesToFirstDeclared()
    {
        var plan = ExecutionPlan.For(Workflow(("a", []), ("c", ["a"]), ("b", ["a"]), ("d", ["b", "c"])));

        Assert.Equal([["a"], ["c", "b"], ["d"]], plan.Stages);
        Assert.Equal(["a", "c", "d"], plan.CriticalPath);
    }

    [Fact]
    public void For_WideFanOut_OneRootThenOneWideStage()
    {
        var leaves = Enumerable.Range(1, 50).Select(i => ($"t{i:00}", (string[])["root"])).ToArray();
        var plan = ExecutionPlan.For(Workflow([("root", []), .. leaves]));

        Assert.Equal(2, plan.Stages.Count);
        Assert.Equal(["root"], plan.Stages[0]);
        Assert.Equal(leaves.Select(l => l.Item1), plan.Stages[1]);
        Assert.Equal(["root", "t01"], plan.CriticalPath);
        Assert.Equal(50, plan.Downstream("root").Count);
        Assert.Equal(["root"], plan.Upstream("t37"));
    }

    [Fact]
    public void For_FanOutFanIn_JoinIsLastStage()
    {
        var plan = ExecutionPlan.For(Workflow(
            ("extract", []), ("load1", ["extract"]), ("load2", ["extract"]), ("load3", ["extract"]), ("report", ["load1", "load2", "load3"])));

        Assert.Equal([["extract"], ["load1", "load2", "load3"], ["report"]], plan.Stages);
        Assert.Equal(["extract", "load1", "report"], plan.CriticalPath);
    }

    [Fact]
    public void For_LongerChainDeclaredLater_WinsCriticalPath()
    {
        var plan = ExecutionPlan.For(Workflow(("x", []), ("y", ["x"]), ("a", []), ("b", ["a"]), ("c", ["b"])));

        Assert.Equal([["x", "a"], ["y", "b"], ["c"]], plan.Stages);
        Assert.Equal(["a", "b", "c"], plan.CriticalPath);
    }

    [Fact]
    public void For_StageIsLongestChainNotShortest()
    {
        // d depends on a directly and through b -> c, so it waits for the longer chain.
        var plan = ExecutionPlan.For(Workflow(("a", []), ("b", ["a"]), ("c", ["b"]), ("d", ["a", "c"])));

        Assert.Equal([["a"], ["b"], ["c"], ["d"]], plan.Stages);
        Assert.Equal(["a", "b", "c", "d"], plan.CriticalPath);
    }

    [Fact]
    public void For_TasksDeclaredBeforeTheirDependencies_StillPlanned()
    {
        var plan = ExecutionPlan.For(Workflow(("process", ["fetch_data"]), ("fetch_data", [])));

        Assert.Equal([["fetch_data"], ["process"]], plan.Stages);
        Assert.Equal(["fetch_data", "process"], plan.CriticalPath);
    }

    [Fact]
    public void For_IndependentTasks_SingleStage()
    {
        var plan = ExecutionPlan.For(Workflow(("a", []), ("b", []), ("c", [])));

        Assert.Equal([["a", "b", "c"]], plan.Stages);
        Assert.Equal(["a"], plan.CriticalPath);
    }

    [Fact]
    public void For_DeepChain_NoStackOverflow()
    {
        var chain = Enumerable.Range(0, 5000).Select(i => ($"t{i}", i == 0 ? [] : (string[])[$"t{i - 1}"])).ToArray();

        var plan = ExecutionPlan.For(Workflow(chain));

        Assert.Equal(5000, plan.Stages.Count);
        Assert.Equal(5000, plan.CriticalPath.Count);
        Assert.Equal(4999, plan.Upstream("t4999").Count);
    }

    [Fact]
    public void For_NoTasks_EmptyPlan()
    {
        var plan = ExecutionPlan.For(Workflow());

        Assert.Empty(plan.Stages);
        Assert.Empty(plan.CriticalPath);
    }

    [Fact]
    public void Upstream_UnknownTask_Throws()
    {
        var plan = ExecutionPlan.For(Workflow(("a", [])));

        Assert.Throws<ArgumentException>(() => plan.Upstream("nope"));
        Assert.Throws<ArgumentException>(() => plan.Downstream("nope"));
    }

    [Fact]
    public void For_Cycle_ThrowsNamingTasks()
    {
        var ex = Assert.Throws<ArgumentException>(() => ExecutionPlan.For(Workflow(("a", ["c"]), ("b", ["a"]), ("c", ["b"]), ("d", []))));

        Assert.Contains("a, b, c", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void For_UnknownDependency_Throws()
    {
        Assert.Throws<ArgumentException>(() => ExecutionPlan.For(Workflow(("a", ["ghost"]))));
    }

    private static WorkflowDefinition Workflow(params (string Id, string[] DependsOn)[] tasks) => new()
    {
        Id = "plan-test",
        Tasks = tasks.Select(t => new TaskDefinition { Id = t.Id, Url = $"http://127.0.0.1:1/{t.Id}", DependsOn = t.DependsOn }).ToList(),
    };
}
