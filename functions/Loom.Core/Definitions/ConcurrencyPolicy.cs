using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>How a due occurrence interacts with runs still active.</summary>
public enum ConcurrencyPolicy
{
    /// <summary>Start it anyway.</summary>
    Allow,

    /// <summary>Skip it.</summary>
    Forbid,

    /// <summary>Cancel the active runs, then start it.</summary>
    Replace,
}
