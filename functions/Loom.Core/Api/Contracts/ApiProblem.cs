using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>An RFC 9457 problem: every 4xx and 5xx answer of the API.</summary>
public sealed record ApiProblem(
    [property: Description("A URI naming the kind of problem.")] string Type,
    [property: Description("Short summary.")] string Title,
    [property: Description("HTTP status.")] int Status,
    [property: Description("What happened and what to do."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null,
    [property: Description("For an invalid workflow: every error with line and column."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WorkflowError>? Errors = null);
