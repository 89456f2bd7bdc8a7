using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Engine;

/// <summary>Status of one task within a run.</summary>
public enum TaskRunStatus
{
    /// <summary>Waiting for its upstream tasks.</summary>
    Pending,

    /// <summary>An attempt is in flight.</summary>
    Running,

    /// <summary>The backend accepted the work; waiting for its callback.</summary>
    Waiting,

    /// <summary>An attempt failed; the next one starts when its backoff timer fires.</summary>
    Retrying,

    /// <summary>Done successfully.</summary>
    Succeeded,

    /// <summary>Failed for good.</summary>
    Failed,

    /// <summary>Its trigger rule can no longer hold.</summary>
    Skipped,

    /// <summary>Cancelled with the run.</summary>
    Cancelled,
}
