using Loom.Core.Circuits;
using Loom.Core.Definitions;
using Loom.Core.Engine;

namespace Loom.Core.Tests.Circuits;

public sealed class CircuitRulesTests
{
    private const string Origin = "http://backend:8080";
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(40);
    private static readonly CircuitBreakerPolicy Policy = new() { Failures = 3, Window = TimeSpan.FromSeconds(10), OpenFor = TimeSpan.FromSeconds(5) };
    private static readonly AttemptOutcome ServerError = AttemptOutcome.Fail(FailureClass.ServerError, "HTTP 503", 503);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    /// <summary>Reports a failure at each time, storing what the rule writes, and returns the circuit with the last change.</summary>
    private static (CircuitRecord? Circuit, CircuitChange Last) Fail(CircuitRecord? circuit, params double[] times)
    {
        var last = CircuitChange.None;
        foreach (var t in times)
        {
            var report = CircuitRules.Report(circuit, Origin, Policy, ServerError, probe: false, At(t));
            circuit = report.Write ?? circuit;
            last = report.Change;
        }

        return (circuit, last);
    }

    [Theory]
    [InlineData(FailureClass.ServerError, true)]
    [InlineData(FailureClass.Timeout, true)]
    [InlineData(FailureClass.Network, true)]
    [InlineData(FailureClass.ClientError, false)]
    [InlineData(FailureClass.TooManyRequests, false)]
    [InlineData(FailureClass.RequestTimeout, false)]
    [InlineData(FailureClass.Reported, false)]
    [InlineData(FailureClass.Refused, false)]
    public void CountsAsFailure_ByFailureClass_OnlyServerErrorsTimeoutsAndConnectionErrors(FailureClass failure, bool counts) =>
        Assert.Equal(counts, CircuitRules.CountsAsFailure(AttemptOutcome.Fail(failure, "x")));

    [Fact]
    public void OriginOf_Url_SchemeHostAndPortWithoutUserInfoPathOrQuery()
    {
        Assert.Equal("http://backend:8080", CircuitRules.OriginOf(new Uri("http://user:pw@Backend:8080/a/b?c=d")));
        Assert.Equal("https://api.example.com:443", CircuitRules.OriginOf(new Uri("https://api.example.com/x")));
    }

    [Fact]
    public void Admit_NoStoredCircuit_SendsWithoutWriting()
    {
        var admission = CircuitRules.Admit(null, Origin, Policy, Lease, T0);

        Assert.Equal(new CircuitAdmission(CircuitDecision.Send, null, null), admission);
    }

    [Fact]
    public void Report_FailuresReachTheThresholdWithinTheWindow_Opens()
    {
        var (circuit, last) = Fail(null, 0, 1);
        Assert.Equal(CircuitChange.None, last);
        Assert.Equal(CircuitStatus.Closed, circuit!.Status);

        (circuit, last) = Fail(circuit, 2);

        Assert.Equal(CircuitChange.Opened, last);
        Assert.Equal(CircuitStatus.Open, circuit!.Status);
        Assert.Equal(At(2), circuit.OpenedAt);
        Assert.Equal(At(7), circuit.RetryAt);
        Assert.Equal(3, circuit.FailuresWithin(At(2)));
    }

    [Fact]
    public void Report_FailuresSpreadWiderThanTheWindow_StaysClosed()
    {
        var (circuit, last) = Fail(null, 0, 6, 11, 17);

        Assert.Equal(CircuitChange.None, last);
        Assert.Equal(CircuitStatus.Closed, circuit!.Status);
        Assert.Equal(2, circuit.FailuresWithin(At(17)));
    }

    [Fact]
    public void Report_ClientErrorsAndSuccesses_NeitherCountNorWrite()
    {
        var (circuit, _) = Fail(null, 0, 1);

        foreach (var outcome in new[] { AttemptOutcome.Fail(FailureClass.ClientError, "HTTP 404", 404), AttemptOutcome.Success() })
        {
            var report = CircuitRules.Report(circuit, Origin, Policy, outcome, probe: false, At(2));
            Assert.Equal(new CircuitReport(null, CircuitChange.None), report);
        }
    }

    [Fact]
    public void Admit_OpenBeforeOpenForPasses_HoldsUntilItMayHalfOpen()
    {
        var (open, _) = Fail(null, 0, 1, 2);

        var admission = CircuitRules.Admit(open, Origin, Policy, Lease, At(3));

        Assert.Equal(new CircuitAdmission(CircuitDecision.Hold, At(7), null), admission);
    }

    [Fact]
    public void Admit_OpenAfterOpenFor_FirstCallerClaimsTheProbeAndEveryOtherIsHeld()
    {
        var (open, _) = Fail(null, 0, 1, 2);

        var first = CircuitRules.Admit(open, Origin, Policy, Lease, At(7));
        Assert.Equal(CircuitDecision.Probe, first.Decision);
        var halfOpen = first.Write!;
        Assert.Equal((CircuitStatus.HalfOpen, At(47)), (halfOpen.Status, halfOpen.ProbeUntil));

        var second = CircuitRules.Admit(halfOpen, Origin, Policy, Lease, At(8));
        // Held no longer than openFor: the probe may well answer long before its claim ends.
        Assert.Equal(new CircuitAdmission(CircuitDecision.Hold, At(13), null), second);
    }

    [Fact]
    public void Report_ProbeSucceeds_Closes()
    {
        var (open, _) = Fail(null, 0, 1, 2);
        var halfOpen = CircuitRules.Admit(open, Origin, Policy, Lease, At(7)).Write;

        var report = CircuitRules.Report(halfOpen, Origin, Policy, AttemptOutcome.Success(), probe: true, At(8));

        Assert.Equal(CircuitChange.Closed, report.Change);
        Assert.Equal(CircuitStatus.Closed, report.Write!.Status);
        Assert.Empty(report.Write.Failures);
        Assert.Equal(CircuitDecision.Send, CircuitRules.Admit(report.Write, Origin, Policy, Lease, At(8)).Decision);
    }

    [Fact]
    public void Report_ProbeAnsweredWithAClientError_ClosesBecauseTheTargetAnswered()
    {
        var (open, _) = Fail(null, 0, 1, 2);
        var halfOpen = CircuitRules.Admit(open, Origin, Policy, Lease, At(7)).Write;

        var report = CircuitRules.Report(halfOpen, Origin, Policy, AttemptOutcome.Fail(FailureClass.ClientError, "HTTP 400", 400), probe: true, At(8));

        Assert.Equal(CircuitChange.Closed, report.Change);
    }

    [Fact]
    public void Report_ProbeFails_ReopensForAnotherOpenFor()
    {
        var (open, _) = Fail(null, 0, 1, 2);
        var halfOpen = CircuitRules.Admit(open, Origin, Policy, Lease, At(7)).Write;

        var report = CircuitRules.Report(halfOpen, Origin, Policy, AttemptOutcome.Fail(FailureClass.Network, "refused"), probe: true, At(8));

        Assert.Equal(CircuitChange.Opened, report.Change);
        Assert.Equal((CircuitStatus.Open, At(8), At(13)), (report.Write!.Status, report.Write.OpenedAt, report.Write.RetryAt));
        Assert.Equal(CircuitDecision.Hold, CircuitRules.Admit(report.Write, Origin, Policy, Lease, At(9)).Decision);
    }

    [Fact]
    public void Report_LateFailureOfACallSentBeforeTheCircuitOpened_CountsButChangesNothing()
    {
        var (open, _) = Fail(null, 0, 1, 2);

        var report = CircuitRules.Report(open, Origin, Policy, ServerError, probe: false, At(3));

        Assert.Equal(CircuitChange.None, report.Change);
        Assert.Equal((CircuitStatus.Open, At(7)), (report.Write!.Status, report.Write.RetryAt));
        Assert.Equal(4, report.Write.FailuresWithin(At(3)));
    }

    [Fact]
    public void Admit_ProbeLost_AnotherProbeAfterItsClaimEnds()
    {
        var (open, _) = Fail(null, 0, 1, 2);
        var halfOpen = CircuitRules.Admit(open, Origin, Policy, Lease, At(7)).Write;

        var replacement = CircuitRules.Admit(halfOpen, Origin, Policy, Lease, At(47));

        Assert.Equal(CircuitDecision.Probe, replacement.Decision);
        Assert.Equal(At(87), replacement.Write!.ProbeUntil);
    }

    [Fact]
    public void Report_ReplacedProbeAnswersAfterTheCircuitClosed_IsAnOrdinaryOutcome()
    {
        var closed = CircuitRecord.ClosedFor(Origin);

        var report = CircuitRules.Report(closed, Origin, Policy, AttemptOutcome.Success(), probe: true, At(1));

        Assert.Equal(new CircuitReport(null, CircuitChange.None), report);
    }

    [Fact]
    public void Report_ManyFailures_KeepsAtMostTheCap()
    {
        CircuitRecord? circuit = null;
        var wide = Policy with { Failures = CircuitBreakerPolicy.MaxFailures, Window = TimeSpan.FromDays(1) };
        for (var i = 0; i < CircuitBreakerPolicy.MaxFailures * 2; i++)
        {
            circuit = CircuitRules.Report(circuit, Origin, wide, ServerError, probe: false, At(i)).Write ?? circuit;
        }

        Assert.Equal(CircuitBreakerPolicy.MaxFailures, circuit!.Failures.Count);
    }
}
