using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>How missed occurrences are handled.</summary>
public enum CatchupPolicy
{
    /// <summary>Missed occurrences are dropped; only occurrences due from now on run.</summary>
    None,

    /// <summary>Only the most recent missed occurrence runs.</summary>
    Latest,

    /// <summary>Every missed occurrence runs, up to <see cref="ScheduleSpec.MaxCatchup"/>.</summary>
    All,
}
