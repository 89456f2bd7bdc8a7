using Loom.Core.Triggers;
using Microsoft.Extensions.Logging;

namespace Loom.Hosting;

/// <summary>What both hosts log about queue-triggered messages (event ids 3101-3199, declared in the project's Log class).</summary>
public static class QueueTriggerLog
{
    /// <summary>Logs what became of each message of a pass.</summary>
    public static void Report(ILogger logger, IEnumerable<QueueMessageOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var o in outcomes)
        {
            switch (o.Result)
            {
                case QueueMessageResult.Started: Log.QueueStarted(logger, o.Queue, o.MessageId, o.WorkflowId ?? "", o.RunId ?? ""); break;
                case QueueMessageResult.Duplicate: Log.QueueDuplicate(logger, o.Queue, o.MessageId, o.RunId ?? ""); break;
                case QueueMessageResult.Poisoned: Log.QueuePoisoned(logger, o.Queue, o.MessageId, o.Reason ?? ""); break;
                case QueueMessageResult.Held: Log.QueueHeld(logger, o.Queue, o.MessageId, o.WorkflowId ?? ""); break;
                case QueueMessageResult.Failed: Log.QueueFailed(logger, o.Queue, o.MessageId, o.Error); break;
            }
        }
    }

    /// <summary>A whole pass failed (the workflows or a queue could not be read).</summary>
    public static void PassFailed(ILogger logger, Exception exception) => Log.QueuePassFailed(logger, exception);
}
