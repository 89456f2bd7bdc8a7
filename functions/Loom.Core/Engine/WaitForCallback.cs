namespace Loom.Core.Engine;

/// <summary>A callback task's attempt was accepted: wait for <see cref="CallbackReceived"/> until <paramref name="Deadline"/>.</summary>
public sealed record WaitForCallback(string TaskId, int Attempt, DateTimeOffset Deadline) : RunCommand;
