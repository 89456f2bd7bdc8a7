using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using static Loom.Core.Tests.Engine.EngineTestKit;

namespace Loom.Core.Tests.Engine;

public sealed class RunStateJsonTests
{
    private static RunState FullState() => new()
    {
        RunId = "run-1",
        WorkflowId = "wf",
        WorkflowVersion = 7,
        Status = RunStatus.Failed,
        Params = new JsonObject { ["region"] = "eu", ["n"] = 1.5, ["list"] = new JsonArray(1, "two", null) },
        ScheduledAt = new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.FromHours(1)),
        CreatedAt = T0.AddTicks(1234567),
        StartedAt = T0.AddSeconds(1),
        FinishedAt = T0.AddSeconds(9),
        Reason = "task b failed: HTTP 500",
        RetryOf = "run-0",
        EventCount = 12,
        Tasks = new Dictionary<string, TaskState>
        {
            ["a"] = new() { Status = TaskRunStatus.Succeeded, Attempt = 2, StartedAt = T0, FinishedAt = T0.AddSeconds(2), LastStatusCode = 200, Output = new JsonObject { ["x"] = new JsonObject { ["y"] = true } }, OutputTruncated = true },
            ["b"] = new() { Status = TaskRunStatus.Retrying, Attempt = 1, DueAt = T0.AddSeconds(30), Reason = "HTTP 500" },
            ["c"] = new(),
        },
    };

    [Fact]
    public void Serialize_RoundTrip_IsLossless()
    {
        var state = FullState();
        var json = RunStateJson.Serialize(state);
        var back = RunStateJson.Deserialize(json);

        Assert.Equal(json, RunStateJson.Serialize(back));
        Assert.Equal(state.ScheduledAt, back.ScheduledAt);
        Assert.Equal(state.ScheduledAt.Offset, back.ScheduledAt.Offset);
        Assert.Equal(state.CreatedAt, back.CreatedAt);
        Assert.Equal(["a", "b", "c"], back.Tasks.Keys);
        Assert.True(JsonNode.DeepEquals(state.Tasks["a"].Output, back.Tasks["a"].Output));
        Assert.True(JsonNode.DeepEquals(state.Params, back.Params));
        Assert.Equal(state.Tasks["b"], back.Tasks["b"]);
        Assert.Equal(state with { Params = back.Params, Tasks = back.Tasks }, back);
    }

    [Fact]
    public void Serialize_UsesCamelCaseEnumsAndCompactForm()
    {
        var json = RunStateJson.Serialize(FullState());
        Assert.StartsWith("""{"runId":"run-1","workflowId":"wf","workflowVersion":7,"status":"failed",""", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"retrying\"", json, StringComparison.Ordinal);
        Assert.Contains("\"c\":{\"status\":\"pending\",\"attempt\":0,\"outputTruncated\":false}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", json, StringComparison.Ordinal);
    }

    [Fact]
    public void TryDeserialize_Garbage_ReturnsError()
    {
        Assert.False(RunStateJson.TryDeserialize("{\"runId\":", out var state, out var error));
        Assert.Null(state);
        Assert.StartsWith("Run state is not valid", error, StringComparison.Ordinal);
        Assert.False(RunStateJson.TryDeserialize("{}", out _, out _));
        Assert.Throws<JsonException>(() => RunStateJson.Deserialize("null"));
    }
}
