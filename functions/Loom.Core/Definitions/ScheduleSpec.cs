using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>A cron schedule and its policies.</summary>
public sealed record ScheduleSpec
{
    /// <summary>5-field (minute precision) or 6-field (leading seconds) cron expression.</summary>
    public required string Cron { get; init; }

    /// <summary>IANA time zone the cron expression is read in.</summary>
    public string Timezone { get; init; } = "UTC";

    /// <summary>What to do with occurrences missed while Loom was down or the workflow paused.</summary>
    public CatchupPolicy Catchup { get; init; } = CatchupPolicy.Latest;

    /// <summary>Upper bound on the occurrences started by one catch-up under <see cref="CatchupPolicy.All"/>.</summary>
    public int MaxCatchup { get; init; } = 10;

    /// <summary>What to do when an occurrence is due while earlier runs are still active.</summary>
    public ConcurrencyPolicy Concurrency { get; init; } = ConcurrencyPolicy.Allow;

    /// <summary>Most runs of this workflow active at once; null for no limit.</summary>
    public int? MaxActiveRuns { get; init; }

    /// <summary>No occurrence before this instant.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>No occurrence after this instant.</summary>
    public DateTimeOffset? End { get; init; }
}
