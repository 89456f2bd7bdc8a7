using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/health</c> (200 healthy, 503 unhealthy).</summary>
public sealed record HealthStatus(
    [property: Description("healthy or unhealthy.")] string Status,
    [property: Description("ok or unreachable.")] string Storage);
