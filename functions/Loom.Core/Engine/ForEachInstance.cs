namespace Loom.Core.Engine;

/// <summary>An instance of a forEach task that is running or waiting to retry, held in full (at most maxParallel of them).</summary>
/// <param name="Index">The item's 0-based index.</param>
/// <param name="State">Its status (running or retrying), attempt, due time, reason and last status code.</param>
public sealed record ForEachInstance(int Index, TaskState State);
