namespace Loom.Core.Engine;

/// <summary>Send attempt <paramref name="Attempt"/> of a task; the driver answers with <see cref="AttemptCompleted"/>.</summary>
public sealed record InvokeTask(string TaskId, int Attempt) : RunCommand;
