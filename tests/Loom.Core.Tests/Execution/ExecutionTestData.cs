using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Execution;
using Loom.Core.Templating;

namespace Loom.Core.Tests.Execution;

/// <summary>Invocations, scopes and requests shared by the execution tests.</summary>
internal static class ExecutionTestData
{
    public static readonly DateTimeOffset ScheduledAt = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);

    public static TaskInvocation Invocation(int attempt = 1, string? callbackUrl = null) => new(
        RunId: "run-42",
        WorkflowId: "daily-report",
        TaskId: "process",
        Attempt: attempt,
        ScheduledAt: ScheduledAt,
        Params: new JsonObject { ["region"] = "eu" },
        Inputs: new Dictionary<string, JsonNode?> { ["fetch_data"] = new JsonObject { ["rows"] = 3 } },
        CallbackUrl: callbackUrl);

    public static TemplateScope Scope() => new()
    {
        Params = new JsonObject { ["region"] = "eu" },
        RunId = "run-42",
        WorkflowId = "daily-report",
        ScheduledAt = ScheduledAt,
    };

    public static TaskDefinition TaskDef(string url, string method = "POST", JsonNode? body = null, IReadOnlyDictionary<string, string>? headers = null) => new()
    {
        Id = "process",
        Url = url,
        Method = method,
        Body = body,
        Headers = headers ?? new Dictionary<string, string>(),
    };

    public static PreparedRequest Prepare(
        Uri url,
        string method = "POST",
        JsonNode? body = null,
        byte[]? signingKey = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var result = HttpTaskRequestFactory.Create(TaskDef(url.ToString(), method, body, headers), Invocation(), Scope(), signingKey);
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Request;
    }
}

/// <summary>A clock stopped at one instant; timers and timestamps stay real.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>A clock whose timestamp advances by one step at each reading.</summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref ticks, step.Ticks);
}
