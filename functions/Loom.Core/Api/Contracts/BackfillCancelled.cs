using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>DELETE /api/workflows/{id}/backfill</c>.</summary>
public sealed record BackfillCancelled(
    [property: Description("Workflow id.")] string Id,
    [property: Description("Occurrences dropped.")] int Dropped,
    [property: Description("Its runs that continue.")] IReadOnlyList<string> StillRunning);
