using System.Text;

namespace Loom.Core.Definitions;

/// <summary>Parses workflow sources (YAML, or JSON, which is YAML too) into validated definitions.</summary>
public static class WorkflowParser
{
    /// <summary>Largest source accepted, in bytes of UTF-8.</summary>
    public const int MaxSourceBytes = 1024 * 1024;

    /// <summary>Most values (mappings, lists and scalars) a source may hold, each alias counted as a copy of what it refers to.</summary>
    /// <remarks>Bounds the work of reading a source by what it means, not by its bytes: a few KiB of aliases can otherwise stand for millions of values.</remarks>
    public const int MaxExpandedNodes = 200_000;

    /// <summary>Most characters of text (keys and values) a source may hold, each alias counted as a copy of what it refers to: no more than a source written out in full.</summary>
    public const int MaxExpandedChars = MaxSourceBytes;

    /// <summary>Parses and validates <paramref name="source"/>, reporting every error at once with line and column.</summary>
    /// <remarks>Never throws: any input gives either a definition or a non-empty list of errors in document order.</remarks>
    /// <param name="source">The YAML (or JSON) text.</param>
    /// <param name="urlRefusal">
    /// Why a literal notification URL is refused, or null when it is not: the API passes the SSRF guard's check of addresses it
    /// always refuses (it lives with the guard, which is not a definition's concern); null for none.
    /// </param>
    public static ParseResult Parse(string source, Func<string, string?>? urlRefusal = null)
    {
        if (source is null)
        {
            return Failed(new ValidationError(0, 0, "the source is empty; expected a workflow mapping with 'id' and 'tasks'"));
        }

        var bytes = Encoding.UTF8.GetByteCount(source);
        if (bytes > MaxSourceBytes)
        {
            return Failed(new ValidationError(0, 0, $"the source is {bytes} bytes; the limit is {MaxSourceBytes} bytes (1 MiB)")) with { TooLarge = true };
        }

        // YamlDotNet keeps a byte-order mark as part of the first key.
        var text = source.StartsWith('\uFEFF') ? source[1..] : source;
        var errors = new ValidationErrorList();
        try
        {
            var root = YamlLoader.Load(text, errors);
            if (root is null)
            {
                return Failed(errors);
            }

            var reader = new WorkflowReader(text, errors) { UrlRefusal = urlRefusal };
            var syntax = reader.Read(root);
            if (syntax is null)
            {
                return Failed(errors);
            }

            WorkflowRules.Check(syntax, reader);
            var definition = WorkflowRules.Build(syntax, reader);
            return errors.Count == 0 ? new ParseResult(definition, []) : Failed(errors);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in Loom or YamlDotNet must still come back as a result, not a 500.
            errors.Add(new ValidationError(0, 0, $"internal error while reading the workflow ({ex.GetType().Name}); please report it"));
            return Failed(errors);
        }
    }

    private static ParseResult Failed(ValidationError error) => new(null, [error]) { ErrorCount = 1 };

    private static ParseResult Failed(ValidationErrorList errors) =>
        new(null, errors.ToSortedList()) { ErrorCount = errors.Count, TooLarge = errors.TooLarge };
}
