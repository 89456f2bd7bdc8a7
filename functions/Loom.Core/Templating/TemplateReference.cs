namespace Loom.Core.Templating;

/// <summary>One <c>${{ ... }}</c> expression found in a text, with its place in that text and, when it cannot be used, why.</summary>
/// <param name="Offset">Index of the <c>$</c> that opens the expression.</param>
/// <param name="Length">Characters from the opening <c>$</c> to the closing <c>}}</c> included (to the end of the text when unclosed).</param>
/// <param name="Expression">The text between the braces, trimmed.</param>
/// <param name="Path">The dotted path split into segments, e.g. ["tasks", "extract", "output", "rows", "0"]; empty when malformed.</param>
/// <param name="Error">Why the expression is unusable whatever the workflow (bad syntax, unknown root, wrong shape); null when well formed.</param>
public sealed record TemplateReference(int Offset, int Length, string Expression, IReadOnlyList<string> Path, string? Error)
{
    /// <summary>True when the expression is well formed.</summary>
    public bool IsValid => Error is null;

    /// <summary>First segment: <c>params</c>, <c>run</c>, <c>tasks</c> or <c>secrets</c> when valid.</summary>
    public string Root => Path.Count > 0 ? Path[0] : string.Empty;

    /// <summary>Second segment: the parameter, run field, task id or secret name.</summary>
    public string? Name => Path.Count > 1 ? Path[1] : null;
}
