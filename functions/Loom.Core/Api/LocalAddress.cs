namespace Loom.Core.Api;

/// <summary>The address a self-hosted server listens on when none is configured, and the one the CLI calls when none is given.</summary>
public static class LocalAddress
{
    /// <summary>http://127.0.0.1:8080: one default for <c>dotnet run --project functions/Loom.Server</c>, <c>loom</c> and scripts/run.sh.</summary>
    public const string Url = "http://127.0.0.1:8080";
}
