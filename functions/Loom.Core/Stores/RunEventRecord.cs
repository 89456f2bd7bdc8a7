namespace Loom.Core.Stores;

/// <summary>One entry of a run's append-only event log.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="EventId">Unique id within the run; appending the same id twice stores it once.</param>
/// <param name="Sequence">Position in the run's log (monotonic).</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Type">Event type, e.g. RunStarted, TaskSucceeded.</param>
/// <param name="TaskId">The task concerned, when one is.</param>
/// <param name="Data">Details as JSON.</param>
public sealed record RunEventRecord(string RunId, string EventId, long Sequence, DateTimeOffset Timestamp, string Type, string? TaskId, string Data);
