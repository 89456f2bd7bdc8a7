using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/runs</c>: a page, newest first.</summary>
public sealed record RunList(
    [property: Description("The runs.")] IReadOnlyList<RunSummary> Items,
    [property: Description("Token of the next page; null on the last.")] string? Continuation);
