namespace Loom.Core.Api;

/// <summary>
/// Recognises a workflow sent in a way that mangles it before it reaches the parser, so the caller is told what to do instead
/// of reading a parse error about text they never wrote. The common case is <c>curl -d @workflow.yaml -H "Content-Type:
/// application/json"</c>: <c>-d</c> drops every line break (the YAML collapses into one line, often a single comment) and the
/// label says JSON.
/// </summary>
public static class WorkflowUpload
{
    /// <summary>The curl that works, quoted in every answer.</summary>
    public const string WorkingCurl = "curl --data-binary @workflow.yaml -H 'Content-Type: application/yaml'";

    /// <summary>A problem to answer with, or null when the body can go to the parser as it is.</summary>
    /// <param name="contentType">The request's Content-Type header.</param>
    /// <param name="source">The body as text.</param>
    public static ApiResponse? Check(string? contentType, string source)
    {
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var start = source.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        var looksJson = start.StartsWith('{') || start.StartsWith('[');
        var oneLine = !source.Contains('\n', StringComparison.Ordinal);
        var stripped = oneLine && source.Length > 0 && !looksJson && source.Contains(':', StringComparison.Ordinal);
        var newlineNote = stripped ? " Its line breaks are gone too (curl's -d and --data drop them from a file; --data-binary keeps them), and YAML needs them." : "";

        if (media is "application/json" || (media.EndsWith("+json", StringComparison.Ordinal) && media.StartsWith("application/", StringComparison.Ordinal)))
        {
            if (looksJson || start.Length == 0) return null;
            return ApiResponse.Problem(415, "YAML sent as JSON",
                $"The body is labelled {media} but is not JSON; it looks like YAML.{newlineNote} Send the file as it is, labelled as YAML: {WorkingCurl}.");
        }

        if (media is "multipart/form-data")
        {
            return ApiResponse.Problem(415, "Form upload",
                $"The workflow came as a form upload (curl -F); send the file itself as the body: {WorkingCurl}.");
        }

        if (media is "application/x-www-form-urlencoded" && stripped)
        {
            // curl -d without -H labels the body as a form; the YAML still parses when its lines survived (--data-binary).
            return ApiResponse.Problem(400, "YAML without line breaks",
                $"The body is one line of form data (curl -d @file), not the YAML file as written.{newlineNote} Send the file as it is: {WorkingCurl}.");
        }

        return null;
    }
}
