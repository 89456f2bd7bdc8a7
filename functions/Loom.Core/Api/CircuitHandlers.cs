using Loom.Core.Api.Contracts;
using Loom.Core.Circuits;

namespace Loom.Core.Api;

/// <summary>Handler of <c>GET /api/circuits</c>: the circuit breakers' shared state, read fresh from storage.</summary>
internal sealed class CircuitHandlers(ApiServices services)
{
    /// <summary>Most circuits one answer lists (one per target origin a breaker was configured for).</summary>
    public const int MaxCircuits = 1000;

    public async Task<ApiResponse> ListAsync(RouteContext context)
    {
        var rows = services.Circuits is { } circuits ? await circuits.ListAsync(MaxCircuits, context.CancellationToken) : [];
        var now = services.Clock.GetUtcNow();
        return ApiResponse.Ok(new CircuitList([.. rows.Select(r => View(r, now))]), LoomJsonContext.Default.CircuitList);
    }

    private static CircuitView View(CircuitRecord r, DateTimeOffset now) => new(
        r.Origin, r.Status, r.FailuresWithin(now), r.OpenedAt,
        r.Status switch
        {
            CircuitStatus.Open => r.RetryAt,
            CircuitStatus.HalfOpen => r.ProbeUntil,
            _ => null,
        });
}
