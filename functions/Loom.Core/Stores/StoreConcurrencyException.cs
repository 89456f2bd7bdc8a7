namespace Loom.Core.Stores;

/// <summary>Thrown when a stored item changed since it was read.</summary>
public sealed class StoreConcurrencyException(string message) : Exception(message);
