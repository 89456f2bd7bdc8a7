using Loom.Core.Circuits;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>The circuits table on Azurite: one row per origin, replaced only on a matching ETag, read back whole.</summary>
[Collection("azurite")]
public sealed class CircuitStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TrySave_NewThenStaleETag_SecondWriterLosesAndTheRowRoundTrips()
    {
        var store = Stores.Circuits;
        var origin = "http://backend:8080";
        Assert.Null(await store.GetAsync(origin));

        var created = await store.TrySaveAsync(new CircuitRecord { Origin = origin, Failures = [T0, T0.AddSeconds(1)], Window = TimeSpan.FromMinutes(1), Version = 1 });
        Assert.NotNull(created);
        Assert.Null(await store.TrySaveAsync(new CircuitRecord { Origin = origin, Version = 1 }));

        var open = created with { Status = CircuitStatus.Open, OpenedAt = T0.AddSeconds(1), RetryAt = T0.AddSeconds(31), Version = 2 };
        var saved = await store.TrySaveAsync(open);
        Assert.NotNull(saved);
        Assert.Null(await store.TrySaveAsync(open with { Status = CircuitStatus.HalfOpen }));

        var read = await store.GetAsync(origin);
        Assert.Equal(saved!.ETag, read!.ETag);
        Assert.Equal((T0.AddSeconds(1), T0.AddSeconds(31), (DateTimeOffset?)null), (read.OpenedAt, read.RetryAt, read.ProbeUntil));
        Assert.Equal([T0, T0.AddSeconds(1)], read.Failures);
        Assert.Equal((CircuitStatus.Open, TimeSpan.FromMinutes(1), 2L), (read.Status, read.Window, read.Version));
    }

    [Fact]
    public async Task List_SeveralOrigins_OrderedByOriginUpToTheLimit()
    {
        var store = Stores.Circuits;
        foreach (var origin in new[] { "https://b.example:443", "http://a.example:80", "http://[::1]:8080" })
        {
            Assert.NotNull(await store.TrySaveAsync(new CircuitRecord { Origin = origin, Version = 1 }));
        }

        Assert.Equal(["http://[::1]:8080", "http://a.example:80", "https://b.example:443"], (await store.ListAsync(10)).Select(c => c.Origin));
        Assert.Equal(2, (await store.ListAsync(2)).Count);
    }
}
