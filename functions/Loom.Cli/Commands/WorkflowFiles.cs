using Loom.Core.Definitions;

namespace Loom.Cli.Commands;

/// <summary>Reads workflow files for the offline commands.</summary>
internal static class WorkflowFiles
{
    /// <summary>Reads and parses a file; null with a message when it cannot be read.</summary>
    public static (ParseResult? Result, string? Problem) Load(string path)
    {
        if (!File.Exists(path)) return (null, $"{path}: error: file not found");
        try
        {
            var info = new FileInfo(path);
            if (info.Length > WorkflowParser.MaxSourceBytes * 4L)
            {
                return (new ParseResult(null, [new ValidationError(0, 0, $"the file is {info.Length} bytes; a workflow may be at most {WorkflowParser.MaxSourceBytes} bytes")]), null);
            }
            return (WorkflowParser.Parse(File.ReadAllText(path)), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path}: error: cannot read the file: {ex.Message}");
        }
    }
}
