namespace Loom.Core.Engine;

/// <summary>An owed notification was sent, or failed for good, to each of its URLs; applies to a finished run too.</summary>
/// <param name="Key">The notice's key.</param>
/// <param name="Deliveries">One per URL, in the outcome's order.</param>
/// <param name="At">When the sending ended.</param>
public sealed record NotificationReported(string Key, IReadOnlyList<NotificationDelivery> Deliveries, DateTimeOffset At) : RunEvent(At);
