using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Engine;

/// <summary>Status of a run.</summary>
public enum RunStatus
{
    /// <summary>Created, not started.</summary>
    Pending,

    /// <summary>At least one task is not final.</summary>
    Running,

    /// <summary>Every task is final and no failure counts against the run.</summary>
    Succeeded,

    /// <summary>A task failed (without allowFailure), or the run timed out.</summary>
    Failed,

    /// <summary>Cancelled on request or replaced by a newer occurrence.</summary>
    Cancelled,
}
