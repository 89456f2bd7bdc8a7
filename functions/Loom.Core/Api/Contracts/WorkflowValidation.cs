using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/workflows/validate</c>.</summary>
public sealed record WorkflowValidation(
    [property: Description("True when the source would register.")] bool Valid,
    [property: Description("The workflow id, when the source got that far.")] string? Id,
    [property: Description("Every error found (the list holds the first ones).")] int ErrorCount,
    [property: Description("The errors, with line and column.")] IReadOnlyList<WorkflowError> Errors,
    [property: Description("Things that register but probably do not do what was meant.")] IReadOnlyList<string> Warnings);
