using Loom.Core.Orchestration;

namespace Loom.Core.Notifications;

/// <summary>How notifications are sent: the dashboard link's base, the limit on one try, and the retries (the same on both hosts).</summary>
public sealed record NotificationOptions
{
    /// <summary>Public base URL of the host's dashboard; the body links to the run there. Empty for no link.</summary>
    public string DashboardBaseUrl { get; init; } = "";

    /// <summary>Limit on one try, from sending to the end of the answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Tries per URL and the backoff between them, for a 5xx, 408, 429, timeout or network error (others fail at once):
    /// on the Function App the <c>Notify</c> activity's retry policy (durable timers), on the server the sender's own delays.
    /// </summary>
    public ActivityRetry Retry { get; init; } = DurableRunOrchestrator.NotifyRetry;
}
