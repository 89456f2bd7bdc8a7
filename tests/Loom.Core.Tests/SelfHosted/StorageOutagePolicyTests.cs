using Loom.Core.SelfHosted;
using Microsoft.Extensions.Time.Testing;

namespace Loom.Core.Tests.SelfHosted;

public sealed class StorageOutagePolicyTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ExecuteAsync_Outages_PausesDoublingFrom100MsTo5SecondsAndReportsOnce()
    {
        var policy = new StorageOutagePolicy(ex => ex is TimeoutException, _clock);
        var tries = new List<TimeSpan>();
        var reports = 0;
        var start = _clock.GetUtcNow();

        var call = policy.ExecuteAsync(() =>
        {
            tries.Add(_clock.GetUtcNow() - start);
            return tries.Count <= 8 ? Task.FromException<int>(new TimeoutException("down")) : Task.FromResult(42);
        }, _ => reports++, CancellationToken.None);
        while (!call.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1);
        }

        Assert.Equal(42, await call);
        Assert.Equal(1, reports);
        // Pauses of 100, 200, 400, 800, 1600, 3200, 5000, 5000 ms between the nine tries.
        Assert.Equal([0, 100, 300, 700, 1500, 3100, 6300, 11300, 16300], tries.Select(t => t.TotalMilliseconds));
    }

    [Fact]
    public async Task ExecuteAsync_OtherFailure_ThrowsAtOnce()
    {
        var policy = new StorageOutagePolicy(ex => ex is TimeoutException, _clock);
        var tries = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => policy.ExecuteAsync(() =>
        {
            tries++;
            return Task.FromException<int>(new InvalidOperationException("refused"));
        }, _ => Assert.Fail("not an outage"), CancellationToken.None));
        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task ExecuteAsync_StoppedDuringAnOutage_ThrowsOperationCanceled()
    {
        var policy = new StorageOutagePolicy(ex => ex is TimeoutException, _clock);
        using var stopping = new CancellationTokenSource();

        var call = policy.ExecuteAsync(() => Task.FromException<int>(new TimeoutException("down")), _ => { }, stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }
}
