using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>Backoff curves.</summary>
public enum BackoffKind
{
    /// <summary>Always <see cref="RetryPolicy.Delay"/>.</summary>
    Fixed,

    /// <summary>Delay times the attempt number.</summary>
    Linear,

    /// <summary>Delay doubled at each attempt.</summary>
    Exponential,
}
