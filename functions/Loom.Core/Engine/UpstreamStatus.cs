using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>The status of one direct upstream task, as seen by a trigger rule.</summary>
/// <param name="TaskId">The upstream task.</param>
/// <param name="Status">Its current status.</param>
public readonly record struct UpstreamStatus(string TaskId, TaskRunStatus Status);
