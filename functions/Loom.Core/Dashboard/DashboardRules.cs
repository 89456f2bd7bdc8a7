namespace Loom.Core.Dashboard;

/// <summary>
/// How every host serves the dashboard's build (dashboard/build.sh): which headers each file gets, and what to say when
/// the build is missing. The self-hosted server and the Function App both answer with these, so the two never drift.
/// </summary>
public static class DashboardRules
{
    /// <summary>The file every host looks for to decide that a folder holds the build.</summary>
    public const string IndexFile = "index.html";

    /// <summary>The policy the dashboard is built to run under: no inline script or style, no third-party origin.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    /// <summary>Cache-Control of content-hashed files (everything under assets/): they never change under one name.</summary>
    public const string ImmutableCaching = "public, max-age=31536000, immutable";

    /// <summary>Cache-Control of every other file (index.html above all): revalidated on each load so a new build shows at once.</summary>
    public const string RevalidateCaching = "no-cache";

    /// <summary>The answer (404, plain text) of a host whose dashboard was not built; <paramref name="setting"/> names the folder setting.</summary>
    public static string NotBuiltMessage(string setting) =>
        $"Loom is running; its API is under /api. The dashboard is not built: run dashboard/build.sh before building this host, or set {setting} to its folder.\n";

    /// <summary>True when <paramref name="folder"/> holds a build (its index.html).</summary>
    public static bool HasBuild(string? folder) => folder is not null && File.Exists(Path.Combine(folder, IndexFile));

    /// <summary>The headers of a dashboard file served at <paramref name="requestPath"/> (e.g. <c>/assets/index-3f2a.js</c>).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> HeadersFor(string requestPath) =>
    [
        // Vite names everything under assets/ by content hash, so those never change; index.html must be revalidated
        // every time so a new build is picked up at once.
        new("Cache-Control", IsHashedAsset(requestPath) ? ImmutableCaching : RevalidateCaching),
        new("Content-Security-Policy", ContentSecurityPolicy),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
    ];

    /// <summary>True for files Vite names by content hash (under <c>/assets/</c>).</summary>
    public static bool IsHashedAsset(string requestPath) =>
        requestPath.StartsWith("/assets/", StringComparison.Ordinal);
}
