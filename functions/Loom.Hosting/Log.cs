using Microsoft.Extensions.Logging;

namespace Loom.Hosting;

/// <summary>Log messages of the shared hosting layer (event ids 3001-3199; every id is used once across Loom's assemblies).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "API request {Method} {Path} failed")]
    public static partial void ApiFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Loom:CallbackSigningKey is not set: callback URLs are signed with a key made for this process and stop verifying when it restarts")]
    public static partial void SigningKeyGenerated(ILogger logger);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Warning, Message = "The circuit breakers' table did not answer; calls go ahead as if their circuits were closed")]
    public static partial void CircuitStoreFailed(ILogger logger, Exception exception);
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Queue {Queue} message {MessageId} started run {RunId} of {WorkflowId}")]
    public static partial void QueueStarted(ILogger logger, string queue, string messageId, string workflowId, string runId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Queue {Queue} message {MessageId} came again: its run {RunId} exists, no second run")]
    public static partial void QueueDuplicate(ILogger logger, string queue, string messageId, string runId);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Queue {Queue} message {MessageId} moved to the poison queue: {Reason}")]
    public static partial void QueuePoisoned(ILogger logger, string queue, string messageId, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Queue {Queue} message {MessageId} held: workflow {WorkflowId} is paused")]
    public static partial void QueueHeld(ILogger logger, string queue, string messageId, string workflowId);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "Queue {Queue} message {MessageId} could not start its run; it comes back after its lease")]
    public static partial void QueueFailed(ILogger logger, string queue, string messageId, Exception? exception);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Queue trigger pass failed; trying again after a pause")]
    public static partial void QueuePassFailed(ILogger logger, Exception exception);
}
