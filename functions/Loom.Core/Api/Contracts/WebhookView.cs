using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>A workflow's webhook trigger as the API shows it.</summary>
public sealed record WebhookView(
    [property: Description("The URL that starts a run (POST, JSON body = params, no API key); shown to admins only, null for other roles.")] string? Url,
    [property: Description("The name of the host secret the sender signs bodies with; null when bodies are not signed.")] string? SigningSecret);
