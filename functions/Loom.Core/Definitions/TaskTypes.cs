using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>The task types a workflow may declare.</summary>
public static class TaskTypes
{
    /// <summary>Calls the task's URL.</summary>
    public const string Http = "http";

    /// <summary>Waits (a durable timer) for a duration or until an instant, calling nothing.</summary>
    public const string Wait = "wait";
}
