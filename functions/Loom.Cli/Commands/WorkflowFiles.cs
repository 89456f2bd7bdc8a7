using Loom.Core.Definitions;

namespace Loom.Cli.Commands;

/// <summary>Reads workflow files for the offline commands and for <c>workflow apply</c>.</summary>
internal static class WorkflowFiles
{
    /// <summary>Reads and parses a file; null with a message when it cannot be read.</summary>
    public static (ParseResult? Result, string? Problem) Load(string path)
    {
        var (_, result, problem) = Read(path);
        return (result, problem);
    }

    /// <summary>Reads and parses a file, keeping its text; a null result with a message when it cannot be read.</summary>
    public static (string? Source, ParseResult? Result, string? Problem) Read(string path)
    {
        if (!File.Exists(path)) return (null, null, $"{path}: error: file not found");
        try
        {
            var info = new FileInfo(path);
            if (info.Length > WorkflowParser.MaxSourceBytes * 4L)
            {
                return (null, new ParseResult(null, [new ValidationError(0, 0, $"the file is {info.Length} bytes; a workflow may be at most {WorkflowParser.MaxSourceBytes} bytes")]), null);
            }
            var source = File.ReadAllText(path);
            return (source, WorkflowParser.Parse(source), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, null, $"{path}: error: cannot read the file: {ex.Message}");
        }
    }

    /// <summary>True when the file holds JSON rather than YAML (by extension, else by its first character).</summary>
    public static bool IsJson(string path, string source) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || source.TrimStart().StartsWith('{');
}
