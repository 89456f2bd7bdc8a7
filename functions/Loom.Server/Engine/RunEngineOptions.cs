namespace Loom.Server.Engine;

/// <summary>Settings the engine needs, taken from the server options.</summary>
/// <param name="MaxConcurrentCalls">HTTP calls in flight per process.</param>
/// <param name="PublicBaseUrl">Base of callback URLs.</param>
/// <param name="ProcessTimeout">Heartbeat age after which a process counts as dead.</param>
/// <param name="ShutdownGrace">How long a stopping process waits for calls in flight.</param>
internal sealed record RunEngineOptions(int MaxConcurrentCalls, string PublicBaseUrl, TimeSpan ProcessTimeout, TimeSpan ShutdownGrace);
