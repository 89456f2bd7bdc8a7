using Loom.Core.Api;

namespace Loom.Functions.Api;

/// <summary>
/// Roles on Azure Functions: the host has already rejected requests without a valid function key on every keyed route,
/// so a request that reaches a keyed route has one. A key listed in Loom's settings gets its role; any other function key
/// gets <paramref name="functionKeyRole"/>. Routes that need no key (health, callbacks) never ask.
/// </summary>
/// <param name="keys">Function keys with a narrower (or wider) role.</param>
/// <param name="functionKeyRole">Role of every other function key.</param>
internal sealed class FunctionKeyAuthorizer(IEnumerable<ApiKey> keys, ApiRole functionKeyRole) : IApiAuthorizer
{
    private readonly ApiKeyAuthorizer _listed = new(keys);

    /// <inheritdoc />
    public ApiRole? Authorize(ApiRequest request) => _listed.Authorize(request) ?? functionKeyRole;

    /// <inheritdoc />
    /// <remarks>A function key not listed in Loom's settings has no name Loom knows (and its value is never recorded).</remarks>
    public string? NameOf(ApiRequest request) => _listed.NameOf(request) ?? "function key";
}
