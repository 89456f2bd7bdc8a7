using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using static Loom.Core.Tests.Orchestration.Workflows;

namespace Loom.Core.Tests.Orchestration;

public class DurableRunForEachTests
{
    [Fact]
    public void RunAsync_ForEachWithARetriedInstance_AcrossContinueAsNew_MatchesTheMachineAndPassesTheArrayDown()
    {
        var wf = Of(
            Task("list"),
            Task("each", "list") with { ForEach = "${{ tasks.list.output.items }}", MaxParallel = 2, Retry = new() { MaxAttempts = 3, Jitter = 0, Delay = TimeSpan.FromSeconds(1) } },
            Task("after", "each"));
        var run = new DurableRunHarness(wf, continueAsNewAfter: 3);
        run.Respond = i => i.TaskId switch
        {
            "list" => AttemptOutcome.Success(new JsonObject { ["items"] = new JsonArray("a", "b", "c", "d") }),
            "each[1]" when i.Attempt == 1 => AttemptOutcome.Fail(FailureClass.ServerError, "HTTP 503: busy", 503),
            _ when i.Index is { } index => AttemptOutcome.Success(JsonValue.Create($"{i.Item}-{index}")),
            _ => AttemptOutcome.Success(),
        };

        run.RunUntilIdle();

        Assert.True(run.Context.IsCompleted);
        Assert.Equal(RunStatus.Succeeded, run.Result.Status);
        Assert.Equal(["after#1", "each[0]#1", "each[1]#1", "each[1]#2", "each[2]#1", "each[3]#1", "list#1"], run.SentAttempts.Order(StringComparer.Ordinal));
        Assert.Equal("""["a-0","b-1","c-2","d-3"]""", run.LastSaved.Tasks["each"].Output!.ToJsonString());
        run.AssertMatchesMachine();
    }
}
