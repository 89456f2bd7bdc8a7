using Microsoft.Extensions.Logging;

namespace Loom.Functions;

/// <summary>Log messages of the Function App (event ids 4001-4099; every id is used once across Loom's assemblies).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Scheduler tick: {Started} run(s) started, {Existing} already started, {Skipped} skipped")]
    public static partial void Ticked(ILogger logger, int started, int existing, int skipped);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Task {RunId}/{TaskId} attempt {Attempt}: {Outcome} ({StatusCode})")]
    public static partial void AttemptFinished(ILogger logger, string runId, string taskId, int attempt, string outcome, int? statusCode);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Task {RunId}/{TaskId} attempt {Attempt}: the run ended while the call was in flight; it is no longer waited for")]
    public static partial void Abandoned(ILogger logger, string runId, string taskId, int attempt);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Run {RunId}: could not read the run while a call was in flight; the call is waited for to its end")]
    public static partial void RunCheckFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Run {RunId}: its record existed without an orchestration; the orchestration was started")]
    public static partial void Repaired(ILogger logger, string runId);

    [LoggerMessage(EventId = 4081, Level = LogLevel.Information, Message = "Run {RunId}: notification {Key} to {Target}: sent {Sent} ({Detail})")]
    public static partial void Notified(ILogger logger, string runId, string key, string target, bool sent, string detail);

    [LoggerMessage(EventId = 4082, Level = LogLevel.Warning, Message = "Run {RunId}: notification {Key} not delivered ({Detail}); Durable retries it")]
    public static partial void NotifyRetried(ILogger logger, string runId, string key, string detail);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Run {RunId}: redriven in place by {By} (a new orchestration under the same instance id)")]
    public static partial void Redriven(ILogger logger, string runId, string by);

    [LoggerMessage(EventId = 4051, Level = LogLevel.Information, Message = "Retention: {Deleted} expired run(s) deleted with their Durable instances ({Rows} rows), {Deferred} deferred, {Examined} examined")]
    public static partial void RetentionSwept(ILogger logger, int deleted, int rows, int deferred, int examined);

    [LoggerMessage(EventId = 4083, Level = LogLevel.Warning, Message = "Run {RunId}: the attempt that ended the run could not store its final state; the orchestration saves it")]
    public static partial void FinishNotStored(ILogger logger, string runId, Exception exception);
}
