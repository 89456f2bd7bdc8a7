namespace Loom.Core.Engine;

/// <summary>
/// Someone asked to resume a failed or cancelled run in place: <paramref name="Tasks"/> (every task that did not succeed when
/// empty) and everything downstream of them go back to pending; succeeded tasks keep their state and outputs.
/// </summary>
/// <param name="Tasks">Tasks to run again; empty for every task that did not succeed.</param>
/// <param name="By">The name of the API key that asked (never the key).</param>
/// <param name="At">When it was asked.</param>
public sealed record RedriveRequested(IReadOnlyList<string> Tasks, string? By, DateTimeOffset At) : RunEvent(At);
