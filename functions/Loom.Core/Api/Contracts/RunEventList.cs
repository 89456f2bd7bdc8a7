using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/runs/{runId}/events</c>.</summary>
public sealed record RunEventList(
    [property: Description("Run id.")] string RunId,
    [property: Description("The log in sequence order (with after or limit: the page of it).")] IReadOnlyList<RunEventView> Items,
    [property: Description("Pass as after for the next page: more events are stored now. Null at the end of the log as it is now, and without after or limit.")] long? Next = null);
