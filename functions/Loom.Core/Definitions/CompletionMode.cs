using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>Whether a task completes with its HTTP response or with a later callback.</summary>
public enum CompletionMode
{
    /// <summary>The response completes the task.</summary>
    Sync,

    /// <summary>A 202 or RUNNING response makes the task wait for a POST to its callback URL.</summary>
    Callback,
}
