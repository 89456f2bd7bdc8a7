using Loom.Core.Circuits;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Loom.Core.Tests.Circuits;

public sealed class CircuitBreakersTests
{
    private const string Origin = "http://backend:8080";
    private static readonly CircuitBreakerPolicy Policy = new() { Failures = 2, Window = TimeSpan.FromMinutes(1), OpenFor = TimeSpan.FromSeconds(10) };
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private static readonly AttemptOutcome Down = AttemptOutcome.Fail(FailureClass.ServerError, "HTTP 503", 503);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCircuitStore _store = new();

    private async Task OpenAsync(CircuitBreakers breakers)
    {
        await breakers.ReportAsync(Origin, Policy, Down, probe: false, CancellationToken.None);
        var (change, retryAt) = await breakers.ReportAsync(Origin, Policy, Down, probe: false, CancellationToken.None);
        Assert.Equal(CircuitChange.Opened, change);
        Assert.Equal(_clock.GetUtcNow() + Policy.OpenFor, retryAt);
    }

    [Fact]
    public async Task AdmitAsync_ClosedCircuitWithinTheCacheTime_CostsOneReadForManyCalls()
    {
        var breakers = new CircuitBreakers(_store, _clock);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(CircuitDecision.Send, (await breakers.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None)).Decision);
        }

        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public async Task AdmitAsync_AnotherProcessOpenedTheCircuit_SeenOnceTheCacheTimePasses()
    {
        var here = new CircuitBreakers(_store, _clock);
        var there = new CircuitBreakers(_store, _clock);
        Assert.Equal(CircuitDecision.Send, (await here.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None)).Decision);

        await OpenAsync(there);

        // Within the cache time this process still acts on what it read: the staleness README promises is at most CacheFor.
        Assert.Equal(CircuitDecision.Send, (await here.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None)).Decision);
        _clock.Advance(CircuitBreakers.CacheFor);
        var held = await here.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);
        Assert.Equal(CircuitDecision.Hold, held.Decision);
        Assert.Equal(_clock.GetUtcNow() - CircuitBreakers.CacheFor + Policy.OpenFor, held.HoldUntil);
    }

    [Fact]
    public async Task AdmitAsync_TwoProcessesAfterOpenFor_ExactlyOneGetsTheProbe()
    {
        var first = new CircuitBreakers(_store, _clock);
        var second = new CircuitBreakers(_store, _clock);
        await OpenAsync(first);
        Assert.Equal(CircuitDecision.Hold, (await second.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None)).Decision);
        _clock.Advance(Policy.OpenFor);

        var a = await first.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);
        // The second's cached row is older than the cache time: it reads the first one's claim and holds.
        var b = await second.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);
        var c = await first.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);

        Assert.Equal([CircuitDecision.Probe, CircuitDecision.Hold, CircuitDecision.Hold], new[] { a.Decision, b.Decision, c.Decision });
    }

    [Fact]
    public async Task ReportAsync_ProbeSucceeds_ClosesForEveryProcess()
    {
        var first = new CircuitBreakers(_store, _clock);
        var second = new CircuitBreakers(_store, _clock);
        await OpenAsync(first);
        _clock.Advance(Policy.OpenFor);
        Assert.Equal(CircuitDecision.Probe, (await second.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None)).Decision);

        var (change, _) = await second.ReportAsync(Origin, Policy, AttemptOutcome.Success(), probe: true, CancellationToken.None);

        Assert.Equal(CircuitChange.Closed, change);
        _clock.Advance(CircuitBreakers.CacheFor);
        Assert.Equal(CircuitDecision.Send, (await first.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None)).Decision);
        var row = Assert.Single(await first.ListAsync(10, CancellationToken.None));
        Assert.Equal(CircuitStatus.Closed, row.Status);
    }

    [Fact]
    public async Task ReportAsync_ConcurrentFailuresFromTwoProcesses_BothCounted()
    {
        var first = new CircuitBreakers(_store, _clock);
        var second = new CircuitBreakers(_store, _clock);
        // Both read the empty row first, so the second write meets a changed ETag and must re-read to count both.
        await first.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);
        await second.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);

        await first.ReportAsync(Origin, Policy, Down, probe: false, CancellationToken.None);
        var (change, _) = await second.ReportAsync(Origin, Policy, Down, probe: false, CancellationToken.None);

        Assert.Equal(CircuitChange.Opened, change);
    }

    [Fact]
    public async Task AdmitAsync_StoreFails_SendsAndTellsTheHost()
    {
        var errors = new List<Exception>();
        var breakers = new CircuitBreakers(new FailingStore(), _clock, errors.Add);

        var admission = await breakers.AdmitAsync(Origin, Policy, CallTimeout, CancellationToken.None);
        var (change, _) = await breakers.ReportAsync(Origin, Policy, Down, probe: false, CancellationToken.None);

        Assert.Equal(CircuitDecision.Send, admission.Decision);
        Assert.Equal(CircuitChange.None, change);
        Assert.Equal(2, errors.Count);
    }

    private sealed class FailingStore : ICircuitStore
    {
        public Task<CircuitRecord?> GetAsync(string origin, CancellationToken cancellationToken = default) => throw new IOException("storage down");

        public Task<CircuitRecord?> TrySaveAsync(CircuitRecord circuit, CancellationToken cancellationToken = default) => throw new IOException("storage down");

        public Task<IReadOnlyList<CircuitRecord>> ListAsync(int limit, CancellationToken cancellationToken = default) => throw new IOException("storage down");
    }
}
