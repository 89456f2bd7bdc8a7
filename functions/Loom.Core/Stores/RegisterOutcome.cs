namespace Loom.Core.Stores;

/// <summary>Outcome of registering a workflow source.</summary>
/// <param name="Version">The version that now holds the content.</param>
/// <param name="Created">False when identical content was already the current version.</param>
public sealed record RegisterOutcome(int Version, bool Created);
