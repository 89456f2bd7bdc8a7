namespace Loom.Core.Definitions;

/// <summary>A <c>circuitBreaker</c> block as written; null fields were not written.</summary>
internal sealed class CircuitBreakerSyntax
{
    public int? Failures { get; set; }

    public TimeSpan? Window { get; set; }

    public TimeSpan? OpenFor { get; set; }
}
