using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/callbacks/{token}</c>.</summary>
public sealed record CallbackAccepted(
    [property: Description("Run id.")] string RunId,
    [property: Description("Task id.")] string TaskId,
    [property: Description("Always true.")] bool Accepted);
