using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/workflows</c>: 201 when a new version was stored, 200 when the content was the same.</summary>
public sealed record WorkflowRegistered(
    [property: Description("Workflow id.")] string Id,
    [property: Description("The current version.")] int Version,
    [property: Description("True when this call stored a new version.")] bool Created,
    [property: Description("Warnings about the definition.")] IReadOnlyList<string> Warnings);
