namespace Loom.Core.Stores;

/// <summary>A run as stored: summary columns for listing, plus the engine's opaque state and outbox.</summary>
/// <remarks>The state and outbox are JSON written and read by the engine; the store does not interpret them.</remarks>
public sealed record RunRecord
{
    /// <summary>Run id (deterministic for scheduled runs).</summary>
    public required string RunId { get; init; }

    /// <summary>Workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>Workflow version the run executes.</summary>
    public required int WorkflowVersion { get; init; }

    /// <summary>pending, running, succeeded, failed or cancelled.</summary>
    public required string Status { get; init; }

    /// <summary>When the run was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The schedule occurrence, or the trigger time for manual runs.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>When the run reached a final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>What started it: schedule, manual, backfill, retry.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>The state machine's snapshot, as JSON.</summary>
    public required string State { get; init; }

    /// <summary>Committed commands not yet executed, as JSON; empty when nothing is owed.</summary>
    public string Outbox { get; init; } = "";

    /// <summary>Concurrency token; null for a record not yet stored.</summary>
    public string? ETag { get; init; }
}
