using System.Text.Json.Nodes;

namespace Loom.Core.Engine;

/// <summary>Why an attempt failed; matched against a task's <c>retryOn</c>.</summary>
public enum FailureClass
{
    /// <summary>Not a failure.</summary>
    None,

    /// <summary>HTTP 5xx.</summary>
    ServerError,

    /// <summary>HTTP 429.</summary>
    TooManyRequests,

    /// <summary>HTTP 408.</summary>
    RequestTimeout,

    /// <summary>Other HTTP 4xx.</summary>
    ClientError,

    /// <summary>The attempt exceeded its timeout.</summary>
    Timeout,

    /// <summary>Connection refused, reset, DNS failure.</summary>
    Network,

    /// <summary>The SSRF guard refused the destination (never retried).</summary>
    Refused,

    /// <summary>The backend answered 2xx with a body saying FAILED.</summary>
    Reported,

    /// <summary>The request could not be built (template error, missing secret); never retried.</summary>
    Invalid,
}
