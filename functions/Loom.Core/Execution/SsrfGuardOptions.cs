namespace Loom.Core.Execution;

/// <summary>Which destinations outgoing task calls may reach (DESIGN.md section 9); link-local and metadata addresses are refused whatever is set here.</summary>
public sealed record SsrfGuardOptions
{
    /// <summary>Allow 127.0.0.0/8 and ::1 (local development, a backend on the same machine).</summary>
    public bool AllowLoopback { get; init; }

    /// <summary>Allow 10/8, 172.16/12, 192.168/16 and fc00::/7 (a backend on the same private network).</summary>
    public bool AllowPrivateNetworks { get; init; }

    /// <summary>
    /// Host names (exact, case-insensitive, or "*.example.internal" for any subdomain) that may resolve to loopback or
    /// private addresses even when those are not allowed in general; they never lift the always-refused ranges.
    /// </summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    /// <summary>True when <paramref name="host"/> is listed in <see cref="AllowedHosts"/>.</summary>
    public bool IsHostAllowed(string host)
    {
        if (AllowedHosts is null)
        {
            return false;
        }

        host = host.TrimEnd('.');
        foreach (var entry in AllowedHosts)
        {
            if (entry.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(entry[1..], StringComparison.OrdinalIgnoreCase) && host.Length > entry.Length - 1
                : string.Equals(host, entry.TrimEnd('.'), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
