using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Api;

/// <summary>A configured API key and its role.</summary>
/// <param name="Key">The secret key value.</param>
/// <param name="Role">What it may do.</param>
/// <param name="Name">A label for logs (never the key).</param>
public sealed record ApiKey(string Key, ApiRole Role, string Name);

/// <summary>Decides the role of a request from its key: header <c>x-functions-key</c> or query <c>code</c>, the Azure Functions convention.</summary>
public interface IApiAuthorizer
{
    /// <summary>The role the request's key grants, or null when it has no valid key.</summary>
    ApiRole? Authorize(ApiRequest request);

    /// <summary>The configured name of the request's key, for the audit logs (never the key itself); null when it has none.</summary>
    string? NameOf(ApiRequest request) => null;
}

/// <summary>Checks keys against a configured list in constant time.</summary>
public sealed class ApiKeyAuthorizer(IEnumerable<ApiKey> keys) : IApiAuthorizer
{
    private readonly (byte[] Hash, ApiRole Role, string Name)[] _keys = keys.Where(k => k.Key.Length > 0).Select(k => (Hash(k.Key), k.Role, k.Name)).ToArray();

    /// <inheritdoc />
    public ApiRole? Authorize(ApiRequest request)
    {
        var presented = PresentedKey(request);
        if (presented is null) return null;
        var hash = Hash(presented);
        ApiRole? best = null;
        foreach (var (h, role, _) in _keys)
        {
            // Comparing fixed-size hashes in constant time leaks neither the key nor its length.
            if (CryptographicOperations.FixedTimeEquals(h, hash) && (best is null || role > best)) best = role;
        }
        return best;
    }

    /// <inheritdoc />
    /// <remarks>The name of the key with the widest role, as <see cref="Authorize"/> picks it.</remarks>
    public string? NameOf(ApiRequest request)
    {
        var presented = PresentedKey(request);
        if (presented is null) return null;
        var hash = Hash(presented);
        (ApiRole Role, string Name)? best = null;
        foreach (var (h, role, name) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(h, hash) && (best is null || role > best.Value.Role)) best = (role, name);
        }
        return best?.Name;
    }

    /// <summary>The key a request presents: header <c>x-functions-key</c>, else query <c>code</c>; null when none.</summary>
    public static string? PresentedKey(ApiRequest request) => request.HeaderValue("x-functions-key") ?? request.QueryValue("code");

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
