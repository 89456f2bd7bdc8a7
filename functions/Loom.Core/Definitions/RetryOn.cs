using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>Failure classes that may be retried.</summary>
[Flags]
public enum RetryOn
{
    /// <summary>Nothing is retried.</summary>
    None = 0,

    /// <summary>HTTP 5xx.</summary>
    ServerError = 1,

    /// <summary>HTTP 429.</summary>
    TooManyRequests = 2,

    /// <summary>HTTP 408.</summary>
    RequestTimeout = 4,

    /// <summary>The attempt exceeded its timeout.</summary>
    Timeout = 8,

    /// <summary>Connection refused, reset or DNS failure.</summary>
    Network = 16,

    /// <summary>HTTP 4xx other than 408 and 429 (off unless asked for).</summary>
    ClientError = 32,

    /// <summary>The default set.</summary>
    Default = ServerError | TooManyRequests | RequestTimeout | Timeout | Network,
}
