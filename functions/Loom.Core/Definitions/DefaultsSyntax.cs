namespace Loom.Core.Definitions;

/// <summary>The <c>defaults</c> block.</summary>
internal sealed class DefaultsSyntax
{
    public RetrySyntax Retry { get; set; } = new();

    public TimeSpan? Timeout { get; set; }

    public string? Method { get; set; }

    public List<HeaderSyntax> Headers { get; } = [];

    public List<TemplateUse> Templates { get; } = [];

    public CircuitBreakerSyntax? CircuitBreaker { get; set; }
}
