using Loom.Core.Triggers;
using Microsoft.Extensions.Logging;

namespace Loom.Hosting;

/// <summary>What both hosts log about queue-triggered messages (event ids 3101-3199).</summary>
public static partial class QueueTriggerLog
{
    /// <summary>Logs what became of each message of a pass.</summary>
    public static void Report(ILogger logger, IEnumerable<QueueMessageOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var o in outcomes)
        {
            switch (o.Result)
            {
                case QueueMessageResult.Started: Started(logger, o.Queue, o.MessageId, o.WorkflowId ?? "", o.RunId ?? ""); break;
                case QueueMessageResult.Duplicate: Duplicate(logger, o.Queue, o.MessageId, o.RunId ?? ""); break;
                case QueueMessageResult.Poisoned: Poisoned(logger, o.Queue, o.MessageId, o.Reason ?? ""); break;
                case QueueMessageResult.Held: Held(logger, o.Queue, o.MessageId, o.WorkflowId ?? ""); break;
                case QueueMessageResult.Failed: Failed(logger, o.Queue, o.MessageId, o.Error); break;
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Queue {Queue} message {MessageId} started run {RunId} of {WorkflowId}")]
    private static partial void Started(ILogger logger, string queue, string messageId, string workflowId, string runId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Queue {Queue} message {MessageId} came again: its run {RunId} exists, no second run")]
    private static partial void Duplicate(ILogger logger, string queue, string messageId, string runId);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Queue {Queue} message {MessageId} moved to the poison queue: {Reason}")]
    private static partial void Poisoned(ILogger logger, string queue, string messageId, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Queue {Queue} message {MessageId} held: workflow {WorkflowId} is paused")]
    private static partial void Held(ILogger logger, string queue, string messageId, string workflowId);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "Queue {Queue} message {MessageId} could not start its run; it comes back after its lease")]
    private static partial void Failed(ILogger logger, string queue, string messageId, Exception? exception);

    /// <summary>A whole pass failed (the workflows or a queue could not be read).</summary>
    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Queue trigger pass failed; trying again after a pause")]
    public static partial void PassFailed(ILogger logger, Exception exception);
}
