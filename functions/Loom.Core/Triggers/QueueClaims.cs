using Loom.Core.Definitions;

namespace Loom.Core.Triggers;

/// <summary>
/// A queue starts one workflow: the rule registration applies, so a second workflow declaring a queue is refused at once
/// rather than having every message of that queue poisoned later (the pump still poisons them, should two registrations race).
/// </summary>
public static class QueueClaims
{
    /// <summary>The first of <paramref name="definition"/>'s queues that another of <paramref name="current"/> declares, with that workflow; null when none does.</summary>
    /// <param name="definition">The workflow being registered.</param>
    /// <param name="current">The current definitions of the workflows that exist (a new version of the same workflow may keep its queues).</param>
    public static QueueClaim? FindTaken(WorkflowDefinition definition, IEnumerable<WorkflowDefinition> current)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(current);
        if (definition.Triggers.Queues.Count == 0) return null;
        var wanted = definition.Triggers.Queues.ToHashSet(StringComparer.Ordinal);
        foreach (var other in current.Where(o => o.Id != definition.Id).OrderBy(o => o.Id, StringComparer.Ordinal))
        {
            if (other.Triggers.Queues.FirstOrDefault(wanted.Contains) is { } queue) return new QueueClaim(queue, other.Id);
        }

        return null;
    }

    /// <summary>As <see cref="FindTaken(WorkflowDefinition, IEnumerable{WorkflowDefinition})"/>, against every workflow not deleted (paused ones hold their queues too).</summary>
    /// <param name="workflows">The workflows.</param>
    /// <param name="definition">The workflow being registered.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public static async Task<QueueClaim?> FindTakenAsync(WorkflowCatalog workflows, WorkflowDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        ArgumentNullException.ThrowIfNull(definition);
        // Most workflows declare no queue: they cost no listing.
        if (definition.Triggers.Queues.Count == 0) return null;
        return FindTaken(definition, (await workflows.ListCurrentAsync(cancellationToken)).Select(c => c.Definition));
    }
}
