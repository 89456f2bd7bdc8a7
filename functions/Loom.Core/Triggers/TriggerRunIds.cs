using System.Security.Cryptography;
using System.Text;
using Loom.Core.Scheduling;

namespace Loom.Core.Triggers;

/// <summary>
/// Run ids of event-triggered runs: <c>{workflowId}@q{20 hex}</c> for a queue message and <c>{workflowId}@w{20 hex}</c> for a
/// webhook call. A queue message's id depends only on the workflow, the queue and the message id, so a redelivered message
/// names the run it started already and the store's insert-if-absent refuses a second one.
/// </summary>
public static class TriggerRunIds
{
    /// <summary>The run id of one queue message.</summary>
    public static string ForQueueMessage(string workflowId, string queue, string messageId) => Build(workflowId, "q", $"{queue}\n{messageId}");

    /// <summary>The run id of one webhook delivery (its idempotency key, or random text when the sender gave none).</summary>
    public static string ForWebhook(string workflowId, string deliveryKey) => Build(workflowId, "w", deliveryKey);

    private static string Build(string workflowId, string kind, string key)
    {
        if (!RunIds.IsValidWorkflowId(workflowId))
        {
            throw new ArgumentException($"'{workflowId}' is not a valid workflow id for a run id.", nameof(workflowId));
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(workflowId + "\n" + key));
        return $"{workflowId}@{kind}{Convert.ToHexStringLower(hash.AsSpan(0, 10))}";
    }
}
