using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>A parsed definition: tasks, edges and policies.</summary>
public sealed record DefinitionView(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Display name.")] string Name,
    [property: Description("True when the first failure cancels the rest.")] bool FailFast,
    [property: Description("Whole-run timeout, when set.")] double? TimeoutMs,
    [property: Description("Parameters with their defaults.")] JsonObject Params,
    [property: Description("Tasks in definition order.")] IReadOnlyList<DefinitionTask> Tasks);
