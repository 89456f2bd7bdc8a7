using Loom.Core.Planning;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Planning;

public sealed class WeightedCriticalPathTests
{
    [Fact]
    public void For_MeasuredDurations_PicksTheLongestChainByTimeNotByTaskCount()
    {
        // By task count the critical path is a -> b1 -> b2 -> d; by time, a -> slow -> d.
        var wf = Workflow(Task("a"), Task("b1", "a"), Task("b2", "b1"), Task("slow", "a"), Task("d", "b2", "slow"));
        Assert.Equal(["a", "b1", "b2", "d"], ExecutionPlan.For(wf).CriticalPath);

        var weighted = WeightedCriticalPath.For(wf, new Dictionary<string, double> { ["a"] = 100, ["b1"] = 50, ["b2"] = 50, ["slow"] = 5000, ["d"] = 10 });
        Assert.Equal(["a", "slow", "d"], weighted.Path);
        Assert.Equal(5110, weighted.TotalMs);
        Assert.Empty(weighted.Unmeasured);
    }

    [Fact]
    public void For_UnmeasuredTasks_WeighNothingAndAreListed()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("c", "a"));
        var weighted = WeightedCriticalPath.For(wf, new Dictionary<string, double> { ["b"] = 30 });
        Assert.Equal(["b"], weighted.Path);
        Assert.Equal(30, weighted.TotalMs);
        Assert.Equal(["a", "c"], weighted.Unmeasured);
    }

    [Fact]
    public void For_NothingMeasured_TiesGoByDeclarationOrder()
    {
        var wf = Workflow(Task("a"), Task("b"), Task("c", "a", "b"));
        Assert.Equal(["a", "c"], WeightedCriticalPath.For(wf, new Dictionary<string, double>()).Path);
    }
}
