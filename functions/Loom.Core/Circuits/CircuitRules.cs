using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.Circuits;

/// <summary>
/// The circuit breaker's rule, pure: closed until <c>failures</c> failures within <c>window</c> open it; open holds every call
/// for <c>openFor</c>; then half-open lets exactly one probe through (its claim written on the row's ETag, so one wins across
/// processes), whose success closes the circuit and whose failure re-opens it. Time comes in as an argument.
/// </summary>
public static class CircuitRules
{
    /// <summary>Shortest hold (<see cref="AttemptOutcome.MinHold"/>).</summary>
    public static readonly TimeSpan MinHold = AttemptOutcome.MinHold;

    /// <summary>Added to a probe's call timeout for its claim: a probe that has not answered by then is taken to be lost.</summary>
    public static readonly TimeSpan ProbeSlack = TimeSpan.FromSeconds(10);

    /// <summary>The circuit's key for a call to <paramref name="url"/>: <c>scheme://host:port</c> (no user info, path or query).</summary>
    public static string OriginOf(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return $"{url.Scheme}://{url.Host}:{url.Port}".ToLowerInvariant();
    }

    /// <summary>Whether an outcome counts against its target: 5xx, timeouts and connection errors do; 4xx and reported failures do not.</summary>
    public static bool CountsAsFailure(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Kind == OutcomeKind.Failed && outcome.Failure is FailureClass.ServerError or FailureClass.Timeout or FailureClass.Network;
    }

    /// <summary>Whether an outcome says anything about its target: a call refused before it left, or never built, does not.</summary>
    public static bool ReachedTarget(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Kind is not (OutcomeKind.Failed or OutcomeKind.Held) || outcome.Failure is not (FailureClass.Refused or FailureClass.Invalid);
    }

    /// <summary>Decides whether an attempt to the circuit's origin is sent, sent as the probe, or held.</summary>
    /// <param name="circuit">The stored circuit; null when none is stored (closed).</param>
    /// <param name="origin">The origin, for a circuit not stored yet.</param>
    /// <param name="policy">The attempt's task's policy.</param>
    /// <param name="probeLease">How long a probe claim holds: the call's timeout plus <see cref="ProbeSlack"/>.</param>
    /// <param name="now">The current time.</param>
    public static CircuitAdmission Admit(CircuitRecord? circuit, string origin, CircuitBreakerPolicy policy, TimeSpan probeLease, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var c = circuit ?? CircuitRecord.ClosedFor(origin);
        switch (c.Status)
        {
            case CircuitStatus.Open when c.RetryAt is { } retryAt && now < retryAt:
                return Hold(retryAt, now);
            case CircuitStatus.HalfOpen when c.ProbeUntil is { } claimed && now < claimed:
                // The probe may answer long before its claim ends: come back after openFor at the latest to see.
                return Hold(claimed < now + policy.OpenFor ? claimed : now + policy.OpenFor, now);
            case CircuitStatus.Open:
            case CircuitStatus.HalfOpen:
                return new CircuitAdmission(CircuitDecision.Probe, null, c with { Status = CircuitStatus.HalfOpen, ProbeUntil = now + probeLease });
            default:
                return new CircuitAdmission(CircuitDecision.Send, null, null);
        }
    }

    /// <summary>What an attempt's outcome does to its target's circuit.</summary>
    /// <param name="circuit">The stored circuit; null when none is stored (closed).</param>
    /// <param name="origin">The origin, for a circuit not stored yet.</param>
    /// <param name="policy">The attempt's task's policy.</param>
    /// <param name="outcome">How the attempt ended.</param>
    /// <param name="probe">True when <see cref="Admit"/> sent the attempt as the probe.</param>
    /// <param name="now">The current time.</param>
    public static CircuitReport Report(CircuitRecord? circuit, string origin, CircuitBreakerPolicy policy, AttemptOutcome outcome, bool probe, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(outcome);
        var c = circuit ?? CircuitRecord.ClosedFor(origin);
        if (!ReachedTarget(outcome) || outcome.Kind == OutcomeKind.Held)
        {
            return new CircuitReport(null, CircuitChange.None);
        }

        var failed = CountsAsFailure(outcome);
        // Only the probe holding the claim decides: a late answer of a replaced probe, or of a call sent before the circuit
        // opened, is an ordinary outcome.
        if (probe && c.Status == CircuitStatus.HalfOpen)
        {
            return failed
                ? new CircuitReport(Opened(c, policy, now, WithFailure(c, policy, now)), CircuitChange.Opened)
                : new CircuitReport(c with { Status = CircuitStatus.Closed, Failures = [], OpenedAt = null, RetryAt = null, ProbeUntil = null, Window = policy.Window }, CircuitChange.Closed);
        }

        if (!failed)
        {
            return new CircuitReport(null, CircuitChange.None);
        }

        var failures = WithFailure(c, policy, now);
        return c.Status == CircuitStatus.Closed && failures.Count(f => f > now - policy.Window) >= policy.Failures
            ? new CircuitReport(Opened(c, policy, now, failures), CircuitChange.Opened)
            : new CircuitReport(c with { Failures = failures, Window = policy.Window }, CircuitChange.None);
    }

    private static CircuitRecord Opened(CircuitRecord c, CircuitBreakerPolicy policy, DateTimeOffset now, IReadOnlyList<DateTimeOffset> failures) =>
        c with { Status = CircuitStatus.Open, Failures = failures, Window = policy.Window, OpenedAt = now, RetryAt = now + policy.OpenFor, ProbeUntil = null };

    /// <summary>The failure times with <paramref name="now"/> added, those outside the window dropped, and at most the cap kept.</summary>
    private static IReadOnlyList<DateTimeOffset> WithFailure(CircuitRecord c, CircuitBreakerPolicy policy, DateTimeOffset now)
    {
        // Policies of different tasks may share an origin: keep what the longest window could still count, up to the cap.
        var keepAfter = now - (policy.Window > c.Window ? policy.Window : c.Window);
        List<DateTimeOffset> kept = [.. c.Failures.Where(f => f > keepAfter), now];
        return kept.Count > CircuitBreakerPolicy.MaxFailures ? kept[^CircuitBreakerPolicy.MaxFailures..] : kept;
    }

    private static CircuitAdmission Hold(DateTimeOffset until, DateTimeOffset now) =>
        new(CircuitDecision.Hold, until < now + MinHold ? now + MinHold : until, null);
}
