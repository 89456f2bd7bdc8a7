namespace Loom.Core.Stores;

/// <summary>Each workflow's webhook salt: part of what its webhook URL's token signs, replaced when an admin rotates the URL.</summary>
public interface IWebhookKeyStore
{
    /// <summary>The workflow's current salt; null until the URL is first rotated.</summary>
    Task<string?> GetAsync(string workflowId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the workflow's salt: every URL signed with the old one stops working.</summary>
    Task SetAsync(string workflowId, string salt, CancellationToken cancellationToken = default);
}
