using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Templating;

namespace Loom.Core.Notifications;

/// <summary>
/// Sends notifications, the same way on both hosts: one signed JSON POST per URL (<see cref="NotificationBody"/>), through the task
/// executor (so the SSRF guard, redirects rules, size caps and timeouts of task calls apply), with a stable id the receiver can
/// drop repeats by. Delivery is at least once: a crash between a send and its record sends it again, with the same id.
/// </summary>
public sealed class NotificationSender(HttpTaskExecutor executor, ISecretProvider secrets, NotificationOptions options, TimeProvider clock)
{
    /// <summary>Header holding the notification's id (also sent as <c>Idempotency-Key</c>).</summary>
    public const string IdHeader = "X-Loom-Notification-Id";

    /// <summary>Header holding the outcome: <c>failure</c>, <c>success</c> or <c>slaMiss</c>.</summary>
    public const string EventHeader = "X-Loom-Event";

    /// <summary>Header holding <c>sha256=</c> and the lowercase hex HMAC-SHA256 of the body's bytes, keyed with the signing secret (as task calls are signed).</summary>
    public const string SignatureHeader = "X-Loom-Signature";

    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The options in use.</summary>
    public NotificationOptions Options => options;

    /// <summary>Sends to every URL at once, each with its retries (the server's way); never throws but for the caller's cancellation.</summary>
    public async Task<IReadOnlyList<NotificationDelivery>> SendAsync(NotificationInput input, CancellationToken cancellationToken) =>
        await Task.WhenAll(input.Urls.Select(url => DeliverAsync(input, url, cancellationToken)));

    /// <summary>Sends to one URL, retrying as <see cref="NotificationOptions.Retry"/> says.</summary>
    public async Task<NotificationDelivery> DeliverAsync(NotificationInput input, string url, CancellationToken cancellationToken)
    {
        var delay = options.Retry.FirstDelay;
        for (var tries = 1; ; tries++)
        {
            var (delivery, retryable) = await TryOnceAsync(input, url, cancellationToken);
            if (!retryable || tries >= options.Retry.MaxAttempts)
            {
                return tries == 1 ? delivery : delivery with { Detail = string.Create(CultureInfo.InvariantCulture, $"{delivery.Detail} (try {tries})") };
            }

            await Task.Delay(delay, clock, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(options.Retry.MaxDelay.Ticks, (long)(delay.Ticks * options.Retry.BackoffCoefficient)));
        }
    }

    /// <summary>
    /// One try to the input's single URL, for the Function App's activity: the delivery when it is final (sent, or failed for good);
    /// a failure worth retrying throws <see cref="NotificationUndeliveredException"/>, so Durable retries the activity with backoff.
    /// </summary>
    public async Task<NotificationDelivery> TryForActivityAsync(NotificationInput input, CancellationToken cancellationToken)
    {
        var url = input.Urls.Count == 1 ? input.Urls[0] : throw new ArgumentException("The activity sends to exactly one URL.", nameof(input));
        var (delivery, retryable) = await TryOnceAsync(input, url, cancellationToken);
        return retryable ? throw new NotificationUndeliveredException(delivery.Detail) : delivery;
    }

    /// <summary>One try: the delivery, and whether a failure is worth retrying.</summary>
    public async Task<(NotificationDelivery Delivery, bool Retryable)> TryOnceAsync(NotificationInput input, string url, CancellationToken cancellationToken)
    {
        var target = NotifyUrls.Display(url);
        if (NotifyUrls.Resolve(url, secrets, out var urlError) is not { } resolved)
        {
            return (new NotificationDelivery(target, false, urlError!), false);
        }

        byte[]? key = null;
        if (input.SigningSecret is { } name)
        {
            var secret = secrets.GetSecret(name);
            if (string.IsNullOrEmpty(secret))
            {
                // Receivers that verify signatures would drop it, and one that does not must not be taught to accept unsigned ones.
                return (new NotificationDelivery(target, false, $"signing secret '{name}' is not configured on this host, so the notification cannot be signed"), false);
            }

            key = Encoding.UTF8.GetBytes(secret);
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(Body(input), BodyJson);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [IdHeader] = input.Id,
            ["Idempotency-Key"] = input.Id,
            [EventHeader] = Outcome(input.Kind),
            ["X-Loom-Run-Id"] = input.RunId,
            ["X-Loom-Workflow-Id"] = input.WorkflowId,
            ["User-Agent"] = HttpTaskRequestFactory.UserAgent,
        };
        if (key is not null)
        {
            headers[SignatureHeader] = HttpTaskRequestFactory.Sign(key, body);
        }

        var request = new PreparedRequest("POST", new Uri(resolved), headers, body, "application/json; charset=utf-8", "POST " + target)
        {
            Secrets = resolved == url ? [] : [resolved],
        };
        var outcome = await executor.ExecuteAsync(request, options.Timeout, cancellationToken);
        if (outcome.Kind != OutcomeKind.Failed || outcome.Failure == FailureClass.Reported)
        {
            // A 2xx is delivered whatever its body says: a receiver's JSON is not a task result.
            return (new NotificationDelivery(target, true, string.Create(CultureInfo.InvariantCulture, $"HTTP {outcome.StatusCode}")), false);
        }

        var retryable = outcome.Failure is FailureClass.ServerError or FailureClass.TooManyRequests or FailureClass.RequestTimeout or FailureClass.Timeout or FailureClass.Network;
        var detail = request.Redact(outcome.Message ?? outcome.Failure.ToString());
        return (new NotificationDelivery(target, false, detail.Length > 300 ? string.Concat(detail.AsSpan(0, 297), "...") : detail), retryable);
    }

    /// <summary>The body of a notification, as sent.</summary>
    public NotificationBody Body(NotificationInput input)
    {
        var link = options.DashboardBaseUrl.Length == 0 ? null : $"{options.DashboardBaseUrl.TrimEnd('/')}/#/runs/{Uri.EscapeDataString(input.RunId)}";
        var sla = input.Sla is { } s ? Durations.Format(s) : null;
        var run = $"run {input.RunId} of workflow {input.WorkflowId}";
        var text = input.Kind switch
        {
            NotifyKind.Failure => $"Loom: {run} failed: {input.Reason ?? "no reason given"}",
            NotifyKind.Success => input.StartedAt is { } started && input.FinishedAt is { } finished
                ? $"Loom: {run} succeeded in {Durations.Format(finished - started)}"
                : $"Loom: {run} succeeded",
            _ when input.TaskId is { } task => $"Loom: task {task} of {run} is still running after its sla of {sla}",
            _ => $"Loom: {run} is still running after its sla of {sla}",
        };
        if (link is not null)
        {
            text += " " + link;
        }

        return new NotificationBody(
            input.Id, Outcome(input.Kind), input.RunId, input.WorkflowId, input.WorkflowVersion, RunStatuses.Name(input.Status),
            input.Reason, input.TaskId, input.FailedTasks, input.ScheduledAt, input.StartedAt, input.FinishedAt, input.At, sla, link, text);
    }

    private static string Outcome(NotifyKind kind) => kind switch
    {
        NotifyKind.Failure => "failure",
        NotifyKind.Success => "success",
        _ => "slaMiss",
    };
}
