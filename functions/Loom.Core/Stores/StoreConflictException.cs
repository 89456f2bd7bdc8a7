namespace Loom.Core.Stores;

/// <summary>Thrown when an item that must be new already exists.</summary>
public sealed class StoreConflictException(string message) : Exception(message);
