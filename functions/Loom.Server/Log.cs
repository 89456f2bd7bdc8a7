namespace Loom.Server;

/// <summary>
/// Log messages of the self-hosted server (event ids 1001-2999: the engine 10xx, recovery 11xx, the scheduler 12xx, the process
/// 13xx, task attempts 20xx); every id is used once across Loom's assemblies.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Run {RunId} finished: {Status}")]
    public static partial void Finished(ILogger logger, string runId, string status);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Run {RunId}: took over {Count} orphaned item(s)")]
    public static partial void Recovered(ILogger logger, string runId, int count);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Run {RunId}: processing failed")]
    public static partial void Failure(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Run {RunId}: storage unreachable ({Error}); retrying until it is back")]
    public static partial void RunStorageOutage(ILogger logger, string runId, string error);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Run {RunId}: its change could not be committed ({Failures} time(s) in a row); retrying")]
    public static partial void Stalled(ILogger logger, string runId, int failures, Exception exception);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Run {RunId}: committed again after {Failures} failed attempt(s)")]
    public static partial void Unstalled(ILogger logger, string runId, int failures);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "Run {RunId}: failing the run: {Reason}")]
    public static partial void Aborted(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Error, Message = "Run {RunId}: {Count} dead letter(s) could not be stored")]
    public static partial void DeadLetterLost(ILogger logger, string runId, int count, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Run {RunId}: its statistics could not be counted")]
    public static partial void StatisticsLost(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Recovery sweep failed; retrying at the next interval")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Scheduled run {RunId} of {WorkflowId} started")]
    public static partial void Started(ILogger logger, string workflowId, string runId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Occurrence of {WorkflowId} skipped: {Reason}")]
    public static partial void Skipped(ILogger logger, string workflowId, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Backfill run {RunId} of {WorkflowId} started; {Queued} occurrence(s) still queued")]
    public static partial void BackfillStarted(ILogger logger, string workflowId, string runId, int queued);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Scheduler tick failed; retrying at the next interval")]
    public static partial void TickFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1251, Level = LogLevel.Information, Message = "Retention: {Deleted} expired run(s) deleted ({Rows} rows), {Examined} examined")]
    public static partial void RetentionSwept(ILogger logger, int deleted, int rows, int examined);

    [LoggerMessage(EventId = 1252, Level = LogLevel.Warning, Message = "Retention sweep failed; retrying at the next interval")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Process quiet: heap trimmed from {BeforeMb} MB committed to {AfterMb} MB")]
    public static partial void Trimmed(ILogger logger, long beforeMb, long afterMb);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "Task {RunId}/{TaskId} attempt {Attempt}: {Outcome} ({StatusCode})")]
    public static partial void Outcome(ILogger logger, string runId, string taskId, int attempt, string outcome, int? statusCode);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Task {RunId}/{TaskId} attempt {Attempt}: {Outcome} ({StatusCode}): {Error}")]
    public static partial void FailedOutcome(ILogger logger, string runId, string taskId, int attempt, string outcome, int? statusCode, string? error);
}
