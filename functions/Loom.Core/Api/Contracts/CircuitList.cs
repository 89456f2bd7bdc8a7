using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/circuits</c>: every target origin's circuit, by origin.</summary>
public sealed record CircuitList(
    [property: Description("The circuits, ordered by origin (at most 1,000).")] IReadOnlyList<CircuitView> Items);
