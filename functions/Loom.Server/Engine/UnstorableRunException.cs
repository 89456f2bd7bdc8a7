namespace Loom.Server.Engine;

/// <summary>A run's change that failed before any I/O (applying its events, or writing its state down): it would fail the same way on every retry.</summary>
internal sealed class UnstorableRunException(string message, Exception inner) : Exception(message, inner);
