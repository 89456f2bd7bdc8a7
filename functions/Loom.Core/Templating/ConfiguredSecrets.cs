namespace Loom.Core.Templating;

/// <summary>Secrets from host configuration (<c>Loom:Secrets:NAME</c>), falling back to <c>LOOM_SECRET_NAME</c> environment variables.</summary>
public sealed class ConfiguredSecrets(IReadOnlyDictionary<string, string> secrets) : ISecretProvider
{
    /// <inheritdoc />
    public string? GetSecret(string name) =>
        secrets.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable($"LOOM_SECRET_{name}");
}
