namespace Loom.Server.Engine;

/// <summary>A run whose changes this process cannot commit at the moment, and keeps retrying.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Error">The last failure's message.</param>
/// <param name="Since">When the first failure in a row happened.</param>
/// <param name="Failures">Failures in a row.</param>
internal sealed record StalledRun(string RunId, string Error, DateTimeOffset Since, int Failures);
