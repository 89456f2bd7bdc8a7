namespace Loom.Core.Engine;

/// <summary>The run reached a final status.</summary>
public sealed record FinishRun(RunStatus Status, string? Reason) : RunCommand;
