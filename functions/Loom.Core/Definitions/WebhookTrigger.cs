namespace Loom.Core.Definitions;

/// <summary>A webhook trigger: an unguessable URL that starts a run without an API key, optionally checking the sender's body signature.</summary>
/// <param name="SigningSecret">Name of the host secret (<c>Loom__Secrets__NAME</c>) the sender signs bodies with; null when bodies are not signed. Never the secret itself.</param>
public sealed record WebhookTrigger(string? SigningSecret);
