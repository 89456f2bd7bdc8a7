using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>One problem in a workflow source, with where it is.</summary>
public sealed record WorkflowError(
    [property: Description("1-based line, 0 when unknown.")] int Line,
    [property: Description("1-based column, 0 when unknown.")] int Column,
    [property: Description("What is wrong.")] string Message,
    [property: Description("Where in the model (e.g. tasks[1].url), when known.")] string? Path);
