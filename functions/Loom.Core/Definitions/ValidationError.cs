namespace Loom.Core.Definitions;

/// <summary>One problem found in a workflow source, located at a 1-based line and column (0 when the whole file is concerned).</summary>
/// <param name="Line">1-based line, or 0.</param>
/// <param name="Column">1-based column, or 0.</param>
/// <param name="Message">What is wrong, in a sentence a user can act on.</param>
/// <param name="Path">Where in the document, e.g. "tasks[1].retry.delay"; null for the whole document.</param>
public sealed record ValidationError(int Line, int Column, string Message, string? Path = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Line}:{Column}: {Message}";
}

/// <summary>The outcome of parsing and validating a workflow source: a definition, or every error found.</summary>
/// <param name="Definition">The workflow when <see cref="Errors"/> is empty.</param>
/// <param name="Errors">The errors in document order: all of them, or the first 100 and a last line saying how many more there are.</param>
public sealed record ParseResult(WorkflowDefinition? Definition, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>How many errors were found, including those not listed in <see cref="Errors"/>.</summary>
    public int ErrorCount { get => Math.Max(field, Errors.Count); init; }

    /// <summary>True when the source broke a size limit (its bytes, or the nodes or text its aliases expand to) and was not read further; hosts answer 413.</summary>
    public bool TooLarge { get; init; }

    /// <summary>True when the source is a valid workflow.</summary>
    public bool IsValid => Definition is not null && Errors.Count == 0;
}
