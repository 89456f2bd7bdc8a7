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
}

/// <summary>Checks keys against a configured list in constant time.</summary>
public sealed class ApiKeyAuthorizer(IEnumerable<ApiKey> keys) : IApiAuthorizer
{
    private readonly (byte[] Hash, ApiRole Role)[] _keys = keys.Where(k => k.Key.Length > 0).Select(k => (Hash(k.Key), k.Role)).ToArray();

    /// <inheritdoc />
    public ApiRole? Authorize(ApiRequest request)
    {
        var presented = PresentedKey(request);
        if (presented is null) return null;
        var hash = Hash(presented);
        ApiRole? best = null;
        foreach (var (h, role) in _keys)
        {
            // Comparing fixed-size hashes in constant time leaks neither the key nor its length.
            if (CryptographicOperations.FixedTimeEquals(h, hash) && (best is null || role > best)) best = role;
        }
        return best;
    }

    /// <summary>The key a request presents: header <c>x-functions-key</c>, else query <c>code</c>; null when none.</summary>
    public static string? PresentedKey(ApiRequest request) => request.HeaderValue("x-functions-key") ?? request.QueryValue("code");

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
