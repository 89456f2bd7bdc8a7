namespace Loom.Core.SelfHosted;

/// <summary>What the driver knows about a batch besides its events; each of these rules out carrying it.</summary>
/// <param name="Forced">A flush asked for the carried events to be committed.</param>
/// <param name="Retrying">An earlier write of this batch conflicted or met a storage outage.</param>
/// <param name="Draining">The process is shutting down.</param>
public sealed record BatchContext(bool Forced = false, bool Retrying = false, bool Draining = false);
