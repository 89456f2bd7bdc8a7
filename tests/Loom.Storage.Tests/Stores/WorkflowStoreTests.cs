using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

[Collection("azurite")]
public sealed class WorkflowStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Register_NewThenSameThenChanged_VersionsAndCreatedFlag()
    {
        var store = Stores.Workflows;
        Assert.Equal(new(1, true), await store.RegisterAsync("wf", "h1", "source 1", T0));
        Assert.Equal(new(1, false), await store.RegisterAsync("wf", "h1", "source 1", T0.AddMinutes(1)));
        Assert.True(await store.SetPausedAsync("wf", true, T0.AddMinutes(2)));
        Assert.Equal(new(2, true), await store.RegisterAsync("wf", "h2", "source 2", T0.AddMinutes(3)));

        var head = await store.GetHeadAsync("wf");
        Assert.NotNull(head);
        Assert.Equal(2, head.CurrentVersion);
        Assert.True(head.Paused);
        Assert.False(head.Deleted);
        Assert.Equal(T0.AddMinutes(3), head.UpdatedAt);
        Assert.False(string.IsNullOrEmpty(head.ETag));

        var versions = await store.ListVersionsAsync("wf");
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(["source 1", "source 2"], versions.Select(v => v.Source));
        Assert.Equal("h2", versions[1].ContentHash);
        Assert.Equal(T0, versions[0].CreatedAt);

        var v1 = await store.GetVersionAsync("wf", 1);
        Assert.Equal("source 1", v1!.Source);
        Assert.Null(await store.GetVersionAsync("wf", 3));
        Assert.Null(await store.GetVersionAsync("wf", 0));
    }

    [Fact]
    public async Task Missing_ReturnsNullEmptyOrFalse()
    {
        var store = Stores.Workflows;
        Assert.Null(await store.GetHeadAsync("nope"));
        Assert.Empty(await store.ListVersionsAsync("nope"));
        Assert.False(await store.SetPausedAsync("nope", true, T0));
        Assert.False(await store.DeleteAsync("nope", T0));
    }

    [Fact]
    public async Task Register_ConcurrentDifferentContents_EveryVersionDistinct()
    {
        var store = Stores.Workflows;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.RegisterAsync("race", $"h{i}", $"s{i}", T0)));
        Assert.All(outcomes, o => Assert.True(o.Created));
        Assert.Equal(Enumerable.Range(1, 8), outcomes.Select(o => o.Version).Order());
        var versions = await store.ListVersionsAsync("race");
        Assert.Equal(8, versions.Select(v => v.ContentHash).Distinct().Count());
        Assert.Equal(8, (await store.GetHeadAsync("race"))!.CurrentVersion);
    }

    [Fact]
    public async Task Register_ConcurrentSameContent_OneVersion()
    {
        var store = Stores.Workflows;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => store.RegisterAsync("same", "h", "s", T0)));
        Assert.All(outcomes, o => Assert.Equal(1, o.Version));
        Assert.Single(outcomes, o => o.Created);
    }

    [Fact]
    public async Task Delete_HidesFromHeads_AndRegisteringAgainRestores()
    {
        var store = Stores.Workflows;
        await store.RegisterAsync("a", "ha", "sa", T0);
        await store.RegisterAsync("b", "hb", "sb", T0);
        Assert.True(await store.DeleteAsync("a", T0.AddMinutes(1)));

        Assert.Equal(["b"], (await store.ListHeadsAsync()).Select(h => h.WorkflowId));
        var all = await store.ListHeadsAsync(includeDeleted: true);
        Assert.Equal(["a", "b"], all.Select(h => h.WorkflowId));
        Assert.True(all[0].Deleted);

        Assert.Equal(new(1, false), await store.RegisterAsync("a", "ha", "sa", T0.AddMinutes(2)));
        Assert.False((await store.GetHeadAsync("a"))!.Deleted);
        Assert.True(await store.DeleteAsync("a", T0.AddMinutes(3)));
        Assert.Equal(new(2, true), await store.RegisterAsync("a", "ha2", "sa2", T0.AddMinutes(4)));
        Assert.False((await store.GetHeadAsync("a"))!.Deleted);
    }

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public async Task Ids_ForbiddenAndUnicodeCharacters_RoundTrip(string workflowId)
    {
        var store = Stores.Workflows;
        await store.RegisterAsync(workflowId, "h", "s", T0);
        Assert.Equal(workflowId, (await store.GetHeadAsync(workflowId))!.WorkflowId);
        Assert.Equal(workflowId, Assert.Single(await store.ListVersionsAsync(workflowId)).WorkflowId);
        Assert.Contains(await store.ListHeadsAsync(), h => h.WorkflowId == workflowId);
    }

    [Fact]
    public async Task Register_200KiBSource_StoredSplitAndReadBackIntact()
    {
        var store = Stores.Workflows;
        var source = string.Concat(Enumerable.Range(0, 200 * 1024 / 16).Select(i => $"line {i,10}\n"));
        Assert.True(source.Length >= 200 * 1024);
        await store.RegisterAsync("big", "hb", source, T0);
        Assert.Equal(source, (await store.GetVersionAsync("big", 1))!.Source);
    }
}
