using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>One version as listed.</summary>
public sealed record WorkflowVersionSummary(
    [property: Description("Version number.")] int Version,
    [property: Description("Hash of its source.")] string ContentHash,
    [property: Description("When it was registered.")] DateTimeOffset CreatedAt);
