namespace Loom.Core.Definitions;

/// <summary>Parses workflow sources (YAML, or JSON, which is YAML too) into validated definitions.</summary>
public static class WorkflowParser
{
    /// <summary>Largest source accepted, in bytes of UTF-8.</summary>
    public const int MaxSourceBytes = 1024 * 1024;

    /// <summary>Parses and validates <paramref name="source"/>, reporting every error at once with line and column.</summary>
    public static ParseResult Parse(string source) => throw new NotImplementedException("The workflow parser is being built.");
}
