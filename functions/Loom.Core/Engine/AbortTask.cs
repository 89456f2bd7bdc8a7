namespace Loom.Core.Engine;

/// <summary>Abort an attempt in flight (best effort; its late outcome will be ignored).</summary>
public sealed record AbortTask(string TaskId, int Attempt) : RunCommand;
