namespace Loom.Core.Stores;

/// <summary>One page of results and the token for the next, null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Continuation);
